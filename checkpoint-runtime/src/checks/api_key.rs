//! Flask-Imp's `APIKeyCheckpoint`: a header or query parameter must carry the expected key.

use actix_web::{dev::Payload, HttpRequest};

use crate::{
    checks::{secrets_match, Check, Outcome},
    error::CheckpointError,
};

/// Where a request carries its API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    /// A request header, by name (case-insensitive).
    Header(&'static str),
    /// A query-string parameter, by name (case-sensitive, percent-decoded).
    Query(&'static str),
}

/// Passes when the request carries `expected` as its API key, compared in constant time.
///
/// A missing or empty key, a header value that is not UTF-8, and a key given twice (two
/// headers, or a repeated parameter: which one a proxy saw is unknowable) fail.
///
/// The attribute form evaluates its expression on every request, so the key can come from
/// configuration: `#[checkpoint(api_key = config::api_key(), header = "x-api-key")]`. As
/// middleware, build the check once:
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use checkpoint_runtime::{ApiKeyCheck, Checkpoint};
///
/// let key = String::from("from the environment");
/// let app = App::new().service(
///     web::scope("/api")
///         .wrap(Checkpoint::with_check(ApiKeyCheck::header("x-api-key", key)))
///         .route("/status", web::get().to(HttpResponse::Ok)),
/// );
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiKeyCheck<K> {
    expected: K,
    location: KeyLocation,
}

impl<K> ApiKeyCheck<K> {
    /// Reads the key from the header `name` (Flask-Imp's default is `x-api-key`).
    pub const fn header(name: &'static str, expected: K) -> Self {
        Self {
            expected,
            location: KeyLocation::Header(name),
        }
    }

    /// Reads the key from the query parameter `name`.
    pub const fn query(name: &'static str, expected: K) -> Self {
        Self {
            expected,
            location: KeyLocation::Query(name),
        }
    }

    /// Where the key is read.
    pub const fn location(&self) -> KeyLocation {
        self.location
    }
}

impl<K: AsRef<str>> Check for ApiKeyCheck<K> {
    fn kind(&self) -> &'static str {
        "api_key"
    }

    fn subject(&self) -> Option<&str> {
        Some(match self.location {
            KeyLocation::Header(name) | KeyLocation::Query(name) => name,
        })
    }

    async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
        let expected = self.expected.as_ref().as_bytes();
        if expected.is_empty() {
            tracing::error!(
                kind = "api_key",
                subject = self.subject(),
                "the expected API key is empty: every request is refused"
            );
        }
        let matched = match self.location {
            KeyLocation::Header(name) => {
                single_header(req, name).is_some_and(|provided| secrets_match(provided, expected))
            }
            KeyLocation::Query(name) => single_query_value(req, name)
                .is_some_and(|provided| secrets_match(provided.as_bytes(), expected)),
        };
        Ok(if matched {
            Outcome::Pass
        } else {
            Outcome::Fail
        })
    }
}

/// The value of the header `name` when it is present exactly once and is UTF-8.
///
/// The headers are scanned, comparing names, rather than looked up: a look-up by a `&str`
/// parses it into a `HeaderName`, which for a name that is not a standard one (`x-api-key`)
/// allocates on every request. A request has a handful of headers, and a name of another length
/// is passed over at once. (Measured: the allocation test counts one allocation fewer, and
/// `GROUP=api_key bench/callgrind.sh full_stack` fewer instructions; see BENCHMARKS.md.)
pub(crate) fn single_header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r [u8]> {
    let mut values = req
        .headers()
        .iter()
        .filter(|(header, _)| header.as_str().eq_ignore_ascii_case(name))
        .map(|(_, value)| value);
    let value = values.next()?;
    if values.next().is_some() {
        tracing::debug!(header = name, "header {name} given more than once: refused");
        return None;
    }
    std::str::from_utf8(value.as_bytes())
        .is_ok()
        .then_some(value.as_bytes())
}

/// The decoded value of the query parameter `name` when it is present exactly once and
/// decodes to UTF-8. (`form_urlencoded::parse` would decode lossily, turning `%FF` into U+FFFD.)
fn single_query_value(req: &HttpRequest, name: &str) -> Option<String> {
    let mut values = req
        .query_string()
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .filter(|(key, _)| decode_component(key).as_deref() == Some(name))
        .map(|(_, value)| decode_component(value));
    let value = values.next()?;
    if values.next().is_some() {
        tracing::debug!(
            parameter = name,
            "query parameter {name} given more than once: refused"
        );
        return None;
    }
    value
}

/// One `application/x-www-form-urlencoded` component (`+` is a space), or `None` when it does
/// not decode to UTF-8.
fn decode_component(component: &str) -> Option<String> {
    let spaced = component.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    async fn outcome(check: &ApiKeyCheck<&str>, req: TestRequest) -> Outcome {
        let req = req.to_http_request();
        check.check(&req, &mut Payload::None).await.unwrap()
    }

    #[actix_web::test]
    async fn header_keys_must_match_exactly_and_once() {
        let check = ApiKeyCheck::header("x-api-key", "k3y");
        let with =
            |value: &'static [u8]| TestRequest::default().insert_header(("X-Api-Key", value));
        assert_eq!(outcome(&check, with(b"k3y")).await, Outcome::Pass);
        assert_eq!(outcome(&check, with(b"k3y ")).await, Outcome::Fail);
        assert_eq!(outcome(&check, with(b"K3Y")).await, Outcome::Fail);
        assert_eq!(outcome(&check, with(b"")).await, Outcome::Fail);
        assert_eq!(outcome(&check, with(b"k3\xff")).await, Outcome::Fail);
        assert_eq!(outcome(&check, TestRequest::default()).await, Outcome::Fail);
        let twice = with(b"k3y").append_header(("x-api-key", "k3y"));
        assert_eq!(outcome(&check, twice).await, Outcome::Fail);
    }

    #[actix_web::test]
    async fn query_keys_are_decoded_and_must_appear_once() {
        let check = ApiKeyCheck::query("api_key", "a b&c");
        let at = |uri| TestRequest::default().uri(uri);
        assert_eq!(
            outcome(&check, at("/?api_key=a%20b%26c")).await,
            Outcome::Pass
        );
        assert_eq!(
            outcome(&check, at("/?api_key=a+b%26c")).await,
            Outcome::Pass
        );
        assert_eq!(
            outcome(&check, at("/?API_KEY=a%20b%26c")).await,
            Outcome::Fail
        );
        assert_eq!(
            outcome(&check, at("/?api_key=a%20b%26c&api_key=x")).await,
            Outcome::Fail
        );
        assert_eq!(outcome(&check, at("/?api_key=")).await, Outcome::Fail);
        assert_eq!(outcome(&check, at("/")).await, Outcome::Fail);
    }

    #[actix_web::test]
    async fn an_empty_expected_key_refuses_everyone() {
        let check = ApiKeyCheck::header("x-api-key", "");
        let req = TestRequest::default().insert_header(("x-api-key", ""));
        assert_eq!(outcome(&check, req).await, Outcome::Fail);
    }
}
