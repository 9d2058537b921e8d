//! Telling a session loaded by `SessionMiddleware` from the empty stand-in actix-session hands out
//! when no middleware is registered.
//!
//! Without the middleware, `Session` reads as empty and silently drops writes: a check would fail
//! the right way by accident, but a flash message written on the way out would be lost without a
//! word, and the misconfiguration would go unnoticed. So before a checkpoint first touches the
//! session, it makes sure the middleware ran, and fails closed if it did not.

use std::{
    mem,
    sync::atomic::{AtomicBool, Ordering},
};

use actix_session::SessionExt;
use actix_web::{HttpMessage, HttpRequest};

use crate::error::CheckpointError;

/// Remembers that `SessionMiddleware` was found in front of a handler, so the probe (which
/// allocates) runs on its first requests only. The `#[checkpoint]` wrapper keeps one per handler
/// in a `static`: routing is fixed once the app is built, so what held for one request to a
/// handler holds for the next.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct SessionProbe {
    seen: AtomicBool,
}

impl SessionProbe {
    /// A probe that has seen nothing yet.
    pub const fn new() -> Self {
        Self {
            seen: AtomicBool::new(false),
        }
    }

    /// Makes sure `SessionMiddleware` ran for `req`. Must be called before anything in this
    /// request reads the session.
    ///
    /// # Errors
    /// [`CheckpointError::SessionMiddlewareMissing`] when it did not.
    #[inline]
    pub(crate) fn verify(&self, req: &HttpRequest) -> Result<(), CheckpointError> {
        if self.seen.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.probe(req)
    }

    /// The first requests' half of [`verify`](Self::verify), kept out of line so the check on
    /// every later request is one load.
    #[cold]
    #[inline(never)]
    fn probe(&self, req: &HttpRequest) -> Result<(), CheckpointError> {
        if !session_middleware_ran(req) {
            return Err(CheckpointError::SessionMiddlewareMissing);
        }
        self.seen.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// Whether `SessionMiddleware` put a session into this request's extensions before the handler
/// ran.
///
/// actix-session keeps the session in the request extensions under a private type, and hands out
/// a fresh one when none is there. The test inserts a probe session into an otherwise empty map,
/// moves the request's own extensions over it (entries of the same type replace the probe), and
/// looks at which session the request then holds. The request's extensions come out unchanged,
/// except that a request without middleware keeps the probe as its (empty) session, as it would
/// after any `get_session` call. This allocates, hence [`SessionProbe`].
fn session_middleware_ran(req: &HttpRequest) -> bool {
    let original = mem::take(&mut *req.extensions_mut());
    let probe = req.get_session();
    let mut merged = mem::replace(&mut *req.extensions_mut(), original);
    merged.extend(mem::take(&mut *req.extensions_mut()));
    *req.extensions_mut() = merged;

    let held = req.get_session();
    let probe_is_held = std::ptr::eq(&*probe.entries(), &*held.entries());
    !probe_is_held
}

#[cfg(test)]
mod tests {
    use actix_session::{storage::CookieSessionStore, SessionMiddleware};
    use actix_web::{cookie::Key, test, web, App, HttpResponse};

    use super::*;

    async fn report(req: HttpRequest) -> HttpResponse {
        req.extensions_mut().insert(7_u8);
        let ran = session_middleware_ran(&req);
        let other_extension_kept = req.extensions().get::<u8>() == Some(&7);
        HttpResponse::Ok().body(format!("{ran} {other_extension_kept}"))
    }

    #[actix_web::test]
    async fn detects_the_middleware_without_disturbing_other_extensions() {
        let with = test::init_service(
            App::new()
                .wrap(SessionMiddleware::new(
                    CookieSessionStore::default(),
                    Key::generate(),
                ))
                .route("/", web::get().to(report)),
        )
        .await;
        let without = test::init_service(App::new().route("/", web::get().to(report))).await;

        let body = test::call_and_read_body(&with, test::TestRequest::get().to_request()).await;
        assert_eq!(body, "true true");
        let body = test::call_and_read_body(&without, test::TestRequest::get().to_request()).await;
        assert_eq!(body, "false true");
    }

    #[actix_web::test]
    async fn the_session_written_after_the_probe_is_the_one_saved() {
        async fn write(req: HttpRequest) -> HttpResponse {
            assert!(session_middleware_ran(&req));
            req.get_session().insert("k", 1).unwrap();
            HttpResponse::Ok().finish()
        }
        let app = test::init_service(
            App::new()
                .wrap(SessionMiddleware::new(
                    CookieSessionStore::default(),
                    Key::generate(),
                ))
                .route("/", web::get().to(write)),
        )
        .await;
        let res = test::call_service(&app, test::TestRequest::get().to_request()).await;
        assert!(
            res.response().cookies().next().is_some(),
            "session cookie set"
        );
    }
}
