//! The login layer, Flask-Login's part (the `login` feature): who is logged in, kept by
//! actix-identity in the session, and the checks that require a login.
//!
//! | module | what |
//! |---|---|
//! | `manager` | [`LoginManager`]: the login view, messages, freshness window, request loader |
//! | `required` | [`LoginRequired`]: `#[login_required]` and `#[fresh_login_required]`, also as middleware |
//! | `state` | [`Login`], [`login_user`], [`logout_user`], [`confirm_login`]: who is logged in, and how freshly |
//! | `remember` | [`RememberMe`]: the remember cookie |
//! | `protection` | [`SessionProtection`]: which client made a login |
//! | `events` | [`LoginEvent`]: Flask-Login's signals, as hooks and `tracing` events |
//! | `current_user` | [`CurrentUser<U>`] and its [`UserLoader<U>`] |
//! | `handoff` | the user a login check loaded, handed to the handler's `CurrentUser` |
//! | `public` | `#[login_not_required]`: the routes `LoginRequired`'s middleware lets through |
//! | `test_session` | `TestSession`, for an app's tests (the `test-util` feature) |

mod current_user;
mod events;
pub(crate) mod handoff;
mod manager;
mod protection;
mod public;
mod remember;
mod required;
mod state;
#[cfg(feature = "test-util")]
pub(crate) mod test_session;

/// actix-identity's middleware, in the version the login layer reads identities with: register
/// this one (`.wrap(IdentityMiddleware::default())`), so that no second actix-identity has to be
/// added, or could differ.
pub use actix_identity::IdentityMiddleware;

pub(crate) use self::public::{mounted, PublicRoutes};
pub use self::{
    current_user::{CurrentUser, IntoUserLoader, UserLoader},
    events::LoginEvent,
    manager::{
        LoginManager, UnauthorizedHandler, DEFAULT_LOGIN_MESSAGE, DEFAULT_NEEDS_REFRESH_MESSAGE,
    },
    protection::{ClientAddress, SessionProtection, CLIENT_KEY},
    remember::{
        login_remembered, RememberMe, RememberMeFuture, RememberMeMiddleware,
        DEFAULT_REMEMBER_COOKIE_NAME, DEFAULT_REMEMBER_DURATION,
    },
    required::{LoginRequired, LoginRequiredMiddleware},
    state::{
        confirm_login, login_fresh, login_user, logout_user, Login, FORCED_KEY, FRESH_AT_KEY,
        REMEMBER_KEY, STAMP_KEY,
    },
};
