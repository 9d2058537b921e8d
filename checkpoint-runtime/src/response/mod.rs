//! What a checkpoint answers with: its [`Action`] options, redirects and their targets, flash
//! messages, the `fail_json` body, and the check of a client-supplied redirect target.

pub(crate) mod action;
pub(crate) mod fail_json;
pub(crate) mod flash;
pub(crate) mod redirect;
mod safe_redirect;

pub use self::{
    action::{Action, FailResponse},
    fail_json::FailJson,
    flash::{flash, FlashMessage, FlashMessages, FLASHES_KEY},
    redirect::{login_url, url_for, RedirectTarget, NEXT_KEY},
    safe_redirect::is_safe_redirect,
};
