//! Flash messages: one-shot notes stored in the session for the next request, in Flask's layout
//! (a JSON array of `[category, message]` pairs under the key `_flashes`).

use std::{
    future::{ready, Ready},
    slice,
};

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CheckpointError;

/// The session key that holds pending flash messages, as in Flask.
pub const FLASHES_KEY: &str = "_flashes";

/// One flash message with its category (Flask's `("category", "message")` pair), stored as the
/// JSON array `["category", "message"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashMessage {
    category: String,
    message: String,
}

impl FlashMessage {
    /// A message in `category` (Flask's default category is `"message"`).
    pub fn new(category: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            category: category.into(),
            message: message.into(),
        }
    }

    /// The category, such as `"message"`, `"warning"` or `"error"`.
    pub fn category(&self) -> &str {
        &self.category
    }

    /// The text of the message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<(String, String)> for FlashMessage {
    fn from((category, message): (String, String)) -> Self {
        Self { category, message }
    }
}

impl From<FlashMessage> for (String, String) {
    fn from(flash: FlashMessage) -> Self {
        (flash.category, flash.message)
    }
}

// By hand rather than derived: the pair is the whole of it, and users who do not derive need not
// build serde's derive macros for it.
impl Serialize for FlashMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&self.category, &self.message).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FlashMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <(String, String)>::deserialize(deserializer).map(Self::from)
    }
}

/// Appends `message` in `category` to the session's flash messages (Flask's
/// `flash(message, category)`). They are shown by the next request that extracts
/// [`FlashMessages`].
///
/// A pending list that does not decode (written by something else) is replaced, with a warning
/// in the log, rather than blocking new messages.
///
/// # Errors
/// [`CheckpointError::SessionWrite`] when the session refuses the write,
/// [`CheckpointError::SessionPurged`] when it was purged earlier in the request (the message
/// would be dropped).
///
/// ```
/// use actix_session::Session;
/// use checkpoint_runtime::flash;
///
/// fn saved(session: &Session) -> Result<(), checkpoint_runtime::CheckpointError> {
///     flash(session, "Profile saved", "success")
/// }
/// ```
pub fn flash(session: &Session, message: &str, category: &str) -> Result<(), CheckpointError> {
    writable(session)?;
    let mut pending = match session.get::<Vec<FlashMessage>>(FLASHES_KEY) {
        Ok(pending) => pending.unwrap_or_default(),
        Err(error) => {
            tracing::warn!(
                error = %error,
                "replacing undecodable flash messages in the session: {error}"
            );
            Vec::new()
        }
    };
    pending.push(FlashMessage::new(category, message));
    session
        .insert(FLASHES_KEY, pending)
        .map_err(CheckpointError::session_write)
}

/// `Ok` unless `session` was purged earlier in the request, which actix-session would let a write
/// "succeed" on and then not save.
pub(crate) fn writable(session: &Session) -> Result<(), CheckpointError> {
    if session.status() == actix_session::SessionStatus::Purged {
        return Err(CheckpointError::SessionPurged);
    }
    Ok(())
}

/// The flash messages waiting in the session, taken out of it (Flask's
/// `get_flashed_messages(with_categories=True)`): extracting them consumes them, so each shows
/// once.
///
/// Extraction never fails: with no session, or an undecodable list (logged as a warning), it
/// yields no messages.
///
/// ```
/// use actix_web::{get, Responder};
/// use checkpoint_runtime::FlashMessages;
///
/// #[get("/")]
/// async fn index(flashes: FlashMessages) -> impl Responder {
///     flashes
///         .iter()
///         .map(|flash| format!("[{}] {}\n", flash.category(), flash.message()))
///         .collect::<String>()
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlashMessages(Vec<FlashMessage>);

impl FlashMessages {
    /// Takes the pending messages out of `session`.
    pub fn take(session: &Session) -> Self {
        match session.remove_as::<Vec<FlashMessage>>(FLASHES_KEY) {
            None => Self::default(),
            Some(Ok(messages)) => Self(messages),
            Some(Err(text)) => {
                tracing::warn!(
                    stored = %text,
                    "dropping undecodable flash messages from the session: {text:?}"
                );
                Self::default()
            }
        }
    }

    /// The messages, oldest first.
    pub fn iter(&self) -> slice::Iter<'_, FlashMessage> {
        self.0.iter()
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages as a vector, oldest first.
    pub fn into_vec(self) -> Vec<FlashMessage> {
        self.0
    }
}

impl IntoIterator for FlashMessages {
    type Item = FlashMessage;
    type IntoIter = std::vec::IntoIter<FlashMessage>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FlashMessages {
    type Item = &'a FlashMessage;
    type IntoIter = slice::Iter<'a, FlashMessage>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromRequest for FlashMessages {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Self::take(&req.get_session())))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn messages_are_stored_as_flask_pairs_and_consumed_once() {
        let req = TestRequest::default().to_http_request();
        let session = req.get_session();
        flash(&session, "first", "message").unwrap();
        flash(&session, "second", "warning").unwrap();
        assert_eq!(
            session.entries().get(FLASHES_KEY).map(String::as_str),
            Some(r#"[["message","first"],["warning","second"]]"#)
        );

        let taken = FlashMessages::take(&session);
        let pairs: Vec<_> = taken.iter().map(|f| (f.category(), f.message())).collect();
        assert_eq!(pairs, [("message", "first"), ("warning", "second")]);
        assert!(FlashMessages::take(&session).is_empty());
    }

    #[test]
    fn an_undecodable_list_is_replaced_not_fatal() {
        let req = TestRequest::default().to_http_request();
        let session = req.get_session();
        session.insert(FLASHES_KEY, "not a list").unwrap();
        flash(&session, "fresh", "message").unwrap();
        assert_eq!(FlashMessages::take(&session).len(), 1);

        session.insert(FLASHES_KEY, 42).unwrap();
        assert!(FlashMessages::take(&session).is_empty());
        assert!(!session.contains_key(FLASHES_KEY));
    }

    #[test]
    fn messages_convert_to_and_from_pairs_and_iterate_oldest_first() {
        let pair = (String::from("warning"), String::from("careful"));
        let first = FlashMessage::from(pair.clone());
        assert_eq!((first.category(), first.message()), ("warning", "careful"));
        assert_eq!(<(String, String)>::from(first.clone()), pair);

        let second = FlashMessage::new("message", "next");
        let flashes = FlashMessages(vec![first.clone(), second.clone()]);
        assert_eq!(flashes.len(), 2);
        assert!(!flashes.is_empty());
        let messages: Vec<&str> = (&flashes).into_iter().map(FlashMessage::message).collect();
        assert_eq!(messages, ["careful", "next"]);
        assert_eq!(flashes.clone().into_vec(), [first.clone(), second.clone()]);
        assert_eq!(flashes.into_iter().collect::<Vec<_>>(), [first, second]);
    }

    #[test]
    fn a_purged_session_refuses_a_flash() {
        let session = TestRequest::default().to_http_request().get_session();
        session.purge();
        assert!(matches!(
            flash(&session, "lost", "message"),
            Err(CheckpointError::SessionPurged)
        ));
        assert!(!session.contains_key(FLASHES_KEY));
    }
}
