//! `#[login_required]` and `#[fresh_login_required]`: the check, and how the app's
//! [`LoginManager`] answers a request it refuses (the handler, else `401` JSON to an API client,
//! else the view with `next` and a flash, else a plain `401`), in the shared
//! [decision order](crate::decision). Also middleware, for a whole scope.

use std::{
    future::{ready, Ready},
    ops::ControlFlow,
};

use actix_web::{
    body::EitherBody,
    dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform},
    http::{Method, StatusCode},
    Error, HttpRequest, HttpResponse,
};

use crate::{
    checks::{Check, Enforce, Outcome},
    decision::{settle, Decision, Redirect, Refusal, Refuser, Respond},
    error::CheckpointError,
    login::{
        events::{emit, LoginEvent},
        manager::LoginManager,
        state::{authenticate, fresh_in_window},
    },
    middleware::{CheckpointMiddleware, Unmatched},
    response::redirect::Next,
    session_probe::SessionProbe,
};

/// Requires a logged-in identity, or with `fresh` one that logged in with a password within
/// [`LoginManager::fresh_for`]: what `#[login_required]` and `#[fresh_login_required]` enforce.
///
/// `OPTIONS` requests always pass (Flask-Login's `EXEMPT_METHODS`), so CORS preflights work.
/// Enforced ([`Enforce::enforce`], the attribute, or as middleware), a refused request is answered as the app's
/// [`LoginManager`] says; as a [`Check`] inside a [`Checkpoint`](crate::Checkpoint) it gives only
/// the verdict, and the checkpoint's action answers.
///
/// ```
/// use actix_web::{dev::Payload, HttpRequest, HttpResponse};
/// use checkpoint_runtime::{Enforce, LoginRequired};
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
    unmatched: Unmatched,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// No identity: Flask-Login's `unauthorized()`.
    NotLoggedIn,
    /// An identity, but not a fresh one: Flask-Login's `needs_refresh()`.
    NeedsRefresh,
}

impl LoginRequired {
    /// `#[login_required]`: any logged-in identity.
    pub const LOGGED_IN: Self = Self::new(false);
    /// `#[fresh_login_required]`: an identity that logged in with a password recently enough.
    pub const FRESH: Self = Self::new(true);

    /// A check requiring a login, fresh when `fresh`.
    pub const fn new(fresh: bool) -> Self {
        Self {
            fresh,
            unmatched: Unmatched::NotFound,
        }
    }

    /// As middleware (`.wrap(...)`), what to do with a URL no route matches: `404` unchecked
    /// unless set (see [`Unmatched`]). The attributes ignore it.
    pub const fn unmatched(mut self, unmatched: Unmatched) -> Self {
        self.unmatched = unmatched;
        self
    }

    /// Whether the login must be fresh.
    pub const fn fresh(&self) -> bool {
        self.fresh
    }

    async fn decide(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> Decision {
        if req.method() == Method::OPTIONS {
            return Ok(ControlFlow::Continue(()));
        }
        probe.verify(req)?;
        let manager = LoginManager::of(req);
        match self.refusal(req, &manager, payload).await? {
            None => Ok(ControlFlow::Continue(())),
            Some(refusal) => refusal.answer_for(&manager, req).answer(req, probe),
        }
    }

    async fn refusal(
        &self,
        req: &HttpRequest,
        manager: &LoginManager,
        payload: &mut Payload,
    ) -> Result<Option<Reason>, CheckpointError> {
        let Some(identity) = authenticate(req, manager, Some(payload)).await? else {
            emit(req, manager, LoginEvent::Unauthorized);
            return Ok(Some(Reason::NotLoggedIn));
        };
        if self.fresh && !(identity.from_session && fresh_in_window(req, manager)) {
            if let Some(id) = identity.id(req) {
                emit(req, manager, LoginEvent::NeedsRefresh { id: &id });
            }
            return Ok(Some(Reason::NeedsRefresh));
        }
        Ok(None)
    }
}

impl Check for LoginRequired {
    fn reads_session(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "login"
    }

