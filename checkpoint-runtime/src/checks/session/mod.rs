//! Flask-Imp's `SessionCheckpoint`: a session key must hold one of the allowed values.

mod allowed_value;
#[cfg(test)]
mod props;
mod stored_json;

use std::ops::ControlFlow;

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, HttpRequest, HttpResponse};

pub use self::allowed_value::AllowedValue;
use self::{allowed_value::AllowedValues, stored_json::Match};
use crate::{
    checks::{Check, Checkpoint, Outcome},
    decision::{settle, Refuser},
    error::CheckpointError,
    session_probe::SessionProbe,
};

/// Passes when the session value under `session_key` is one of the allowed values, or is a list
/// holding at least one of them. A missing key or a value that is not valid JSON fails (the
/// latter with a warning in the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCheck {
    session_key: &'static str,
    values: AllowedValues<'static>,
}

impl SessionCheck {
    /// A check of `session_key` against `values`.
    ///
    /// From five to 128 values are indexed when the check is built (at compile time in a
    /// `const`), so a long list costs little more than a short one; their order does not
    /// matter.
    pub const fn new(session_key: &'static str, values: &'static [AllowedValue]) -> Self {
        Self {
            session_key,
            values: AllowedValues::new(values),
        }
    }

    /// The session key read.
    pub const fn session_key(&self) -> &'static str {
        self.session_key
    }

    /// The allowed values.
    pub const fn values(&self) -> &'static [AllowedValue] {
        self.values.as_slice()
    }
}

/// Flask-Imp's `SessionCheckpoint(session_key, values_allowed)`: the `session_key = ...,
/// values = ...` form of the attribute.
pub type SessionCheckpoint = Checkpoint<SessionCheck>;

impl SessionCheckpoint {
    /// A checkpoint that passes when `session_key` holds one of `values`, with the default
    /// action; set one with [`Checkpoint::action`].
    pub const fn new(session_key: &'static str, values: &'static [AllowedValue]) -> Self {
        Checkpoint::with_check(SessionCheck::new(session_key, values))
    }
}

/// Enforces `checkpoints` in order, as their `enforce` would one after the other, without a
/// future (a session check never waits) and reading the session once: what the `#[checkpoint]`
/// wrapper calls for a run of session checkpoints. Out of line, one copy for every handler.
#[doc(hidden)]
#[inline(never)]
pub fn enforce_sessions(
    checkpoints: &[&SessionCheckpoint],
    req: &HttpRequest,
    probe: &SessionProbe,
) -> ControlFlow<HttpResponse> {
    if let Err(error) = probe.verify(req) {
        return settle(Err(error), req);
    }
    let session = req.get_session();
    for checkpoint in checkpoints {
        let check = checkpoint.check();
        let outcome = check.verdict_in(&session);
        let by = Refuser {
            kind: "session",
            subject: Some(check.session_key),
        };
        match checkpoint.current_action().apply(outcome, req, probe, by) {
            Ok(ControlFlow::Continue(())) => {}
            decision => return settle(decision, req),
        }
    }
    ControlFlow::Continue(())
}

/// Enforces `checkpoint`, a combination of session checks only, as its `enforce` would, without
/// a future and reading the session once: what the `#[checkpoint]` wrapper calls for
/// `any(...)`, `all(...)` or `not(...)` over session checks.
#[doc(hidden)]
pub fn enforce_session_combination<C: SessionVerdict>(
    checkpoint: &Checkpoint<C>,
    req: &HttpRequest,
    probe: &SessionProbe,
) -> ControlFlow<HttpResponse> {
    if let Err(error) = probe.verify(req) {
        return settle(Err(error), req);
    }
    let check = checkpoint.check();
    let outcome = check.session_verdict(&req.get_session());
    let by = Refuser {
        kind: check.kind(),
        subject: check.subject(),
    };
    settle(
        checkpoint.current_action().apply(outcome, req, probe, by),
        req,
    )
}

/// A check decided from the session alone, without waiting: a [`SessionCheck`], or `any`,
/// `all` or `not` over such checks. Implemented by the runtime only.
#[doc(hidden)]
pub trait SessionVerdict: Check {
    /// The verdict on `session`.
    fn session_verdict(&self, session: &Session) -> Outcome;
}

