//! `#[login_required]` and `#[fresh_login_required]`: the check, and Flask-Login's answers to a
//! request it refuses (login view with `next`, 401 JSON for API requests, the unauthorized
//! handler), which differ from a checkpoint's [`Action`](crate::Action).

use std::{
    ops::ControlFlow,
    panic::{catch_unwind, AssertUnwindSafe},
};

use actix_session::SessionExt;
use actix_web::{
    dev::Payload,
    http::{header, Method, StatusCode},
    HttpRequest, HttpResponse,
};

use crate::{
    checkpoint::{settle, Check, Outcome},
    error::CheckpointError,
    flash::flash,
    login_manager::{LoginManager, UnauthorizedHandler},
    login_state::{authenticate, is_fresh},
    redirect::{found, RedirectTarget},
    session_presence::SessionProbe,
};

/// Requires a logged-in identity, or with `fresh` one that logged in with a password within
/// [`LoginManager::fresh_for`]: what `#[login_required]` and `#[fresh_login_required]` enforce.
///
/// `OPTIONS` requests always pass (Flask-Login's `EXEMPT_METHODS`), so CORS preflights work.
/// Enforced with [`LoginRequired::enforce`], a refused request is answered as the app's
/// [`LoginManager`] says; as a [`Check`] inside a [`Checkpoint`](crate::Checkpoint) it gives only
/// the verdict, and the checkpoint's action answers.
///
/// ```
/// use actix_web::{dev::Payload, HttpRequest, HttpResponse};
/// use checkpoint_runtime::LoginRequired;
///
/// async fn by_hand(req: HttpRequest) -> HttpResponse {
///     if let std::ops::ControlFlow::Break(refused) =
///         LoginRequired::LOGGED_IN.enforce(&req, &mut Payload::None).await
///     {
///         return refused;
///     }
///     HttpResponse::Ok().body("members only")
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRequired {
    fresh: bool,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No identity: Flask-Login's `unauthorized()`.
    NotLoggedIn,
    /// An identity, but not a fresh one: Flask-Login's `needs_refresh()`.
    NeedsRefresh,
}

impl LoginRequired {
    /// `#[login_required]`: any logged-in identity.
    pub const LOGGED_IN: Self = Self { fresh: false };
    /// `#[fresh_login_required]`: an identity that logged in with a password recently enough.
    pub const FRESH: Self = Self { fresh: true };

    /// A check requiring a login, fresh when `fresh`.
    pub const fn new(fresh: bool) -> Self {
        Self { fresh }
    }

    /// Whether the login must be fresh.
    pub const fn fresh(&self) -> bool {
        self.fresh
    }

    /// Checks `req` and answers a refused request as the app's [`LoginManager`] says:
    /// `Continue` means the handler should run. A misconfigured app (no `SessionMiddleware` or
    /// `IdentityMiddleware`, a login view naming no route, a panicking handler) gets `500`,
    /// logged.
    pub async fn enforce(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> ControlFlow<HttpResponse> {
        self.enforce_with(req, payload, &SessionProbe::new()).await
    }

    /// [`enforce`](Self::enforce), with `probe` remembering whether the session middleware was
    /// seen.
    #[doc(hidden)]
    pub async fn enforce_with(
        &self,
        req: &HttpRequest,
        _payload: &mut Payload,
        probe: &SessionProbe,
    ) -> ControlFlow<HttpResponse> {
        let decision = self.decide(req, probe).await;
        settle(decision, req)
    }

    async fn decide(
        &self,
        req: &HttpRequest,
        probe: &SessionProbe,
    ) -> Result<ControlFlow<HttpResponse>, CheckpointError> {
        if req.method() == Method::OPTIONS {
            return Ok(ControlFlow::Continue(()));
        }
        probe.verify(req)?;
        let manager = LoginManager::of(req);
        match self.refusal(req, &manager).await? {
            None => Ok(ControlFlow::Continue(())),
            Some(refusal) => {
                log::debug!(
                    "login required for {} {}: {refusal:?}",
                    req.method(),
                    req.path()
                );
                refuse(req, &manager, refusal).map(ControlFlow::Break)
            }
        }
    }

    async fn refusal(
        &self,
        req: &HttpRequest,
        manager: &LoginManager,
    ) -> Result<Option<Refusal>, CheckpointError> {
        let Some(identity) = authenticate(req, manager).await? else {
            return Ok(Some(Refusal::NotLoggedIn));
        };
        if self.fresh && !(identity.from_session && is_fresh(req, manager)) {
            return Ok(Some(Refusal::NeedsRefresh));
        }
        Ok(None)
    }
}

impl Check for LoginRequired {
    fn reads_session(&self) -> bool {
        true
    }

