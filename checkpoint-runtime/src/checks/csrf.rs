//! Flask-Imp's `include_csrf`: a per-session token that every unsafe request must echo back.

use std::{borrow::Cow, convert::Infallible, sync::Arc};

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, http::Method, mime, web::Bytes, HttpMessage, HttpRequest};
use futures_util::FutureExt;

use crate::{
    body::{read_bounded, Unread},
    checks::{secrets_match, single_header, Check, Checkpoint, Outcome},
    error::CheckpointError,
    response::action::Action,
    session_probe,
};

/// Cross-site request forgery protection (Flask-Imp's `include_csrf`).
///
/// - `GET`, `HEAD` and `OPTIONS` pass, after making sure the session holds a token (256 bits
///   from the operating system's CSPRNG, as 64 hex digits, stored as a JSON string under
///   `session_key`) so the handler can put it in its form.
/// - Any other method passes only when the request echoes that token, compared in constant
///   time: in an `X-CSRF-Token` header, or in the form field `form_key` of an
///   `application/x-www-form-urlencoded` or `multipart/form-data` body. A session without a
///   token fails.
///
/// Reading the field buffers at most [`body_limit`](Self::body_limit) bytes (256 KiB unless
/// set; a larger body fails); the handler's own `web::Form<T>` or `web::Bytes` then receives the
/// whole body as sent. Large uploads should send the header instead.
///
/// The attribute is `#[include_csrf]` (or `#[include_csrf(session_key = "csrf", form_key =
/// "csrf")]`); as a value, [`CsrfCheckpoint::new`] fails with 401 like the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrfCheck {
    session_key: &'static str,
    form_key: &'static str,
    body_limit: usize,
}

impl CsrfCheck {
    /// The status a CSRF failure answers unless `fail_status` says otherwise: `401`, as
    /// Flask-Imp's `include_csrf`. (Flask-WTF answers `400 The CSRF token is missing.`; write
    /// `fail_status = 400` for that.) Like every checkpoint's, the failure can be any action:
    /// `fail_json`, `fail_response`, `fail_url` with a `message`.
    pub const FAIL_STATUS: u16 = 401;

    /// The header that may carry the token instead of the form field.
    pub const HEADER: &'static str = "x-csrf-token";

    /// The defaults: session key and form field `csrf`, bodies up to 256 KiB.
    pub const fn new() -> Self {
        Self {
            session_key: "csrf",
            form_key: "csrf",
            body_limit: 256 * 1024,
        }
    }

    /// The session key holding the token.
    pub const fn session_key(mut self, key: &'static str) -> Self {
        self.session_key = key;
        self
    }

    /// The form field carrying the token.
    pub const fn form_key(mut self, key: &'static str) -> Self {
        self.form_key = key;
        self
    }

    /// The largest body read to find the form field.
    pub const fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The session's token, if it has one.
    fn session_token(&self, session: &Session) -> Option<String> {
        match session.get::<String>(self.session_key) {
            Ok(Some(token)) if !token.is_empty() => Some(token),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(
                    kind = "csrf",
                    subject = self.session_key,
                    error = %error,
                    "the CSRF token in the session does not decode: {error}"
                );
                None
            }
        }
    }

    /// The token the request sends: the header, else the form field. The body, if read, is put
    /// back into `payload` for the handler.
    async fn sent_token(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Result<Bytes, CsrfFailure> {
        if let Some(token) = single_header(req, Self::HEADER) {
            return Ok(Bytes::copy_from_slice(token));
        }
        let mime = req.mime_type().ok().flatten();
        let form = mime.as_ref().and_then(|mime| {
            let urlencoded = *mime == mime::APPLICATION_WWW_FORM_URLENCODED;
            let multipart = mime.type_() == mime::MULTIPART && mime.subtype() == mime::FORM_DATA;
            (urlencoded || multipart).then_some((urlencoded, mime))
        });
        let Some((urlencoded, mime)) = form else {
            return Err(CsrfFailure::NotSent {
                form_key: self.form_key,
                body: "not a form",
            });
        };
        let body = read_bounded(payload, self.body_limit)
            .await
            .map_err(|unread| match unread {
                Unread::TooLarge { limit } => CsrfFailure::BodyTooLarge { limit },
                Unread::BrokeOff(error) => CsrfFailure::BodyBrokeOff(error),
            })?;
        let field = if urlencoded {
            form_field(&body, self.form_key)
        } else {
            let boundary = mime.get_param(mime::BOUNDARY).ok_or(CsrfFailure::NotSent {
                form_key: self.form_key,
                body: "multipart without a boundary",
            })?;
            // The body is in memory, so the parse never waits for input: it runs to its end
            // here, rather than keep multer's state (1.4 KiB) in the check's future, which
            // actix boxes with the handler's on every request (over 1 KiB, a box leaves the
            // allocator's fast path). Should it ever wait, the form fails the check.
            multipart_field(body, boundary.as_str(), self.form_key)
                .now_or_never()
                .unwrap_or_else(|| {
                    // Not the client's fault: said at `error`, not as a malformed body alone.
                    let waited = "the multipart parser waited for more of a body already read";
                    tracing::error!("{waited}");
                    Err(CsrfFailure::MalformedMultipart(waited.to_owned()))
                })?
        };
        field.ok_or(CsrfFailure::NotSent {
            form_key: self.form_key,
            body: "a form without the field, or with it twice",
        })
    }
}