    async fn check(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Result<Outcome, CheckpointError> {
        if req.method() == Method::OPTIONS {
            return Ok(Outcome::Pass);
        }
        let manager = LoginManager::of(req);
        Ok(match self.refusal(req, &manager, payload).await? {
            None => Outcome::Pass,
            Some(_) => Outcome::Fail,
        })
    }
}

impl Reason {
    /// How `manager` answers this refusal (Flask-Login's `unauthorized()` and
    /// `needs_refresh()`).
    fn answer_for<'a>(self, manager: &'a LoginManager, req: &HttpRequest) -> Refusal<'a> {
        let (handler, view, message, category, json_error) = match self {
            Reason::NotLoggedIn => (
                manager.unauthorized_handler,
                manager.login_view,
                manager.login_message.as_deref(),
                &*manager.login_message_category,
                r#"{"error":"Unauthorized"}"#,
            ),
            Reason::NeedsRefresh => (
                manager.needs_refresh_handler,
                manager.refresh_view,
                manager.needs_refresh_message.as_deref(),
                &*manager.needs_refresh_message_category,
                r#"{"error":"Reauthentication required"}"#,
            ),
        };
        let subject = match self {
            Reason::NotLoggedIn => "not logged in",
            Reason::NeedsRefresh => "not a fresh login",
        };
        Refusal {
            by: Refuser {
                kind: "login",
                subject: Some(subject),
            },
            json: None,
            respond: handler.map(|build| Respond {
                build,
                panicked: || CheckpointError::UnauthorizedHandlerPanicked,
            }),
            redirect: view.map(|target| Redirect {
                target,
                flash: message.map(|message| (manager.localized(req, message), category)),
                next: Some(Next {
                    field: (!manager.use_session_for_next).then_some(&*manager.next_field),
                    force_host: manager.force_host.as_deref(),
                }),
                json_clients_too: false,
            }),
            run_handler: false,
            status: StatusCode::UNAUTHORIZED,
            json_error,
        }
    }
}

impl Enforce for LoginRequired {
    async fn enforce_with(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> ControlFlow<HttpResponse> {
        let decision = self.decide(req, payload, probe).await;
        settle(decision, req)
    }
}

/// [`LoginRequired`] is middleware too: `.wrap(LoginRequired::LOGGED_IN)` guards every route of a
/// scope as `#[login_required]` guards one handler, with the same answers (login view with
/// `next`, `401` JSON for API requests, the unauthorized handler). It lets the routes of
/// [`login_not_required`](crate::login_not_required) handlers through: on the whole app, that
/// is a login required by default ([Login required by default](crate#login-required-by-default)).
///
/// ```
/// use actix_identity::IdentityMiddleware;
/// use actix_session::{storage::CookieSessionStore, SessionMiddleware};
/// use actix_web::{cookie::Key, web, App, HttpResponse};
/// use checkpoint_runtime::{url_for, LoginManager, LoginRequired};
///
/// let app = App::new()
///     .app_data(LoginManager::new().login_view(url_for("login_page")))
///     .service(
///         web::scope("/account")
///             .wrap(LoginRequired::LOGGED_IN)
///             .route("/settings", web::get().to(HttpResponse::Ok)),
///     )
///     // The last `.wrap()` runs first: sessions, then identities, then the login check.
///     .wrap(IdentityMiddleware::default())
///     .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::generate()));
/// # let _ = app;
/// ```
impl<S, B> Transform<S, ServiceRequest> for LoginRequired
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CheckpointMiddleware<S, Self>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CheckpointMiddleware::new(
            service,
            *self,
            self.unmatched,
        )
        .with_public_routes()))
    }
}

/// The service [`LoginRequired`] wraps around a scope or app.
pub type LoginRequiredMiddleware<S> = CheckpointMiddleware<S, LoginRequired>;
