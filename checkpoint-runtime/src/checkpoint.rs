//! A checkpoint: a check plus the [`Action`] that turns its verdict into a response, in
//! Flask-Imp's decision order.

use std::{
    future::Future,
    ops::ControlFlow,
    panic::{catch_unwind, AssertUnwindSafe},
};

use actix_session::SessionExt;
use actix_web::{
    dev::Payload,
    http::{
        header::{self, ContentType},
        StatusCode,
    },
    HttpRequest, HttpResponse,
};

use crate::{
    action::Action,
    error::CheckpointError,
    flash::flash,
    redirect::{found, RedirectTarget},
    session_presence::SessionProbe,
};

/// The verdict of a [`Check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request may go on (or to `pass_url`).
    Pass,
    /// The request takes the checkpoint's failure path.
    Fail,
}

/// What a checkpoint verifies about a request.
///
/// The built-in checks implement it; so can your own types. A check runs before any of the
/// handler's extractors. It may read the request body from `payload`, but then it must put the
/// bytes back (`*payload = Payload::from(bytes)`) for the handler, as the CSRF check does.
///
/// ```
/// use actix_web::{dev::Payload, HttpRequest};
/// use checkpoint_runtime::{Check, Checkpoint, CheckpointError, Outcome};
///
/// /// Passes requests that come from the loopback interface.
/// struct FromLoopback;
///
/// impl Check for FromLoopback {
///     async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
///         let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
///         Ok(if local { Outcome::Pass } else { Outcome::Fail })
///     }
/// }
///
/// const LOCAL_ONLY: Checkpoint<FromLoopback> = Checkpoint::with_check(FromLoopback);
/// # let _ = LOCAL_ONLY;
/// ```
pub trait Check {
    /// Whether [`check`](Check::check) reads the session. If so, the checkpoint first makes sure
    /// `SessionMiddleware` runs in front of the route, and fails closed if not: without it the
    /// session would read as empty.
    fn reads_session(&self) -> bool {
        false
    }

    /// Decides whether `req` passes.
    ///
    /// # Errors
    /// A [`CheckpointError`] when the check cannot decide (a misconfigured app, an unavailable
    /// store). The request then fails closed with `500 Internal Server Error`.
    fn check(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> impl Future<Output = Result<Outcome, CheckpointError>>;
}

/// A check and the action taken on its verdict: what `#[checkpoint(...)]` enforces.
///
/// Declare one as a `const` and reuse it with `#[checkpoint(NAME)]`; the inline attribute
/// builds exactly this value, so both forms behave the same.
///
/// ```
/// use checkpoint_runtime::{url_for, Action, AllowedValue, SessionCheckpoint};
///
/// pub const LOGGED_IN: SessionCheckpoint =
///     SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)])
///         .action(Action::new().fail_url(url_for("login_page")).message("Login required"));
/// # let _ = LOGGED_IN;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint<C> {
    check: C,
    action: Action,
}

impl<C> Checkpoint<C> {
    /// A checkpoint running `check`, with the default action (a failure answers 403).
    pub const fn with_check(check: C) -> Self {
        Self {
            check,
            action: Action::new(),
        }
    }

    /// Replaces the action (Flask-Imp's `.action(...)`).
    pub const fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// The check.
    pub const fn check(&self) -> &C {
        &self.check
    }

    /// The action taken on the verdict.
    pub const fn current_action(&self) -> &Action {
        &self.action
    }
}