impl Default for CsrfCheck {
    fn default() -> Self {
        Self::new()
    }
}

/// A checkpoint enforcing [`CsrfCheck`]: what `#[include_csrf]` builds.
pub type CsrfCheckpoint = Checkpoint<CsrfCheck>;

impl CsrfCheckpoint {
    /// CSRF protection with the defaults, failing with 401.
    pub const fn new() -> Self {
        Checkpoint::with_check(CsrfCheck::new())
            .action(Action::new().fail_status(CsrfCheck::FAIL_STATUS))
    }
}

impl Default for CsrfCheckpoint {
    fn default() -> Self {
        Self::new()
    }
}

impl Check for CsrfCheck {
    fn reads_session(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "csrf"
    }

    fn subject(&self) -> Option<&str> {
        Some(self.session_key)
    }

    async fn check(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Result<Outcome, CheckpointError> {
        let session = req.get_session();
        let expected = self.session_token(&session);
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            if expected.is_none() {
                session
                    .insert(self.session_key, new_token()?)
                    .map_err(CheckpointError::session_write)?;
                session_probe::watch_write(req, "A CSRF token");
            }
            return Ok(Outcome::Pass);
        }
        let verdict = match expected {
            None => Err(CsrfFailure::NoSessionToken),
            Some(expected) => self.sent_token(req, payload).await.and_then(|sent| {
                secrets_match(&sent, expected.as_bytes())
                    .then_some(())
                    .ok_or(CsrfFailure::Mismatch)
            }),
        };
        Ok(match verdict {
            Ok(()) => Outcome::Pass,
            Err(failure) => {
                failure.log(req);
                Outcome::Fail
            }
        })
    }
}

/// Why a CSRF check failed: logged, since a refusal by itself says nothing of its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CsrfFailure {
    /// The session holds no token: it expired, or no safe request came first.
    NoSessionToken,
    /// Neither the header nor the form field carries a token.
    NotSent {
        form_key: &'static str,
        body: &'static str,
    },
    /// A token was sent, and it is not the session's.
    Mismatch,
    /// The body is larger than the check reads.
    BodyTooLarge { limit: usize },
    /// The body broke off while it was read.
    BodyBrokeOff(String),
    /// A multipart body that does not parse.
    MalformedMultipart(String),
}

impl CsrfFailure {
    /// Logs the failure: at `debug`, since any client can cause one, except a body over the limit,
    /// at `info`, since the fix may be the app's (send the header, or raise the limit).
    #[cold]
    fn log(&self, req: &HttpRequest) {
        let reason = match self {
            Self::NoSessionToken => Cow::Borrowed(
                "the session holds no token (it expired, or no GET put one there first)",
            ),
            Self::NotSent { form_key, body } => Cow::Owned(format!(
                "no token sent, neither in the {} header nor in the form field {form_key:?} (the \
                 body is {body})",
                CsrfCheck::HEADER
            )),
            Self::Mismatch => Cow::Borrowed("the token sent is not the session's"),
            Self::BodyTooLarge { limit } => Cow::Owned(format!(
                "the body exceeds the {limit} bytes read to find the form field; send the token \
                 in the {} header",
                CsrfCheck::HEADER
            )),
            Self::BodyBrokeOff(error) => Cow::Owned(format!("the body broke off: {error}")),
            Self::MalformedMultipart(error) => {
                Cow::Owned(format!("the multipart body does not parse: {error}"))
            }
        };
        let (method, path) = (req.method(), req.path());
        if matches!(self, Self::BodyTooLarge { .. }) {
            tracing::info!(kind = "csrf", method = %method, path, reason = %reason,
                "CSRF check failed for {method} {path}: {reason}");
        } else {
            tracing::debug!(kind = "csrf", method = %method, path, reason = %reason,
                "CSRF check failed for {method} {path}: {reason}");
        }
    }
}

