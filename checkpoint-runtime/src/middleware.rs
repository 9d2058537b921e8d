//! Checkpoints as middleware: `.wrap(CHECKPOINT)` on a scope or an app guards every route in it
//! (Flask's blueprint `before_request`), with the same decision order as the attribute. A URL
//! that no route matches is answered `404 Not Found` unchecked unless told otherwise
//! ([`Unmatched`]).

use std::{
    cell::OnceCell,
    future::{ready, Future, Ready},
    ops::ControlFlow,
    pin::Pin,
    rc::Rc,
};

use actix_web::{
    body::EitherBody,
    dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform},
    Error, HttpResponse,
};

use crate::{
    checks::{Check, Checkpoint, Enforce},
    route_tree::AnyRoute,
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
        let unmatched = self.unmatched;
        ready(Ok(CheckpointMiddleware::new(
            service,
            self.clone(),
            unmatched,
        )))
    }
}

/// What a checkpoint wrapped around a scope or an app (`.wrap(...)`) does with a URL that no
/// route of the app matches (`/admin/nope` in a scope of `/admin/...` routes). Set it with
/// [`Checkpoint::unmatched`] or `LoginRequired::unmatched`.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use checkpoint_runtime::{AllowedValue, SessionCheckpoint, Unmatched};
///
/// const STAFF: SessionCheckpoint = SessionCheckpoint::new("staff", &[AllowedValue::Bool(true)]);
///
/// // Staff only, the scope's fallback page included.
/// let app = App::new().service(
///     web::scope("/intranet")
///         .wrap(STAFF.unmatched(Unmatched::Check))
///         .default_service(web::to(|| async { HttpResponse::NotFound().body("no such page") })),
/// );
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unmatched {
    /// Answer `404 Not Found` without checking, and without running anything inside, so that
    /// a scope's or the app's default service never runs unchecked. Flask's blueprint
    /// `before_request` does not run for a URL no route matches either, and an anonymous visitor
    /// asking for a page that does not exist gets a 404, not a login redirect. The default.
    #[default]
    NotFound,
    /// Check it like any other URL; once it passes, the default service answers it (the
    /// scope's, or the app's `404`).
    Check,
}

/// The service a [`Checkpoint`] (or `LoginRequired`, with the `login` feature) wraps around a
/// scope or app.
pub struct CheckpointMiddleware<S, G> {
    service: Rc<S>,
    guard: Rc<G>,
    probe: Rc<SessionProbe>,
    unmatched: Unmatched,
    /// Every route of the app, read on the first URL actix-web's resource map does not find.
    routes: OnceCell<Option<AnyRoute>>,
    /// The `#[login_not_required]` routes let through unchecked: `LoginRequired`'s only.
    #[cfg(feature = "login")]
    public: Option<crate::login::PublicRoutes>,
}

impl<S, G> CheckpointMiddleware<S, G> {
    pub(crate) fn new(service: S, guard: G, unmatched: Unmatched) -> Self {
        Self {
            service: Rc::new(service),
            guard: Rc::new(guard),
            probe: Rc::new(SessionProbe::new()),
            unmatched,
            routes: OnceCell::new(),
            #[cfg(feature = "login")]
            public: None,
        }
    }

    /// Whether no route of the app matches `req`'s path (as routing reads it). The resource
    /// map answers first; where it finds nothing, every route is asked, since the map does not
    /// look into a second scope of the same prefix (virtual hosts). Routes that cannot be read
    /// count as a match: the request is checked rather than answered `404`.
    fn no_route_matches(&self, req: &ServiceRequest) -> bool {
        let path = req.match_info().as_str();
        let rmap = req.resource_map();
        if rmap.has_resource(path) {
            return false;
        }
        self.routes
            .get_or_init(|| AnyRoute::of(rmap))
            .as_ref()
            .is_some_and(|routes| !routes.matches(path))
    }

    /// The middleware, letting the routes of `#[login_not_required]` handlers through.
    #[cfg(feature = "login")]
    pub(crate) fn with_public_routes(mut self) -> Self {
        self.public = Some(crate::login::PublicRoutes::of_app_being_built());
        self
    }

    /// Whether `req` goes to a `#[login_not_required]` route, for a method it serves.
    #[cfg(feature = "login")]
    fn public(&self, req: &ServiceRequest) -> bool {
        let Some(public) = &self.public else {
            return false;
        };
        // The path as routing reads it (percent-decoded), not as sent: `/users/m%65` is routed
        // as `/users/me`.
        let path = req.match_info().as_str();
        let admitted = public.admit(req.resource_map(), path, req.method());
        if admitted {
            tracing::trace!(
                method = %req.method(),
                path = req.path(),
                "{} {} goes to a #[login_not_required] route: unchecked",
                req.method(),
                req.path()
            );
        }
        admitted
    }

    #[cfg(not(feature = "login"))]
    fn public(&self, _: &ServiceRequest) -> bool {
        false
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
        if self.unmatched == Unmatched::NotFound && self.no_route_matches(&req) {
            tracing::debug!(
                method = %req.method(),
                path = req.path(),
                "no route matches {} {}: 404, unchecked",
                req.method(),
                req.path()
            );
            let response = req.into_response(HttpResponse::NotFound().finish());
            return Box::pin(ready(Ok(response.map_into_right_body())));
        }
        let service = Rc::clone(&self.service);
        if self.public(&req) {
            return Box::pin(async move { Ok(service.call(req).await?.map_into_left_body()) });
        }
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
