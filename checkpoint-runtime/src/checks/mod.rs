//! The checks a checkpoint can make, and the checkpoint itself: a check plus the
//! [`Action`] that turns its verdict into a response (in the order of
//! [`decision`](crate::decision)).
//!
//! | module | check | Flask-Imp |
//! |---|---|---|
//! | `session` | [`SessionCheck`]: a session value is one of the allowed values | `SessionCheckpoint` |
//! | `api_key` | [`ApiKeyCheck`]: a header or query parameter carries the key | `APIKeyCheckpoint` |
//! | `bearer` | [`BearerCheck`]: `Authorization: Bearer` carries the token | `BearerCheckpoint` |
//! | `predicate` | [`PredicateCheck`]: an `async fn` of extractors returns `true` | `checkpoint_callable` |
//! | `csrf` | `CsrfCheck` (the `csrf` feature): unsafe requests echo the session's token | `include_csrf` |
//! | `combine` | [`AnyOf`], [`AllOf`], [`Not`]: checks combined (`any(...)`, `all(...)`, `not(...)`) | (stacking only) |
//!
//! [`Enforce`] is the one way in, for the attribute's expansion and for the middleware alike.

mod api_key;
mod bearer;
mod combine;
#[cfg(feature = "csrf")]
mod csrf;
mod predicate;
mod secret;
pub(crate) mod session;

use std::{future::Future, ops::ControlFlow};

use actix_web::{dev::Payload, HttpRequest, HttpResponse};

#[cfg(feature = "csrf")]
pub use self::csrf::{CsrfCheck, CsrfCheckpoint};
pub(crate) use self::{api_key::single_header, secret::secrets_match};
pub use self::{
    api_key::{ApiKeyCheck, KeyLocation},
    bearer::BearerCheck,
    combine::{AllOf, AnyOf, Not},
    predicate::PredicateCheck,
    session::{AllowedValue, SessionCheck, SessionCheckpoint},
};
pub use crate::decision::Outcome;
use crate::{
    decision::{settle, Decision, Refuser},
    error::CheckpointError,
    middleware::Unmatched,
    response::action::Action,
    session_probe::SessionProbe,
};

/// What a checkpoint verifies about a request.
///
/// The built-in checks implement it; so can your own types. A check runs before any of the
/// handler's extractors. It may read the request body from `payload`, but then it must put the
/// bytes back (`*payload = Payload::from(bytes)`) for the handler, as the CSRF check does.
///
/// ```
/// use actix_web::{dev::Payload, HttpRequest};
/// use checkpoint_runtime::{Check, Checkpoint, CheckpointError, Outcome};
///
/// /// Passes requests that come from the loopback interface.
/// struct FromLoopback;
///
/// impl Check for FromLoopback {
///     async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
///         let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
///         Ok(if local { Outcome::Pass } else { Outcome::Fail })
///     }
/// }
///
/// const LOCAL_ONLY: Checkpoint<FromLoopback> = Checkpoint::with_check(FromLoopback);
/// # let _ = LOCAL_ONLY;
/// ```
pub trait Check {
    /// Whether [`check`](Check::check) reads the session. If so, the checkpoint first makes sure
    /// `SessionMiddleware` runs in front of the route, and fails closed if not: without it the
    /// session would read as empty.
    fn reads_session(&self) -> bool {
        false
    }

    /// What kind of check this is, for the event a refusal emits (`"session"`, `"api_key"`,
    /// ...); the type's name unless given.
    fn kind(&self) -> &'static str {
        std::any::type_name::<Self>()
    }

    /// What the check looks at, for the event a refusal emits: a session key, a header name;
    /// nothing unless given.
    fn subject(&self) -> Option<&str> {
        None
    }

    /// Decides whether `req` passes.
    ///
    /// # Errors
    /// A [`CheckpointError`] when the check cannot decide (a misconfigured app, an unavailable
    /// store). The request then fails closed with `500 Internal Server Error`.
    fn check(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> impl Future<Output = Result<Outcome, CheckpointError>>;
}