impl SessionVerdict for SessionCheck {
    #[inline]
    fn session_verdict(&self, session: &Session) -> Outcome {
        self.verdict_in(session)
    }
}

impl Check for SessionCheck {
    fn reads_session(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "session"
    }

    fn subject(&self) -> Option<&str> {
        Some(self.session_key)
    }

    async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
        Ok(self.verdict_in(&req.get_session()))
    }
}

impl SessionCheck {
    /// The verdict on `session`. Inlined into `enforce_sessions`, the one out-of-line copy every
    /// checkpointed handler shares: one call less on the way through a request.
    #[inline]
    fn verdict_in(&self, session: &Session) -> Outcome {
        // Borrowed only here: the action may write to the session (a flash message) next.
        let entries = session.entries();
        // A session holds a handful of keys: comparing them costs less than hashing the key
        // (SipHash) to look it up.
        let stored = if entries.len() <= SCANNED_SESSION_KEYS {
            entries
                .iter()
                .find_map(|(key, value)| (key == self.session_key).then_some(value))
        } else {
            entries.get(self.session_key)
        };
        match stored {
            Some(stored) => self.evaluate(stored),
            None => Outcome::Fail,
        }
    }
}

/// Sessions with up to this many keys are searched by comparing keys rather than hashing.
const SCANNED_SESSION_KEYS: usize = 8;

impl SessionCheck {
    /// The verdict on `stored`, the JSON text actix-session keeps under the key.
    #[inline]
    pub(crate) fn evaluate(&self, stored: &str) -> Outcome {
        match self.values.match_stored_json(stored) {
            Ok(Match::Allowed) => Outcome::Pass,
            Ok(Match::NotAllowed) => Outcome::Fail,
            Err(error) => {
                self.warn_invalid_json(&error);
                Outcome::Fail
            }
        }
    }

    /// Out of line: the logging stays off the path of a valid value.
    #[cold]
    #[inline(never)]
    fn warn_invalid_json(&self, error: &dyn std::fmt::Display) {
        tracing::warn!(
            kind = "session",
            subject = self.session_key,
            error = %error,
            "session value of {:?} is not valid JSON, failing the check: {error}",
            self.session_key
        );
    }
}

#[cfg(test)]
mod tests {
    use actix_session::{storage::CookieSessionStore, SessionMiddleware};
    use actix_web::{cookie::Key, test, web, App, HttpResponse};

    use super::*;

    const ADMIN: SessionCheck = SessionCheck::new("role", &[AllowedValue::Str("admin")]);

    /// `/N` stores `N` other keys beside `role`, then answers the check's verdicts with and
    /// without `role`.
    async fn verdict(req: HttpRequest, keys: web::Path<usize>) -> HttpResponse {
        let session = req.get_session();
        for index in 0..keys.into_inner() {
            session.insert(format!("key{index}"), index).unwrap();
        }
        session.insert("role", "admin").unwrap();
        let found = ADMIN.check(&req, &mut Payload::None).await.unwrap();
        session.remove("role");
        let missing = ADMIN.check(&req, &mut Payload::None).await.unwrap();
        HttpResponse::Ok().body(format!("{found:?} {missing:?}"))
    }

    #[actix_web::test]
    async fn finds_the_key_in_small_and_large_sessions() {
        let app = test::init_service(
            App::new()
                .wrap(SessionMiddleware::new(
                    CookieSessionStore::default(),
                    Key::generate(),
                ))
                .route("/{keys}", web::get().to(verdict)),
        )
        .await;
        for keys in [0, 1, SCANNED_SESSION_KEYS, SCANNED_SESSION_KEYS + 1, 40] {
            let uri = format!("/{keys}");
            let body =
                test::call_and_read_body(&app, test::TestRequest::get().uri(&uri).to_request())
                    .await;
            assert_eq!(body, "Pass Fail", "{keys} other keys");
        }
    }

    #[actix_web::test]
    async fn the_check_names_its_key_for_the_refusal_event() {
        assert_eq!(ADMIN.session_key(), "role");
        assert_eq!(
            (ADMIN.reads_session(), ADMIN.kind(), ADMIN.subject()),
            (true, "session", Some("role"))
        );
    }
}
