//! The decision order: what a check's verdict becomes, for every kind of checkpoint.
//!
//! A check only says pass or fail. This module alone turns that verdict into what happens to the
//! request, in Flask-Imp's order, whichever kind of checkpoint decided (a run of session
//! checkpoints, any other check, `#[login_required]`'s refusals, a checkpoint wrapped around a
//! scope):
//!
//! | verdict | the first of these that applies |
//! |---|---|
//! | pass | `pass_url` (unless `fail_json` is set): flash `message`, redirect; else the handler runs |
//! | fail | `fail_json`: that JSON with `fail_status` |
//! | | `fail_response` (the login layer's `unauthorized_handler`): its response |
//! | | `fail_url` (the login layer's login or refresh view, with `next`, for browsers only): flash `message`, redirect |
//! | | `disable_default_fail`: the handler runs |
//! | | a JSON client ([`wants_json`]): `{"error": ...}` with `fail_status` |
//! | | otherwise: `fail_status` with its reason, in plain text |
//!
//! A step that cannot be taken (a route name the app lacks, a session that refuses the flash, a
//! response function that panics) fails closed: the request gets `500`, and the cause is logged.
//!
//! Both are `tracing` events (which reach the `log` facade too when no `tracing` subscriber is
//! set), with the request's `method`, `path` and `route` (the matched resource's name: a
//! handler's, for `#[get]` and the like): every refusal at `debug`, with the check's `kind`, its
//! `subject` and the answer's `status` (none when `disable_default_fail` runs the handler); every
//! fault at `error`, with the `error`.

use std::{
    borrow::Cow,
    ops::ControlFlow,
    panic::{catch_unwind, AssertUnwindSafe},
};

use actix_web::{
    http::{
        header::{self, ContentType},
        StatusCode,
    },
    HttpRequest, HttpResponse,
};

use crate::{
    error::CheckpointError,
    response::{
        action::{Action, FailResponse},
        fail_json::FailJson,
        redirect::{redirect, Next, RedirectTarget},
    },
    session_probe::SessionProbe,
};

/// The verdict of a [`Check`](crate::Check): what the decision order starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request may go on (or to `pass_url`).
    Pass,
    /// The request takes the checkpoint's failure path.
    Fail,
}

/// What a checkpoint decided: `Continue` runs the handler, `Break` answers the request; an error
/// when it could not decide or answer.
pub(crate) type Decision = Result<ControlFlow<HttpResponse>, CheckpointError>;

/// `decision`, or the logged `500` of its error.
#[inline]
pub(crate) fn settle(decision: Decision, req: &HttpRequest) -> ControlFlow<HttpResponse> {
    match decision {
        Ok(flow) => flow,
        Err(error) => ControlFlow::Break(fail_closed(error, req)),
    }
}

/// The response that ends the request when a checkpoint could not decide or answer: the error's
/// own (a `500`), logged.
#[cold]
#[inline(never)]
pub(crate) fn fail_closed(error: CheckpointError, req: &HttpRequest) -> HttpResponse {
    tracing::error!(
        method = %req.method(),
        path = req.path(),
        route = req.match_name(),
        error = %error,
        "checkpoint could not decide {} {}: {error}",
        req.method(),
        req.path()
    );
    HttpResponse::from_error(error)
}

/// What refused a request, for the event its refusal emits: the kind of check, and what it
/// looked at (a session key, a header), or why (a login's reason).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refuser<'a> {
    pub(crate) kind: &'static str,
    pub(crate) subject: Option<&'a str>,
}

/// How a refused request is answered, whatever refused it: the fail column of the table above.
pub(crate) struct Refusal<'a> {
    /// What refused it.
    pub(crate) by: Refuser<'a>,
    /// `fail_json`.
    pub(crate) json: Option<FailJson>,
    /// `fail_response`, or the login layer's handler.
    pub(crate) respond: Option<Respond>,
    /// `fail_url`, or the login layer's view.
    pub(crate) redirect: Option<Redirect<'a>>,
    /// `disable_default_fail`.
    pub(crate) run_handler: bool,
    /// `fail_status`.
    pub(crate) status: StatusCode,
    /// The body of the default JSON answer.
    pub(crate) json_error: &'static str,
}

/// A function building the whole response, and the error that stands for it in the log if it
/// panics.
#[derive(Clone, Copy)]
pub(crate) struct Respond {
    pub(crate) build: FailResponse,
    pub(crate) panicked: fn() -> CheckpointError,
}

/// A redirect answering a request, with the message flashed on the way.
pub(crate) struct Redirect<'a> {
    pub(crate) target: RedirectTarget,
    /// The message and its category.
    pub(crate) flash: Option<(Cow<'a, str>, &'a str)>,
    /// Where the request's URL goes (a login view), if anywhere.
    pub(crate) next: Option<Next<'a>>,
    /// Whether JSON clients are redirected too; if not, they get the default JSON answer.
    pub(crate) json_clients_too: bool,
}