impl<C: Check> Checkpoint<C> {
    /// Runs the check on `req` and applies the action. `payload` is the request body, unread
    /// (or read and put back) when the handler should run.
    ///
    /// `Continue` means the handler should run; `Break` carries the response that ends the
    /// request (a redirect, a failure, or a `500` when the checkpoint could not decide or answer,
    /// which is also logged). It never panics: a panicking `fail_response` becomes a `500`.
    ///
    /// Each call verifies afresh that `SessionMiddleware` is in place before the session is used,
    /// which allocates; the `#[checkpoint]` wrapper remembers the answer per handler instead.
    pub async fn enforce(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> ControlFlow<HttpResponse> {
        self.enforce_with(req, payload, &SessionProbe::new()).await
    }

    /// [`enforce`](Self::enforce), with `probe` remembering whether the middleware was seen.
    #[doc(hidden)]
    pub async fn enforce_with(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> ControlFlow<HttpResponse> {
        let decision = self.decide(req, payload, probe).await;
        settle(decision, req)
    }

    async fn decide(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> Decision {
        if self.check.reads_session() {
            probe.verify(req)?;
        }
        let outcome = self.check.check(req, payload).await?;
        self.action.apply(outcome, req, probe)
    }
}

/// The response that ends the request when a checkpoint could not decide or answer: the error's
/// own (a `500`), logged.
#[cold]
#[inline(never)]
fn fail_closed(error: CheckpointError, req: &HttpRequest) -> ControlFlow<HttpResponse> {
    log::error!(
        "checkpoint could not decide {} {}: {error}",
        req.method(),
        req.path()
    );
    ControlFlow::Break(HttpResponse::from_error(error))
}

/// `decision`, or the logged `500` of its error.
#[inline]
pub(crate) fn settle(decision: Decision, req: &HttpRequest) -> ControlFlow<HttpResponse> {
    match decision {
        Ok(flow) => flow,
        Err(error) => fail_closed(error, req),
    }
}

pub(crate) type Decision = Result<ControlFlow<HttpResponse>, CheckpointError>;

impl Action {
    /// What the action makes of `outcome`.
    #[inline]
    pub(crate) fn apply(
        &self,
        outcome: Outcome,
        req: &HttpRequest,
        probe: &SessionProbe,
    ) -> Decision {
        match outcome {
            Outcome::Pass => self.on_pass(req, probe),
            Outcome::Fail => self.on_fail(req, probe),
        }
    }

    #[inline]
    fn on_pass(&self, req: &HttpRequest, probe: &SessionProbe) -> Decision {
        match self.pass_url {
            Some(target) if self.fail_json.is_none() => self.redirect(req, target, probe),
            _ => Ok(ControlFlow::Continue(())),
        }
    }

    fn on_fail(&self, req: &HttpRequest, probe: &SessionProbe) -> Decision {
        log::debug!("checkpoint failed for {} {}", req.method(), req.path());
        let status = self.status();
        if let Some(body) = self.fail_json {
            return Ok(ControlFlow::Break(json_response(status, body.as_str())));
        }
        if let Some(respond) = self.fail_response {
            return catch_unwind(AssertUnwindSafe(|| respond(req)))
                .map(ControlFlow::Break)
                .map_err(|_| CheckpointError::FailResponsePanicked);
        }
        if let Some(target) = self.fail_url {
            return self.redirect(req, target, probe);
        }
        if self.disable_default_fail {
            return Ok(ControlFlow::Continue(()));
        }
        let response = if is_json_request(req) {
            json_response(status, r#"{"error":"Unauthorized"}"#)
        } else {
            HttpResponse::build(status)
                .content_type(ContentType::plaintext())
                .body(status.canonical_reason().unwrap_or("Request refused"))
        };
        Ok(ControlFlow::Break(response))
    }

    fn status(&self) -> StatusCode {
        // `fail_status` only accepts 400..=599, which are all valid status codes.
        StatusCode::from_u16(self.fail_status).unwrap_or(StatusCode::FORBIDDEN)
    }

    /// Resolves the target first, so that nothing is flashed for a redirect that cannot happen.
    fn redirect(
        &self,
        req: &HttpRequest,
        target: RedirectTarget,
        probe: &SessionProbe,
    ) -> Decision {
        let response = found(&target.resolve(req)?)?;
        if let Some(message) = self.message {
            probe.verify(req)?;
            flash(&req.get_session(), message, self.message_category)?;
        }
        Ok(ControlFlow::Break(response))
    }
}

fn json_response(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::json())
        .body(body)
}

/// Flask's `request.is_json`: the body is declared as `application/json` or `application/*+json`.
fn is_json_request(req: &HttpRequest) -> bool {
    let Some(content_type) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(content_type) = content_type.to_str() else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn json_requests_are_recognised_like_flask() {
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::CONTENT_TYPE, value))
                .to_http_request()
        };
        assert!(is_json_request(&with("application/json")));
        assert!(is_json_request(&with("Application/JSON; charset=utf-8")));
        assert!(is_json_request(&with("application/problem+json")));
        assert!(!is_json_request(&with("text/json")));
        assert!(!is_json_request(&with("application/jsonp")));
        assert!(!is_json_request(&with("application/+json")));
        assert!(!is_json_request(&TestRequest::default().to_http_request()));
    }
}
