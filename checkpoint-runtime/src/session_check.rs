//! Flask-Imp's `SessionCheckpoint`: a session key must hold one of the allowed values.

use actix_session::SessionExt;
use actix_web::{dev::Payload, HttpRequest};

use crate::{
    allowed_value::{AllowedValue, AllowedValues, Match},
    checkpoint::{Check, Checkpoint, Outcome},
    error::CheckpointError,
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
    /// Values listed in ascending order (booleans, then integers, then strings, each in natural
    /// order, strings bytewise) are binary-searched, so a long list costs little more than a short
    /// one; `#[checkpoint]` emits them in that order. Any order gives the same verdicts.
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

impl Check for SessionCheck {
    fn reads_session(&self) -> bool {
        true
    }

    async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
        let session = req.get_session();
        let entries = session.entries();
        Ok(match entries.get(self.session_key) {
            Some(stored) => self.evaluate(stored),
            None => Outcome::Fail,
        })
    }
}

impl SessionCheck {
    /// The verdict on `stored`, the JSON text actix-session keeps under the key.
    #[inline]
    pub(crate) fn evaluate(&self, stored: &str) -> Outcome {
        match self.values.match_stored_json(stored) {
            Ok(Match::Allowed) => Outcome::Pass,
            Ok(Match::NotAllowed) => Outcome::Fail,
            Err(error) => {
                log::warn!(
                    "session value of {:?} is not valid JSON, failing the check: {error}",
                    self.session_key
                );
                Outcome::Fail
            }
        }
    }
}
