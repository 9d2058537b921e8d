//! Making sure `SessionMiddleware` loads and saves the session a checkpoint uses.
//!
//! Without the middleware, `Session` reads as empty and silently drops writes: a check would fail
//! the right way by accident, but a flash message or a login written on the way out would be lost
//! without a word, and the misconfiguration would go unnoticed. Two cases:
//!
//! - **Neither `SessionMiddleware` nor anything else made a session** before the checkpoint:
//!   before a checkpoint first touches the session, [`SessionProbe`] sees that none is there, and
//!   the request fails closed.
//! - **actix-identity's `IdentityMiddleware` without `SessionMiddleware`**: the identity
//!   middleware has already asked for the session, and actix-session handed it an empty stand-in
//!   of the very type, and in the very state, of a session loaded for a first visit. Nothing in
//!   the request tells the two apart (both crates keep their state private), so this case is
//!   caught when the library writes to the session (a flash message, a CSRF token, a login): a
//!   [`SessionWitness`] left in the request looks, when the request ends, whether
//!   `SessionMiddleware` took the changes to save them. If not, it logs the fault, and the app
//!   (this worker's, by its resource map) is marked: from then on every check that reads the
//!   session, and `login_user`, fail closed with the same error as in the first case.
//!
//! So in the second case the first request that writes is answered as if all were well (its
//! write is lost, and logged as an error), and every later one through a checkpoint gets `500`.
//! A read-only checkpoint in front of it denies (nothing can be stored, so nothing passes) until
//! such a write. The witness could also mark an app whose middleware between `SessionMiddleware`
//! and the handler returns an error after a write (actix-session then saves nothing either).

use std::{
    cell::RefCell,
    mem,
    sync::atomic::{AtomicBool, Ordering},
};

use actix_session::{Session, SessionExt};
use actix_web::{HttpMessage, HttpRequest};

use crate::error::CheckpointError;

thread_local! {
    /// The apps of this worker thread, by the address of their resource map, in which a write to
    /// the session was seen lost. A worker serves one app instance of its own, for its life; an
    /// app dropped and another built at the same address on the same thread (a test building
    /// apps one after the other) would inherit the mark, failing closed.
    static UNSAVED_APPS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Whether any worker has marked an app in `UNSAVED_APPS`, so that a probe need not look there
/// otherwise.
static ANY_APP_UNSAVED: AtomicBool = AtomicBool::new(false);

/// The app `req` is served by: the address of its resource map, one per app instance.
fn app_of(req: &HttpRequest) -> usize {
    std::ptr::from_ref(req.resource_map()) as usize
}

/// Whether a write to the session was seen lost in `req`'s app.
fn app_loses_writes(req: &HttpRequest) -> bool {
    ANY_APP_UNSAVED.load(Ordering::Relaxed)
        && UNSAVED_APPS
            .try_with(|apps| apps.borrow().contains(&app_of(req)))
            .unwrap_or(false)
}

/// Leaves a [`SessionWitness`] in `req`, which has just had `written` written to its session, to
/// look when the request ends whether `SessionMiddleware` took the changes. One per request.
pub(crate) fn watch_write(req: &HttpRequest, written: &'static str) {
    if req.extensions().contains::<SessionWitness>() {
        return;
    }
    let witness = SessionWitness {
        session: req.get_session(),
        app: app_of(req),
        written,
        request: format!("{} {}", req.method(), req.path()),
    };
    req.extensions_mut().insert(witness);
}

/// Kept in the extensions of a request whose session the library wrote to. When the request
/// ends (its extensions are dropped after the response has gone through every middleware),
/// `SessionMiddleware`, if it ran, has taken the session's state out to save it, leaving it empty;
/// state still there was never saved.
struct SessionWitness {
    session: Session,
    app: usize,
    written: &'static str,
    request: String,
}

impl Drop for SessionWitness {
    fn drop(&mut self) {
        if self.session.entries().is_empty() {
            return;
        }
        tracing::error!(
            written = self.written,
            request = %self.request,
            "{} was written to the session of {}, but no SessionMiddleware saved it: it is lost. \
             The session is actix-identity's stand-in, made when IdentityMiddleware runs without \
             SessionMiddleware; every later request through a checkpoint of this app will fail \
             with 500. {}",
            self.written,
            self.request,
            CheckpointError::SessionMiddlewareMissing
        );
        let marked = UNSAVED_APPS.try_with(|apps| {
            let mut apps = apps.borrow_mut();
            if !apps.contains(&self.app) {
                apps.push(self.app);
            }
        });
        if marked.is_ok() {
            ANY_APP_UNSAVED.store(true, Ordering::Relaxed);
        }
    }
}

/// Remembers that `SessionMiddleware` was found in front of a handler, so the probe (which
/// allocates) runs on its first requests only. The `#[checkpoint]` wrapper keeps one per handler
/// in a `static`: routing is fixed once the app is built, so what held for one request to a
/// handler holds for the next. (A handler mounted in two apps of one process, one with
/// `SessionMiddleware` and one without, would be trusted in both once seen in the first.)
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
        if self.seen.load(Ordering::Relaxed) && !ANY_APP_UNSAVED.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.probe(req)
    }

    /// The rare half of [`verify`](Self::verify), kept out of line so the check on every later
    /// request is two loads: the first requests' probe, and the look at the apps seen losing
    /// writes once there are any.
    #[cold]
    #[inline(never)]
    fn probe(&self, req: &HttpRequest) -> Result<(), CheckpointError> {
        if app_loses_writes(req) {
            return Err(CheckpointError::SessionMiddlewareMissing);
        }
        if !self.seen.load(Ordering::Relaxed) {
            if !session_middleware_ran(req) {
                return Err(CheckpointError::SessionMiddlewareMissing);
            }
            self.seen.store(true, Ordering::Relaxed);
        }
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
