//! What only the `#[checkpoint]` expansion calls: `checkpoint_runtime::__private`. Not public
//! API; it may change in any release.
//!
//! The expansion runs a run of session checkpoints with [`enforce_sessions`] and every other
//! checkpoint with [`Enforce::enforce_with`] (the one way in, shared with the middleware), each
//! handler's [`SessionProbe`] in a `static`. Then, in the wrapper of an `async` handler, it
//! extracts the arguments with [`extract`] and runs the handler's body in place (a body that
//! returns early as an `async` block typed by [`output_of`]). A handler without arguments behind
//! session checkpoints only gets a plain `fn` wrapper returning a [`Guarded`]. A handler kept as
//! an inner function (its return type cannot be named, or it is not `async`) is called through
//! [`call_handler`].

use std::{
    future::Future,
    panic::{catch_unwind, AssertUnwindSafe},
    pin::Pin,
    task::{Context, Poll},
};

use actix_web::{dev, FromRequest, Handler};
pub use actix_web::{web::Payload, Either, HttpRequest, HttpResponse};
pub use core::ops::ControlFlow;
use pin_project_lite::pin_project;

pub use checkpoint_macros::fail_json;

pub use crate::{
    checks::{
        session::{enforce_session_combination, enforce_sessions, SessionVerdict},
        Enforce,
    },
    session_probe::SessionProbe,
};
use crate::{decision::fail_closed, error::CheckpointError};

/// The verdict of `check` on `stored_json`, the JSON text actix-session keeps under the session
/// key, without a request: what the evaluation benchmarks measure.
#[inline]
pub fn evaluate_stored_json(check: &crate::SessionCheck, stored_json: &str) -> crate::Outcome {
    check.evaluate(stored_json)
}

/// The expected key of an `api_key` or `bearer` checkpoint, evaluated: `key` is the app's
/// expression, run on each request. If it panics (an `unwrap()` of a variable that is not set),
/// the request is answered with a logged `500` rather than dropped, and the worker lives on.
pub fn expected_key<K>(req: &HttpRequest, key: impl FnOnce() -> K) -> ControlFlow<HttpResponse, K> {
    match catch_unwind(AssertUnwindSafe(key)) {
        Ok(key) => ControlFlow::Continue(key),
        Err(_) => ControlFlow::Break(fail_closed(CheckpointError::ExpectedKeyPanicked, req)),
    }
}

/// What `api_key = EXPR` and `bearer = EXPR` require of `EXPR`: a string.
#[diagnostic::on_unimplemented(
    message = "the expected key must be a string, and `{Self}` is not one (`AsRef<str>`)",
    label = "not a string",
    note = "give the key as a `&str` or `String`: a `const API_KEY: &str`, or a `fn` returning \
            a `String` that was read from configuration once, when the app started \
            (`api_key = config::api_key()`); `std::env::var(..)` returns a `Result`, and \
            unwrapping it on every request would answer 500s whenever the variable is unset"
)]
pub trait ExpectedKey {
    /// The key.
    fn as_key(&self) -> &str;
}

#[diagnostic::do_not_recommend]
impl<T: AsRef<str> + ?Sized> ExpectedKey for T {
    #[inline]
    fn as_key(&self) -> &str {
        self.as_ref()
    }
}

/// The check of the checkpoint `checkpoint`, an operand of `any(...)`, `all(...)` or `not(...)`:
/// its action gives way to the combination's.
#[inline]
pub fn operand<T: Operand + ?Sized>(checkpoint: &T) -> &T::Check {
    checkpoint.operand_check()
}

/// What a named operand of `any(...)`, `all(...)` or `not(...)` must be: a checkpoint.
#[diagnostic::on_unimplemented(
    message = "an operand of a combination is a checkpoint, and `{Self}` is not one",
    label = "not a `Checkpoint`",
    note = "name a `Checkpoint` value, such as `const ADMIN: SessionCheckpoint = \
            SessionCheckpoint::new(\"role\", &[AllowedValue::Str(\"admin\")]);`, or write the \
            check in parentheses: `(session_key = \"role\", values = \"admin\")`; \
            `#[login_required]` stacks as an attribute of its own"
)]
pub trait Operand {
    /// The checkpoint's check.
    type Check: crate::Check;

    /// The checkpoint's check.
    fn operand_check(&self) -> &Self::Check;
}

impl<C: crate::Check> Operand for crate::Checkpoint<C> {
    type Check = C;

    #[inline]
    fn operand_check(&self) -> &C {
        self.check()
    }
}