    async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
        if req.method() == Method::OPTIONS {
            return Ok(Outcome::Pass);
        }
        let manager = LoginManager::of(req);
        Ok(match self.refusal(req, &manager).await? {
            None => Outcome::Pass,
            Some(_) => Outcome::Fail,
        })
    }
}

/// Flask-Login's `unauthorized()` and `needs_refresh()`: the handler, else 401 JSON to an API
/// request, else the view with a flash and `next`, else a plain 401.
fn refuse(
    req: &HttpRequest,
    manager: &LoginManager,
    refusal: Refusal,
) -> Result<HttpResponse, CheckpointError> {
    let (handler, view, message, category) = match refusal {
        Refusal::NotLoggedIn => (
            manager.unauthorized_handler,
            manager.login_view,
            manager.login_message.as_deref(),
            &manager.login_message_category,
        ),
        Refusal::NeedsRefresh => (
            manager.needs_refresh_handler,
            manager.refresh_view,
            manager.needs_refresh_message.as_deref(),
            &manager.needs_refresh_message_category,
        ),
    };
    if let Some(handler) = handler {
        return call_handler(handler, req);
    }
    if is_api_request(req) {
        let body = match refusal {
            Refusal::NotLoggedIn => r#"{"error":"Unauthorized"}"#,
            Refusal::NeedsRefresh => r#"{"error":"Reauthentication required"}"#,
        };
        return Ok(HttpResponse::Unauthorized()
            .content_type(header::ContentType::json())
            .body(body));
    }
    let Some(view) = view else {
        return Ok(HttpResponse::build(StatusCode::UNAUTHORIZED)
            .content_type(header::ContentType::plaintext())
            .body("Unauthorized"));
    };
    let response = found(&with_next(&view, req)?)?;
    if let Some(message) = message {
        flash(&req.get_session(), message, category)?;
    }
    Ok(response)
}

fn call_handler(
    handler: UnauthorizedHandler,
    req: &HttpRequest,
) -> Result<HttpResponse, CheckpointError> {
    catch_unwind(AssertUnwindSafe(|| handler(req)))
        .map_err(|_| CheckpointError::FailResponsePanicked)
}

/// `view` with `next=<the request's path and query>` added to its query, percent-encoded as a
/// query value (so no control character, `&` or `#` of the request survives into it).
fn with_next(view: &RedirectTarget, req: &HttpRequest) -> Result<String, CheckpointError> {
    let mut location = view.resolve(req)?;
    let original = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path(), |path_and_query| path_and_query.as_str());
    let fragment = location.find('#').map(|at| location.split_off(at));
    location.push(if location.contains('?') { '&' } else { '?' });
    location.push_str("next=");
    location.extend(form_urlencoded::byte_serialize(original.as_bytes()));
    location.push_str(fragment.as_deref().unwrap_or(""));
    Ok(location)
}

/// Whether `req` comes from an API client rather than a browser: it accepts or sends JSON, or is
/// an XMLHttpRequest.
fn is_api_request(req: &HttpRequest) -> bool {
    let header_text = |name| {
        req.headers()
            .get_all(name)
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
    };
    let names_json = |value: &str| {
        value.split(',').any(|item| {
            let essence = item.split(';').next().unwrap_or("").trim().as_bytes();
            let (kind, suffix) = ("application/".as_bytes(), "+json".as_bytes());
            essence.eq_ignore_ascii_case(b"application/json")
                || essence.len() > kind.len() + suffix.len()
                    && essence[..kind.len()].eq_ignore_ascii_case(kind)
                    && essence[essence.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        })
    };
    header_text(header::ACCEPT).into_iter().any(names_json)
        || header_text(header::CONTENT_TYPE)
            .into_iter()
            .any(names_json)
        || header_text(header::HeaderName::from_static("x-requested-with"))
            .into_iter()
            .any(|value| value.trim().eq_ignore_ascii_case("XMLHttpRequest"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn api_requests_are_recognised() {
        let with = |name: &'static str, value: &'static str| {
            is_api_request(
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
        assert!(!is_api_request(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn next_carries_the_path_and_query_encoded_as_one_value() {
        let req = TestRequest::get()
            .uri("/a/b?x=1&y=%0d%0a#")
            .to_http_request();
        let login = RedirectTarget::Path("/login");
        assert_eq!(
            with_next(&login, &req).unwrap(),
            "/login?next=%2Fa%2Fb%3Fx%3D1%26y%3D%250d%250a"
        );
        let with_query = RedirectTarget::Path("/login?lang=en#form");
        assert_eq!(
            with_next(&with_query, &TestRequest::get().uri("/p").to_http_request()).unwrap(),
            "/login?lang=en&next=%2Fp#form"
        );
    }
}