fn new_token() -> Result<String, CheckpointError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| CheckpointError::RandomUnavailable {
        source: Arc::new(error),
    })?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The value of `name` in an urlencoded form, when it appears exactly once.
fn form_field(body: &[u8], name: &str) -> Option<Bytes> {
    let mut values = form_urlencoded::parse(body)
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value);
    let value = values.next()?;
    values
        .next()
        .is_none()
        .then(|| Bytes::from(value.into_owned()))
}

/// The content of the part named `name` in a `multipart/form-data` body, when exactly one part
/// has that name. The body is parsed by `multer`, the parser of axum and warp, which reads what
/// browsers send (RFC 7578); a body it refuses fails the check.
async fn multipart_field(
    body: Bytes,
    boundary: &str,
    name: &str,
) -> Result<Option<Bytes>, CsrfFailure> {
    let malformed = |error: multer::Error| CsrfFailure::MalformedMultipart(error.to_string());
    let whole_body = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
    let mut multipart = multer::Multipart::new(whole_body, boundary);
    let mut found = None;
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() == Some(name) {
            if found.is_some() {
                return Ok(None);
            }
            found = Some(field.bytes().await.map_err(malformed)?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_random_bits_in_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[actix_web::test]
    async fn only_a_non_empty_string_under_the_session_key_is_a_token() {
        let session = actix_web::test::TestRequest::default()
            .to_http_request()
            .get_session();
        let check = CsrfCheck::new().session_key("token");
        assert_eq!(check.session_token(&session), None);
        session.insert("csrf", "elsewhere").unwrap();
        assert_eq!(check.session_token(&session), None);
        session.insert("token", "").unwrap();
        assert_eq!(check.session_token(&session), None);
        session.insert("token", 42).unwrap();
        assert_eq!(check.session_token(&session), None);
        session.insert("token", "t0k3n").unwrap();
        assert_eq!(check.session_token(&session).as_deref(), Some("t0k3n"));
    }

    #[actix_web::test]
    async fn only_multipart_form_data_is_read_as_a_form() {
        let body =
            b"--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nt0k3n\r\n--b--\r\n";
        let sent = |content_type: &'static str| async move {
            let (req, mut payload) = actix_web::test::TestRequest::post()
                .insert_header(("content-type", content_type))
                .set_payload(&body[..])
                .to_http_parts();
            CsrfCheck::new().sent_token(&req, &mut payload).await
        };
        assert_eq!(
            sent("multipart/form-data; boundary=b").await,
            Ok(Bytes::from_static(b"t0k3n"))
        );
        for other in ["multipart/mixed; boundary=b", "text/form-data; boundary=b"] {
            let not_a_form = CsrfFailure::NotSent {
                form_key: "csrf",
                body: "not a form",
            };
            assert_eq!(sent(other).await, Err(not_a_form), "{other}");
        }
    }

    #[test]
    fn the_check_names_its_session_key_for_the_refusal_event() {
        let check = CsrfCheck::new().session_key("token");
        assert_eq!(
            (check.reads_session(), check.kind(), check.subject()),
            (true, "csrf", Some("token"))
        );
    }

    #[test]
    fn form_fields_are_decoded_and_must_be_unique() {
        assert_eq!(
            form_field(b"a=1&csrf=t%2Bk&b=2", "csrf").as_deref(),
            Some(&b"t+k"[..])
        );
        assert_eq!(form_field(b"a=1", "csrf"), None);
        assert_eq!(form_field(b"csrf=1&csrf=1", "csrf"), None);
    }

    async fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<Bytes> {
        super::multipart_field(Bytes::copy_from_slice(body), boundary, name)
            .await
            .ok()
            .flatten()
    }

    #[actix_web::test]
    async fn multipart_fields_are_found_by_name() {
        let body = b"preamble\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
            Content-Type: text/plain\r\n\r\nline one\r\nline two\r\n--XyZ\r\n\
            content-disposition: form-data; name=\"csrf\"\r\n\r\ns3cret\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_field(body, "XyZ", "csrf").await.as_deref(),
            Some(&b"s3cret"[..])
        );
        assert_eq!(
            multipart_field(body, "XyZ", "file").await.as_deref(),
            Some(&b"line one\r\nline two"[..])
        );
        assert_eq!(multipart_field(body, "XyZ", "missing").await, None);
        assert_eq!(multipart_field(body, "other", "csrf").await, None);
        let twice = b"--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n1\r\n\
            --b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n1\r\n--b--";
        assert_eq!(multipart_field(twice, "b", "csrf").await, None);
        assert_eq!(
            multipart_field(b"--b\r\nno headers end", "b", "csrf").await,
            None
        );
    }
}