/// A reference to a check is the check: a [`Checkpoint`]'s, say, taken into a combination.
#[diagnostic::do_not_recommend]
impl<C: Check + ?Sized> Check for &C {
    fn reads_session(&self) -> bool {
        (**self).reads_session()
    }

    fn kind(&self) -> &'static str {
        (**self).kind()
    }

    fn subject(&self) -> Option<&str> {
        (**self).subject()
    }

    fn check(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> impl Future<Output = Result<Outcome, CheckpointError>> {
        (**self).check(req, payload)
    }
}

/// A check and the action taken on its verdict: what `#[checkpoint(...)]` enforces.
///
/// Declare one as a `const` and reuse it with `#[checkpoint(NAME)]`; the inline attribute
/// builds exactly this value, so both forms behave the same.
///
/// ```
/// use checkpoint_runtime::{url_for, Action, AllowedValue, SessionCheckpoint};
///
/// pub const LOGGED_IN: SessionCheckpoint =
///     SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)])
///         .action(Action::new().fail_url(url_for("login_page")).message("Login required"));
/// # let _ = LOGGED_IN;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint<C> {
    check: C,
    action: Action,
    pub(crate) unmatched: Unmatched,
}

impl<C> Checkpoint<C> {
    /// A checkpoint running `check`, with the default action (a failure answers 403).
    pub const fn with_check(check: C) -> Self {
        Self {
            check,
            action: Action::new(),
            unmatched: Unmatched::NotFound,
        }
    }

    /// Replaces the action (Flask-Imp's `.action(...)`).
    pub const fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// As middleware (`.wrap(...)`), what to do with a URL no route matches: `404` unchecked
    /// unless set (see [`Unmatched`]). The attribute ignores it.
    pub const fn unmatched(mut self, unmatched: Unmatched) -> Self {
        self.unmatched = unmatched;
        self
    }

    /// The check.
    pub const fn check(&self) -> &C {
        &self.check
    }

    /// The action taken on the verdict.
    pub const fn current_action(&self) -> &Action {
        &self.action
    }
}

