//! Checks combined: any of several, all of several, or the opposite of one, in one checkpoint
//! with one action (`#[checkpoint(any(ADMIN, OWNER), fail_url = "/")]`). Flask-Imp can only
//! stack checkpoints, which is `all`, each with its own action.
//!
//! Operands run in the order written and stop as soon as the verdict is known: `any` at the first
//! pass, `all` at the first failure. An operand that cannot decide fails the whole check closed.
//! Each operand is a [`Check`]; a [`Checkpoint`](crate::Checkpoint) contributes its check only,
//! the combination's action answering for all. A combination of session checks only is also
//! decided from the session alone (`SessionVerdict`), without a future, reading it once.

use actix_session::Session;
use actix_web::{dev::Payload, HttpRequest};

use crate::{
    checks::{session::SessionVerdict, Check, Outcome},
    error::CheckpointError,
};

/// Passes when any of its checks passes (`any(...)`): a tuple of up to eight checks, tried in
/// order until one passes.
///
/// ```
/// use checkpoint_runtime::{AllowedValue, AnyOf, Checkpoint, SessionCheck};
///
/// const ADMIN: SessionCheck = SessionCheck::new("role", &[AllowedValue::Str("admin")]);
/// const OWNER: SessionCheck = SessionCheck::new("owner", &[AllowedValue::Bool(true)]);
/// const ADMIN_OR_OWNER: Checkpoint<AnyOf<(SessionCheck, SessionCheck)>> =
///     Checkpoint::with_check(AnyOf((ADMIN, OWNER)));
/// # let _ = ADMIN_OR_OWNER;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnyOf<T>(pub T);

/// Passes when all of its checks pass (`all(...)`): a tuple of up to eight checks, tried in
/// order until one fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllOf<T>(pub T);

/// Passes when its check fails, and fails when it passes (`not(...)`). A check that cannot decide
/// (an error) still fails closed; but a verdict of `Fail` is inverted whatever its cause: a
/// custom check whose argument does not extract, or a session value that is not valid JSON,
/// fails, so `not` of it passes. Negate checks whose failure means "no" only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Not<C>(pub C);

#[diagnostic::do_not_recommend]
impl<C: Check> Check for Not<C> {
    fn reads_session(&self) -> bool {
        self.0.reads_session()
    }

    fn kind(&self) -> &'static str {
        "not"
    }

    async fn check(
        &self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Result<Outcome, CheckpointError> {
        Ok(match self.0.check(req, payload).await? {
            Outcome::Pass => Outcome::Fail,
            Outcome::Fail => Outcome::Pass,
        })
    }
}

#[diagnostic::do_not_recommend]
impl<C: SessionVerdict> SessionVerdict for Not<C> {
    #[inline]
    fn session_verdict(&self, session: &Session) -> Outcome {
        match self.0.session_verdict(session) {
            Outcome::Pass => Outcome::Fail,
            Outcome::Fail => Outcome::Pass,
        }
    }
}

/// `AnyOf` and `AllOf` over a tuple of checks `$name`, at indices `$index`.
macro_rules! combinations {
    ($(($($name:ident $index:tt),+))+) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($name: Check),+> Check for AnyOf<($($name,)+)> {
            fn reads_session(&self) -> bool {
                false $(|| self.0.$index.reads_session())+
            }

            fn kind(&self) -> &'static str {
                "any"
            }

            async fn check(
                &self,
                req: &HttpRequest,
                payload: &mut Payload,
            ) -> Result<Outcome, CheckpointError> {
                $(
                    if self.0.$index.check(req, payload).await? == Outcome::Pass {
                        return Ok(Outcome::Pass);
                    }
                )+
                Ok(Outcome::Fail)
            }
        }

        #[diagnostic::do_not_recommend]
        impl<$($name: Check),+> Check for AllOf<($($name,)+)> {
            fn reads_session(&self) -> bool {
                false $(|| self.0.$index.reads_session())+
            }

            fn kind(&self) -> &'static str {
                "all"
            }

            async fn check(
                &self,
                req: &HttpRequest,
                payload: &mut Payload,
            ) -> Result<Outcome, CheckpointError> {
                $(
                    if self.0.$index.check(req, payload).await? == Outcome::Fail {
                        return Ok(Outcome::Fail);
                    }
                )+
                Ok(Outcome::Pass)
            }
        }

        #[diagnostic::do_not_recommend]
        impl<$($name: SessionVerdict),+> SessionVerdict for AnyOf<($($name,)+)> {
            #[inline]
            fn session_verdict(&self, session: &Session) -> Outcome {
                $(
                    if self.0.$index.session_verdict(session) == Outcome::Pass {
                        return Outcome::Pass;
                    }
                )+
                Outcome::Fail
            }
        }

        #[diagnostic::do_not_recommend]
        impl<$($name: SessionVerdict),+> SessionVerdict for AllOf<($($name,)+)> {
            #[inline]
            fn session_verdict(&self, session: &Session) -> Outcome {
                $(
                    if self.0.$index.session_verdict(session) == Outcome::Fail {
                        return Outcome::Fail;
                    }
                )+
                Outcome::Pass
            }
        }
    )+};
}