/// What `fail_response = PATH` requires of `PATH`: a `fn(&HttpRequest) -> HttpResponse`.
#[diagnostic::on_unimplemented(
    message = "`fail_response` takes a `fn(&HttpRequest) -> HttpResponse`, and `{Self}` is not one",
    label = "not a `fn(&HttpRequest) -> HttpResponse`",
    note = "the failure is answered without waiting, so an `async fn` is not supported here: \
            build the response in a plain `fn`, borrowing the request (`req: &HttpRequest`) and \
            returning an `HttpResponse`; for a check that must wait, use `check = ...`"
)]
pub trait FailResponseFn {
    /// The response to `req`.
    fn respond(&self, req: &HttpRequest) -> HttpResponse;
}

#[diagnostic::do_not_recommend]
impl<F: Fn(&HttpRequest) -> HttpResponse> FailResponseFn for F {
    #[inline]
    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        self(req)
    }
}

/// The check of `#[login_required]` (`LOGGED_IN`) or `#[fresh_login_required]` (`FRESH`).
#[cfg(feature = "login")]
#[doc(hidden)]
#[macro_export]
macro_rules! __checkpoint_login_required {
    ($which:ident) => {
        $crate::LoginRequired::$which
    };
}

/// Without the `login` feature, `#[login_required]` is a compile error that says how to fix it.
#[cfg(not(feature = "login"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __checkpoint_login_required {
    ($which:ident) => {
        ::core::compile_error!(
            "`#[login_required]` and `#[fresh_login_required]` need the `login` feature of \
             checkpoint-runtime, which is turned off: enable it (`checkpoint-runtime = { \
             version = \"...\", features = [\"login\"] }`, or keep the default features)"
        )
    };
}

pub use crate::__checkpoint_login_required as login_required;

/// Beside a `#[login_not_required]` handler: nothing with the `login` feature (the route's marker,
/// [`MountedPublicRoute`], does the work).
#[cfg(feature = "login")]
#[doc(hidden)]
#[macro_export]
macro_rules! __checkpoint_login_not_required {
    () => {};
}

/// Without the `login` feature, `#[login_not_required]` is a compile error that says how to fix
/// it.
#[cfg(not(feature = "login"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __checkpoint_login_not_required {
    () => {
        ::core::compile_error!(
            "`#[login_not_required]` needs the `login` feature of checkpoint-runtime, which is \
             turned off: enable it (`checkpoint-runtime = { version = \"...\", features = \
             [\"login\"] }`, or keep the default features)"
        );
    };
}

pub use crate::__checkpoint_login_not_required as login_not_required;

/// A route that `#[login_not_required]` makes public, as the attribute read it from the route
/// attribute below it.
#[derive(Debug, Clone, Copy)]
pub struct PublicRoute {
    /// The route's name: the handler's, or the route attribute's `name = "..."`.
    pub name: &'static str,
    /// The route's path as written on its attribute (`"/login"`).
    pub path: &'static str,
    /// The methods the route serves (`"GET"`).
    pub methods: &'static [&'static str],
    /// Where the handler is, for the events: `module::path::handler`.
    pub handler: &'static str,
}

/// What `#[login_not_required]` adds to its route attribute (`wrap = "..."`): when the app builds
/// the route, on each worker, it records the route as mounted for the app's `LoginRequired`
/// middleware, built next. The route's service is not wrapped: it is returned as it is, and
/// costs nothing per request. Without the `login` feature it records nothing (the attribute is a
/// compile error then).
#[derive(Debug, Clone, Copy)]
pub struct MountedPublicRoute(pub PublicRoute);

impl<S, B> dev::Transform<S, dev::ServiceRequest> for MountedPublicRoute
where
    S: dev::Service<
        dev::ServiceRequest,
        Response = dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
{
    type Response = dev::ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = S;
    type InitError = ();
    type Future = std::future::Ready<Result<S, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        #[cfg(feature = "login")]
        crate::login::mounted(self.0);
        std::future::ready(Ok(service))
    }
}

/// The enforcement of `#[include_csrf]`, as the expansion wrote it.
#[cfg(feature = "csrf")]
#[doc(hidden)]
#[macro_export]
macro_rules! __checkpoint_include_csrf {
    ($enforcement:expr) => {
        $enforcement
    };
}

/// Without the `csrf` feature, `#[include_csrf]` is a compile error that says how to fix it.
#[cfg(not(feature = "csrf"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __checkpoint_include_csrf {
    ($enforcement:expr) => {
        ::core::compile_error!(
            "`#[include_csrf]` needs the `csrf` feature of checkpoint-runtime, which is turned \
             off: enable it (`checkpoint-runtime = { version = \"...\", features = [\"csrf\"] \
             }`, or keep the default features)"
        )
    };
}

pub use crate::__checkpoint_include_csrf as include_csrf;

