//! Flask-Imp's `checkpoint_callable`: an async function of actix extractors decides.

use std::{fmt, marker::PhantomData, panic::AssertUnwindSafe};

use actix_web::{dev::Payload, FromRequest, Handler, HttpRequest};
use futures_util::FutureExt as _;

use crate::{
    checks::{Check, Outcome},
    error::CheckpointError,
};

/// Passes when `predicate` returns `true`. The predicate is an `async fn` whose arguments are
/// actix extractors, called as actix calls handlers: take a `Session` to read session values
/// (Flask-Imp's `lazy_session_get`), a `web::Path<T>` for the URL arguments
/// (`include_url_args`), `HttpRequest`, `web::Query<T>`, and so on.
///
/// The predicate sees no request body (the handler gets it): body extractors find it empty.
/// An argument that fails to extract fails the check (it is not turned into a 400), and a
/// panicking predicate answers `500` without taking the worker down.
///
/// ```
/// use actix_session::Session;
/// use checkpoint_runtime::{Checkpoint, PredicateCheck};
///
/// async fn is_verified(session: Session) -> bool {
///     matches!(session.get::<bool>("verified"), Ok(Some(true)))
/// }
///
/// # fn demo() {
/// let verified = Checkpoint::with_check(PredicateCheck::new(is_verified));
/// # let _ = verified;
/// # }
/// ```
pub struct PredicateCheck<F, Args> {
    predicate: F,
    arguments: PhantomData<fn(Args)>,
}

impl<F, Args> PredicateCheck<F, Args>
where
    F: Handler<Args, Output = bool>,
{
    /// A check calling `predicate`.
    pub const fn new(predicate: F) -> Self {
        Self {
            predicate,
            arguments: PhantomData,
        }
    }
}

impl<F: Clone, Args> Clone for PredicateCheck<F, Args> {
    fn clone(&self) -> Self {
        Self {
            predicate: self.predicate.clone(),
            arguments: PhantomData,
        }
    }
}

impl<F, Args> fmt::Debug for PredicateCheck<F, Args> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PredicateCheck")
            .field("predicate", &std::any::type_name::<F>())
            .finish()
    }
}

impl<F, Args> Check for PredicateCheck<F, Args>
where
    F: Handler<Args, Output = bool>,
    Args: FromRequest,
{
    fn kind(&self) -> &'static str {
        "check"
    }

    fn subject(&self) -> Option<&str> {
        Some(std::any::type_name::<F>())
    }

    async fn check(&self, req: &HttpRequest, _: &mut Payload) -> Result<Outcome, CheckpointError> {
        let arguments = match Args::from_request(req, &mut Payload::None).await {
            Ok(arguments) => arguments,
            Err(error) => {
                let error = error.into();
                tracing::debug!(
                    kind = "check",
                    subject = std::any::type_name::<F>(),
                    error = %error,
                    "an argument of the check {} did not extract, failing the check: {error}",
                    std::any::type_name::<F>(),
                );
                return Ok(Outcome::Fail);
            }
        };
        let passed = AssertUnwindSafe(self.predicate.call(arguments))
            .catch_unwind()
            .await
            .map_err(|_| CheckpointError::CheckPanicked)?;
        Ok(if passed { Outcome::Pass } else { Outcome::Fail })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn always() -> bool {
        true
    }

    #[test]
    fn the_check_is_named_after_its_predicate() {
        let check = PredicateCheck::new(always);
        let name = std::any::type_name_of_val(&always);
        assert!(name.ends_with("always"), "{name}");
        assert_eq!(
            (check.reads_session(), check.kind(), check.subject()),
            (false, "check", Some(name))
        );
        assert_eq!(
            format!("{check:?}"),
            format!("PredicateCheck {{ predicate: {name:?} }}")
        );
    }
}
