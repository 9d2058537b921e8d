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
    checks::{Check, Checkpoint, Enforce},
    session_probe::SessionProbe,
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
    type Transform = CheckpointMiddleware<S, Self>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CheckpointMiddleware::new(service, self.clone())))
    }
}

/// The service a [`Checkpoint`] (or `LoginRequired`, with the `login` feature) wraps around a
/// scope or app.
pub struct CheckpointMiddleware<S, G> {
    service: Rc<S>,
    guard: Rc<G>,
    probe: Rc<SessionProbe>,
}

impl<S, G> CheckpointMiddleware<S, G> {
    pub(crate) fn new(service: S, guard: G) -> Self {
        Self {
            service: Rc::new(service),
            guard: Rc::new(guard),
            probe: Rc::new(SessionProbe::new()),
        }
    }
}

impl<S, B, G> Service<ServiceRequest> for CheckpointMiddleware<S, G>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    G: Enforce + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let guard = Rc::clone(&self.guard);
        let probe = Rc::clone(&self.probe);
        Box::pin(async move {
            let (request, mut payload) = req.into_parts();
            match guard.enforce_with(&request, &mut payload, &probe).await {
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