/// Extracts `handler`'s arguments from the request and calls it, as actix-web would have: how
/// an `async fn` wrapper calls a handler it keeps as an inner function.
///
/// The `#[checkpoint]` wrapper takes only the request and the not-yet-read payload, so no
/// extractor of the handler runs (and no body is read) before every checkpoint has passed. An
/// extractor failure answers the same error response actix-web gives.
pub async fn call_handler<F, Args>(
    handler: F,
    req: HttpRequest,
    mut payload: dev::Payload,
) -> Either<HttpResponse, F::Output>
where
    F: Handler<Args>,
    Args: FromRequest,
{
    match extract::<Args>(&req, &mut payload).await {
        Ok(args) => Either::Right(handler.call(args).await),
        Err(response) => Either::Left(response),
    }
}

/// Extracts `Args`, a handler's arguments, from the request as actix-web would have: the
/// error response actix-web gives when an extractor fails. Generic over the arguments alone, so
/// handlers that take the same arguments share it.
pub async fn extract<Args: FromRequest>(
    req: &HttpRequest,
    payload: &mut dev::Payload,
) -> Result<Args, HttpResponse> {
    Args::from_request(req, payload).await.map_err(refused)
}

/// The response actix-web gives for an extractor's `error`.
fn refused(error: impl Into<actix_web::Error>) -> HttpResponse {
    HttpResponse::from_error(error.into())
}

/// `checkpoint`'s check, then [`extract`]: a wrapper's last check (`#[login_required]`) and the
/// extraction of the handler's arguments in one future, generic over the checkpoint's type and
/// the arguments alone, so that the wrapper's own state machine waits at one point, as it does
/// behind session checkpoints, and handlers that take the same arguments share this one.
///
/// The user a login check loads is handed to the arguments' `CurrentUser` directly (the login
/// layer's handoff), in the time between the check's end and the extractors' construction, in
/// which no other request runs.
pub async fn enforce_then_extract<C: Enforce, Args: FromRequest>(
    checkpoint: &C,
    req: &HttpRequest,
    payload: &mut dev::Payload,
    probe: &SessionProbe,
) -> Result<Args, HttpResponse> {
    #[cfg(feature = "login")]
    let handoff = crate::login::handoff::arm(req);
    // In a block: only the extraction's future is kept across the await below (the verdict, or
    // a `?` on it, would keep a response's worth of bytes in every request's future).
    let extraction = {
        let extraction = match checkpoint.enforce_with(req, payload, probe).await {
            ControlFlow::Continue(()) => Ok(Args::from_request(req, payload)),
            ControlFlow::Break(response) => Err(response),
        };
        #[cfg(feature = "login")]
        handoff.finish(req);
        extraction?
    };
    extraction.await.map_err(refused)
}

/// `future`, whose output is declared `T`: the handler's body, as an `async` block, told the
/// handler's return type (so that `?` in it converts errors as in the handler).
#[inline]
pub fn output_of<T, F: Future<Output = T>>(future: F) -> F {
    future
}

pin_project! {
    /// What the `#[checkpoint]` wrapper of a handler without arguments, guarded only by session
    /// checkpoints, returns: the response of a checkpoint that refused the request, or the
    /// handler's own future.
    ///
    /// That wrapper is a plain `fn`, not an `async fn`: session checkpoints never wait, so they
    /// run when it is called, and the request costs one future, the handler's, to compile and to
    /// run.
    // pin-project-lite takes no attributes on variant fields: `response` is the refusal, until
    // the poll that takes it; `future` is the handler's.
    #[allow(missing_docs)]
    #[project = GuardedProjection]
    pub enum Guarded<F> {
        /// A checkpoint answered; taken on the first poll.
        Refused { response: Option<HttpResponse> },
        /// Every checkpoint passed.
        Running {
            #[pin]
            future: F,
        },
    }
}

impl<F> Guarded<F> {
    /// A request answered with `response`.
    #[inline]
    pub fn refused(response: HttpResponse) -> Self {
        Self::Refused {
            response: Some(response),
        }
    }

    /// A request that goes on with the handler's `future`.
    #[inline]
    pub fn running(future: F) -> Self {
        Self::Running { future }
    }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Either<HttpResponse, F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardedProjection::Running { future } => future.poll(cx).map(Either::Right),
            GuardedProjection::Refused { response } => {
                Poll::Ready(Either::Left(response.take().unwrap_or_else(polled_again)))
            }
        }
    }
}

/// A finished `Guarded` polled again, against the `Future` contract (actix-web never does): a
/// logged `500` rather than a panic.
#[cold]
fn polled_again() -> HttpResponse {
    tracing::error!("a checkpointed handler's future was polled after it completed");
    HttpResponse::InternalServerError().finish()
}