impl<C: Check> Checkpoint<C> {
    async fn decide(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> Decision {
        if self.check.reads_session() {
            probe.verify(req)?;
        }
        let outcome = self.check.check(req, payload).await?;
        let by = Refuser {
            kind: self.check.kind(),
            subject: self.check.subject(),
        };
        self.action.apply(outcome, req, probe, by)
    }
}

/// What decides a request before its handler runs: a [`Checkpoint`], or `LoginRequired` with the
/// `login` feature. The `#[checkpoint]` expansion and the middleware (`.wrap(...)`) run every
/// checkpoint through it.
#[diagnostic::on_unimplemented(
    message = "this is not a checkpoint: its type is `{Self}`",
    label = "not a checkpoint",
    note = "`#[checkpoint(NAME)]` names a `Checkpoint` value, such as `const LOGGED_IN: \
            SessionCheckpoint = SessionCheckpoint::new(\"logged_in\", \
            &[AllowedValue::Bool(true)]);`, or write the check inline: \
            `#[checkpoint(session_key = \"...\", values = ...)]`"
)]
pub trait Enforce {
    /// Runs the check on `req` and answers as the checkpoint says: `Continue` means the
    /// handler should run, with `payload` (the request body) unread, or read and put back;
    /// `Break` carries the response that ends the request (a redirect, a failure, or a `500`
    /// when the checkpoint could not decide or answer, which is also logged). It never panics:
    /// a panicking `fail_response` becomes a `500`.
    ///
    /// Each call verifies afresh that `SessionMiddleware` is in place before the session is
    /// used, which allocates; the `#[checkpoint]` wrapper and the middleware remember the answer
    /// instead.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    ///
    /// use actix_web::{dev::Payload, HttpRequest, HttpResponse};
    /// use checkpoint_runtime::{AllowedValue, Enforce, SessionCheckpoint};
    ///
    /// const ADMINS: SessionCheckpoint =
    ///     SessionCheckpoint::new("role", &[AllowedValue::Str("admin")]);
    ///
    /// async fn by_hand(req: HttpRequest) -> HttpResponse {
    ///     if let ControlFlow::Break(refused) = ADMINS.enforce(&req, &mut Payload::None).await {
    ///         return refused;
    ///     }
    ///     HttpResponse::Ok().body("admins only")
    /// }
    /// ```
    fn enforce(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> impl Future<Output = ControlFlow<HttpResponse>> {
        async move { self.enforce_with(req, payload, &SessionProbe::new()).await }
    }

    /// [`enforce`](Self::enforce), with `probe` remembering whether `SessionMiddleware` was
    /// seen (what the expansion and the middleware call).
    #[doc(hidden)]
    fn enforce_with(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> impl Future<Output = ControlFlow<HttpResponse>>;
}

impl<C: Check> Enforce for Checkpoint<C> {
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

#[diagnostic::do_not_recommend]
impl<T: Enforce + ?Sized> Enforce for &T {
    fn enforce_with(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
        probe: &SessionProbe,
    ) -> impl Future<Output = ControlFlow<HttpResponse>> {
        T::enforce_with(*self, req, payload, probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check that says nothing of itself.
    struct Plain;

    impl Check for Plain {
        async fn check(
            &self,
            _: &HttpRequest,
            _: &mut Payload,
        ) -> Result<Outcome, CheckpointError> {
            Ok(Outcome::Pass)
        }
    }

    const ADMIN: SessionCheck = SessionCheck::new("role", &[AllowedValue::Str("admin")]);
    const KEY: ApiKeyCheck<&str> = ApiKeyCheck::header("x-api-key", "k3y");

    /// What a check says of itself, for the refusal's event and the session probe.
    fn described(check: impl Check) -> (bool, &'static str, Option<String>) {
        let subject = check.subject().map(str::to_owned);
        (check.reads_session(), check.kind(), subject)
    }

    /// The same through a reference, as a combination holds a named checkpoint's check.
    fn described_by_reference<C: Check>(check: &C) -> (bool, &'static str, Option<String>) {
        described(check)
    }

    /// The size of the future of `checkpoint`'s check, as the expansion and the middleware
    /// await it.
    fn enforce_future_size(checkpoint: &impl Enforce) -> usize {
        let req = actix_web::test::TestRequest::default().to_http_request();
        let mut payload = Payload::None;
        let probe = SessionProbe::new();
        let future = checkpoint.enforce_with(&req, &mut payload, &probe);
        std::mem::size_of_val(&future)
    }

    /// actix boxes a handler's future on every request, and a wrapper's holds its checks'. Over
    /// 1 KiB, the box leaves the allocator's fast path (glibc's per-thread cache): measured,
    /// some 500 instructions a request. A check's future of 768 bytes leaves room for the
    /// wrapper and actix's own state (about 190 bytes in `benches/full_stack.rs`).
    #[test]
    fn the_futures_of_the_checks_leave_a_handlers_box_under_one_kibibyte() {
        let sizes = [
            (
                "session",
                enforce_future_size(&Checkpoint::with_check(ADMIN)),
            ),
            ("api_key", enforce_future_size(&Checkpoint::with_check(KEY))),
            #[cfg(feature = "csrf")]
            (
                "csrf",
                enforce_future_size(&Checkpoint::with_check(CsrfCheck::new())),
            ),
            #[cfg(feature = "login")]
            (
                "login",
                enforce_future_size(&crate::LoginRequired::LOGGED_IN),
            ),
        ];
        for (check, size) in sizes {
            assert!(size <= 768, "the {check} check's future is {size} bytes");
        }
    }

    #[test]
    fn a_check_is_named_by_its_type_and_looks_at_nothing_unless_told() {
        assert_eq!(
            described(Plain),
            (false, std::any::type_name::<Plain>(), None)
        );
    }

    #[test]
    fn a_reference_to_a_check_describes_itself_as_the_check() {
        assert_eq!(
            described_by_reference(&ADMIN),
            (true, "session", Some("role".to_owned()))
        );
        assert_eq!(
            described_by_reference(&KEY),
            (false, "api_key", Some("x-api-key".to_owned()))
        );
        assert_eq!(described_by_reference(&Plain), described(Plain));
    }
}
