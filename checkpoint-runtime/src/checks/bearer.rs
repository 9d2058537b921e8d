//! Flask-Imp's `BearerCheckpoint`: `Authorization: Bearer <token>` with the expected token.

use actix_web::{dev::Payload, http::header, HttpRequest};

use crate::{
    checks::{secrets_match, single_header, Check, Outcome},
    error::CheckpointError,
};

/// Passes for exactly one `Authorization: Bearer <token>` header (the scheme in any case,
/// one space, a token without whitespace) whose token equals `expected`, compared in constant
/// time. Other schemes (`Basic ...`), a missing or empty token, extra whitespace and repeated
/// headers fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BearerCheck<K> {
    expected: K,
}

impl<K> BearerCheck<K> {
    /// A check for the token `expected`.
    pub const fn new(expected: K) -> Self {
        Self { expected }
    }
}

impl<K: AsRef<str>> Check for BearerCheck<K> {
    fn kind(&self) -> &'static str {
        "bearer"
    }

    async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
        let expected = self.expected.as_ref().as_bytes();
        let matched = single_header(req, header::AUTHORIZATION.as_str())
            .and_then(bearer_token)
            .is_some_and(|token| secrets_match(token, expected));
        Ok(if matched {
            Outcome::Pass
        } else {
            Outcome::Fail
        })
    }
}

/// The token of a `Bearer <token>` credential (RFC 6750), or `None` for anything else.
fn bearer_token(credentials: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    if credentials.len() <= SCHEME.len()
        || !credentials[..SCHEME.len()].eq_ignore_ascii_case(SCHEME)
    {
        return None;
    }
    let token = &credentials[SCHEME.len()..];
    (!token.iter().any(u8::is_ascii_whitespace)).then_some(token)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn only_well_formed_bearer_credentials_yield_a_token() {
        assert_eq!(bearer_token(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"bEARER abc"), Some(&b"abc"[..]));
        for refused in [
            &b"Basic YWxhZGRpbjpvcGVu"[..],
            b"Bearer",
            b"Bearer ",
            b"Bearer  abc",
            b"Bearer abc ",
            b"Bearer\tabc",
            b"Bearer a bc",
            b"Bearerabc",
            b" Bearer abc",
            b"abc",
        ] {
            assert_eq!(
                bearer_token(refused),
                None,
                "{:?}",
                String::from_utf8_lossy(refused)
            );
        }
    }

    #[actix_web::test]
    async fn the_token_must_match_and_the_header_appear_once() {
        let check = BearerCheck::new("t0ken");
        let outcome = |req: TestRequest| async move {
            let req = req.to_http_request();
            check.check(&req, &mut Payload::None).await.unwrap()
        };
        let with =
            |value: &'static str| TestRequest::default().insert_header(("authorization", value));
        assert_eq!(outcome(with("Bearer t0ken")).await, Outcome::Pass);
        assert_eq!(outcome(with("Bearer t0ke")).await, Outcome::Fail);
        assert_eq!(outcome(with("Basic t0ken")).await, Outcome::Fail);
        assert_eq!(outcome(TestRequest::default()).await, Outcome::Fail);
        let twice = with("Bearer t0ken").append_header(("authorization", "Bearer t0ken"));
        assert_eq!(outcome(twice).await, Outcome::Fail);
    }

    #[test]
    fn the_check_names_its_kind_for_the_refusal_event() {
        let check = BearerCheck::new("t0ken");
        assert_eq!(
            (check.reads_session(), check.kind(), check.subject()),
            (false, "bearer", None)
        );
    }
}