combinations! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use actix_web::test::TestRequest;

    use super::*;

    /// A check with a fixed verdict (or fault) that counts its runs.
    struct Fixed<'a> {
        verdict: Option<Outcome>,
        runs: &'a Cell<u32>,
    }

    impl Check for Fixed<'_> {
        async fn check(
            &self,
            _: &HttpRequest,
            _: &mut Payload,
        ) -> Result<Outcome, CheckpointError> {
            self.runs.set(self.runs.get() + 1);
            self.verdict.ok_or(CheckpointError::CheckPanicked)
        }
    }

    async fn verdict(check: impl Check) -> Result<Outcome, CheckpointError> {
        check
            .check(
                &TestRequest::default().to_http_request(),
                &mut Payload::None,
            )
            .await
    }

    #[actix_web::test]
    async fn any_all_and_not_follow_their_truth_tables_and_stop_early() {
        use Outcome::{Fail, Pass};
        let runs = Cell::new(0);
        let fixed = |verdict| Fixed {
            verdict,
            runs: &runs,
        };
        for (a, b) in [(Pass, Pass), (Pass, Fail), (Fail, Pass), (Fail, Fail)] {
            let expected_any = if a == Pass || b == Pass { Pass } else { Fail };
            let expected_all = if a == Pass && b == Pass { Pass } else { Fail };
            runs.set(0);
            assert_eq!(
                verdict(AnyOf((fixed(Some(a)), fixed(Some(b)))))
                    .await
                    .unwrap(),
                expected_any
            );
            assert_eq!(
                runs.get(),
                if a == Pass { 1 } else { 2 },
                "any stops at a pass"
            );
            runs.set(0);
            assert_eq!(
                verdict(AllOf((fixed(Some(a)), fixed(Some(b)))))
                    .await
                    .unwrap(),
                expected_all
            );
            assert_eq!(
                runs.get(),
                if a == Fail { 1 } else { 2 },
                "all stops at a failure"
            );
            let inverse = if a == Pass { Fail } else { Pass };
            assert_eq!(verdict(Not(fixed(Some(a)))).await.unwrap(), inverse);
        }
        // A combination reads the session when an operand does (then the checkpoint first makes
        // sure `SessionMiddleware` runs), and names itself in refusals.
        let session = crate::SessionCheck::new("k", &[crate::AllowedValue::Bool(true)]);
        let key = crate::ApiKeyCheck::header("x-key", "k");
        assert!(Not(session).reads_session());
        assert!(!Not(key).reads_session());
        assert!(AnyOf((key, session)).reads_session());
        assert!(!AllOf((key, key)).reads_session());
        assert_eq!(
            [Not(key).kind(), AnyOf((key,)).kind(), AllOf((key,)).kind()],
            ["not", "any", "all"]
        );

        // A fault is not a verdict: it fails closed, even under `not` and after a failure in `any`.
        assert!(verdict(Not(fixed(None))).await.is_err());
        assert!(verdict(AnyOf((fixed(Some(Fail)), fixed(None))))
            .await
            .is_err());
        assert_eq!(
            verdict(AnyOf((fixed(Some(Pass)), fixed(None))))
                .await
                .unwrap(),
            Pass
        );
    }
}