impl Refusal<'_> {
    /// The answer to a refused request, in the decision order.
    pub(crate) fn answer(&self, req: &HttpRequest, probe: &SessionProbe) -> Decision {
        let answer = self.answer_to(req, probe);
        let given = match &answer {
            Ok(ControlFlow::Continue(())) => None,
            Ok(ControlFlow::Break(response)) => Some(response.status().as_u16()),
            Err(_) => Some(500),
        };
        tracing::debug!(
            kind = self.by.kind,
            subject = self.by.subject,
            method = %req.method(),
            path = req.path(),
            route = req.match_name(),
            status = given,
            "{} checkpoint refused {} {}",
            self.by.kind,
            req.method(),
            req.path()
        );
        answer
    }

    fn answer_to(&self, req: &HttpRequest, probe: &SessionProbe) -> Decision {
        if let Some(body) = self.json {
            return Ok(ControlFlow::Break(json_response(
                self.status,
                body.as_str(),
            )));
        }
        if let Some(respond) = self.respond {
            return catch_unwind(AssertUnwindSafe(|| (respond.build)(req)))
                .map(ControlFlow::Break)
                .map_err(|_| (respond.panicked)());
        }
        if let Some(to) = &self.redirect {
            if to.json_clients_too || !wants_json(req) {
                return to.send(req, probe).map(ControlFlow::Break);
            }
        }
        if self.run_handler {
            return Ok(ControlFlow::Continue(()));
        }
        Ok(ControlFlow::Break(if wants_json(req) {
            json_response(self.status, self.json_error)
        } else {
            HttpResponse::build(self.status)
                .content_type(ContentType::plaintext())
                .body(self.status.canonical_reason().unwrap_or("Request refused"))
        }))
    }
}

impl Redirect<'_> {
    fn send(
        &self,
        req: &HttpRequest,
        probe: &SessionProbe,
    ) -> Result<HttpResponse, CheckpointError> {
        let flash = self
            .flash
            .as_ref()
            .map(|(message, category)| (&**message, *category));
        redirect(req, self.target, self.next.as_ref(), flash, probe)
    }
}

impl Action {
    /// What the action makes of `outcome`, the verdict of the check `by`.
    #[inline]
    pub(crate) fn apply(
        &self,
        outcome: Outcome,
        req: &HttpRequest,
        probe: &SessionProbe,
        by: Refuser<'_>,
    ) -> Decision {
        match outcome {
            Outcome::Pass => self.on_pass(req, probe),
            Outcome::Fail => self.on_fail(req, probe, by),
        }
    }

    #[inline]
    fn on_pass(&self, req: &HttpRequest, probe: &SessionProbe) -> Decision {
        match self.pass_url {
            Some(target) if self.fail_json.is_none() => {
                let flash = self.message.map(|message| (message, self.message_category));
                redirect(req, target, None, flash, probe).map(ControlFlow::Break)
            }
            _ => Ok(ControlFlow::Continue(())),
        }
    }

    fn on_fail(&self, req: &HttpRequest, probe: &SessionProbe, by: Refuser<'_>) -> Decision {
        let refusal = Refusal {
            by,
            json: self.fail_json,
            respond: self.fail_response.map(|build| Respond {
                build,
                panicked: || CheckpointError::FailResponsePanicked,
            }),
            redirect: self.fail_url.map(|target| Redirect {
                target,
                flash: self
                    .message
                    .map(|message| (Cow::Borrowed(message), self.message_category)),
                next: None,
                json_clients_too: true,
            }),
            run_handler: self.disable_default_fail,
            // `fail_status` only accepts 400..=599, which are all valid status codes.
            status: StatusCode::from_u16(self.fail_status).unwrap_or(StatusCode::FORBIDDEN),
            json_error: r#"{"error":"Unauthorized"}"#,
        };
        refusal.answer(req, probe)
    }
}

fn json_response(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::json())
        .body(body)
}

/// Whether `req` comes from a client that wants JSON rather than a page: its `Accept` or
/// `Content-Type` names `application/json` or `application/*+json` (in any case, with
/// parameters, among other types), or it is an XMLHttpRequest (`X-Requested-With`). Flask's
/// `request.is_json` reads `Content-Type` alone, which misses a `GET` from a JSON client.
pub(crate) fn wants_json(req: &HttpRequest) -> bool {
    let any_value = |name, test: fn(&str) -> bool| {
        req.headers()
            .get_all(name)
            .filter_map(|value| value.to_str().ok())
            .any(test)
    };
    any_value(header::ACCEPT, names_json)
        || any_value(header::CONTENT_TYPE, names_json)
        || any_value(X_REQUESTED_WITH, |value| {
            value.trim().eq_ignore_ascii_case("XMLHttpRequest")
        })
}

const X_REQUESTED_WITH: header::HeaderName = header::HeaderName::from_static("x-requested-with");

/// Whether a media-type list names `application/json` or `application/*+json`.
fn names_json(value: &str) -> bool {
    value.split(',').any(|item| {
        let essence = item.split(';').next().unwrap_or("").trim().as_bytes();
        let (kind, suffix) = (&b"application/"[..], &b"+json"[..]);
        essence.eq_ignore_ascii_case(b"application/json")
            || essence.len() > kind.len() + suffix.len()
                && essence[..kind.len()].eq_ignore_ascii_case(kind)
                && essence[essence.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    })
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn json_clients_are_recognised() {
        let with = |name: &'static str, value: &'static str| {
            wants_json(
                &TestRequest::default()
                    .insert_header((name, value))
                    .to_http_request(),
            )
        };
        assert!(with("accept", "application/json"));
        assert!(with("accept", "text/html, Application/JSON;q=0.9"));
        assert!(with("accept", "application/problem+json"));
        assert!(with("content-type", "application/json; charset=utf-8"));
        assert!(with("x-requested-with", "XMLHttpRequest"));
        assert!(!with("accept", "text/html,*/*"));
        assert!(!with("accept", "application/jsonp"));
        assert!(!with("accept", "application/+json"));
        assert!(!with("x-requested-with", "fetch"));
        assert!(!wants_json(&TestRequest::default().to_http_request()));
    }
}
