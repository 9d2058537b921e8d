//! Checkpoints as middleware: `.wrap(CHECKPOINT)` on a scope or an app guards every route in it
//! (Flask's blueprint `before_request`), with the same decision order as the attribute.

use std::{
    future::{ready, Future, Ready},
    ops::ControlFlow,
    pin::Pin,
    rc::Rc,
};

use actix_web::{
    body::EitherBody,
    dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform},
    Error,
};

use crate::{
    checkpoint::{Check, Checkpoint},
    login_required::LoginRequired,
    session_presence::SessionProbe,
};

/// `Checkpoint` is actix-web middleware: the same value that guards one handler with
/// `#[checkpoint(NAME)]` guards a whole scope with `.wrap(NAME)`.
///
/// ```
/// use actix_session::{storage::CookieSessionStore, SessionMiddleware};
/// use actix_web::{cookie::Key, web, App, HttpResponse};
/// use checkpoint_runtime::{url_for, Action, AllowedValue, SessionCheckpoint};
///
/// const ADMINS: SessionCheckpoint = SessionCheckpoint::new("role", &[AllowedValue::Str("admin")])
///     .action(Action::new().fail_url(url_for("login_page")).message("Admins only"));
///
/// let app = App::new()
///     .service(
///         web::scope("/admin")
///             .wrap(ADMINS)
///             .route("/users", web::get().to(HttpResponse::Ok)),
///     )
///     // Registered last, so it runs first: the checkpoint needs the session loaded.
///     .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::generate()));
/// # let _ = app;
/// ```
impl<S, B, C> Transform<S, ServiceRequest> for Checkpoint<C>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    C: Check + Clone + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CheckpointMiddleware<S, C>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CheckpointMiddleware {
            service: Rc::new(service),
            checkpoint: Rc::new(self.clone()),
            probe: Rc::new(SessionProbe::new()),
        }))
    }
}

/// The service [`Checkpoint`] wraps around a scope or app.
pub struct CheckpointMiddleware<S, C> {
    service: Rc<S>,
    checkpoint: Rc<Checkpoint<C>>,
    probe: Rc<SessionProbe>,
}

impl<S, B, C> Service<ServiceRequest> for CheckpointMiddleware<S, C>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    C: Check + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let checkpoint = Rc::clone(&self.checkpoint);
        let probe = Rc::clone(&self.probe);
        Box::pin(async move {
            let (request, mut payload) = req.into_parts();
            match checkpoint
                .enforce_with(&request, &mut payload, &probe)
                .await
            {
                ControlFlow::Break(response) => {
                    Ok(ServiceResponse::new(request, response).map_into_right_body())
                }
                ControlFlow::Continue(()) => {
                    let req = ServiceRequest::from_parts(request, payload);
                    let response = service.call(req).await?;
                    Ok(response.map_into_left_body())
                }
            }
        })
    }
}

/// [`LoginRequired`] is middleware too: `.wrap(LoginRequired::LOGGED_IN)` guards every route of a
/// scope as `#[login_required]` guards one handler, with the same answers (login view with
/// `next`, `401` JSON for API requests, the unauthorized handler).
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
    type Transform = LoginRequiredMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(LoginRequiredMiddleware {
            service: Rc::new(service),
            check: *self,
            probe: Rc::new(SessionProbe::new()),
        }))
    }
}

/// The service [`LoginRequired`] wraps around a scope or app.
pub struct LoginRequiredMiddleware<S> {
    service: Rc<S>,
    check: LoginRequired,
    probe: Rc<SessionProbe>,
}

impl<S, B> Service<ServiceRequest> for LoginRequiredMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let check = self.check;
        let probe = Rc::clone(&self.probe);
        Box::pin(async move {
            let (request, mut payload) = req.into_parts();
            match check.enforce_with(&request, &mut payload, &probe).await {
                ControlFlow::Break(response) => {
                    Ok(ServiceResponse::new(request, response).map_into_right_body())
                }
                ControlFlow::Continue(()) => {
                    let req = ServiceRequest::from_parts(request, payload);
                    let response = service.call(req).await?;
                    Ok(response.map_into_left_body())
                }
            }
        })
    }
}
