//! What a checkpoint does with its verdict: Flask-Imp's `.action(...)` options.

use actix_web::{HttpRequest, HttpResponse};

use crate::response::{fail_json::FailJson, redirect::RedirectTarget};

/// A function that builds the whole failure response (the `fail_response` option).
pub type FailResponse = fn(&HttpRequest) -> HttpResponse;

/// The response options of a checkpoint, mirroring Flask-Imp's
/// `.action(fail_url=..., pass_url=..., fail_json=..., fail_response=..., fail_status=...,
/// message=..., message_category=..., disable_default_fail=...)`.
///
/// Every builder method is `const`, so a checkpoint can be a `const` item reused across
/// handlers.
///
/// ```
/// use checkpoint_runtime::{url_for, Action};
///
/// const TO_LOGIN: Action = Action::new()
///     .fail_url(url_for("login_page"))
///     .message("Login required")
///     .message_category("warning");
/// # let _ = TO_LOGIN;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Action {
    pub(crate) fail_url: Option<RedirectTarget>,
    pub(crate) pass_url: Option<RedirectTarget>,
    pub(crate) fail_json: Option<FailJson>,
    pub(crate) fail_response: Option<FailResponse>,
    pub(crate) fail_status: u16,
    pub(crate) message: Option<&'static str>,
    pub(crate) message_category: &'static str,
    pub(crate) disable_default_fail: bool,
}

impl Action {
    /// No options: a failed check answers `403 Forbidden`, a passed one runs the handler.
    pub const fn new() -> Self {
        Self {
            fail_url: None,
            pass_url: None,
            fail_json: None,
            fail_response: None,
            fail_status: 403,
            message: None,
            message_category: "message",
            disable_default_fail: false,
        }
    }

    /// On failure, flash the message (if any) and redirect here.
    pub const fn fail_url(mut self, target: RedirectTarget) -> Self {
        self.fail_url = Some(target);
        self
    }

    /// On success, flash the message (if any) and redirect here instead of running the handler,
    /// unless `fail_json` is set.
    pub const fn pass_url(mut self, target: RedirectTarget) -> Self {
        self.pass_url = Some(target);
        self
    }

    /// On failure, answer this JSON object with the `fail_status`. Build it with
    /// [`fail_json!`](crate::fail_json!), which checks it at compile time.
    pub const fn fail_json(mut self, body: FailJson) -> Self {
        self.fail_json = Some(body);
        self
    }

    /// On failure, answer whatever `respond` builds.
    pub const fn fail_response(mut self, respond: FailResponse) -> Self {
        self.fail_response = Some(respond);
        self
    }

    /// The status of `fail_json` and of the default failure (403 unless set).
    ///
    /// # Panics
    /// Unless `status` is a client or server error (400 to 599). In a `const` item that is a
    /// compile error.
    pub const fn fail_status(mut self, status: u16) -> Self {
        assert!(
            400 <= status && status <= 599,
            "fail_status must be an error status between 400 and 599"
        );
        self.fail_status = status;
        self
    }

    /// The message flashed when the checkpoint redirects.
    pub const fn message(mut self, message: &'static str) -> Self {
        self.message = Some(message);
        self
    }

    /// The category of the flashed message (`"message"` unless set).
    pub const fn message_category(mut self, category: &'static str) -> Self {
        self.message_category = category;
        self
    }

    /// When the check fails and no `fail_json`, `fail_response` or `fail_url` answers, run the
    /// handler anyway (for a page that changes with the session, such as a login form).
    pub const fn disable_default_fail(mut self) -> Self {
        self.disable_default_fail = true;
        self
    }
}

impl Default for Action {
    fn default() -> Self {
        Self::new()
    }
}
