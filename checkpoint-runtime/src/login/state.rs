//! Who is logged in: actix-identity's session identity, Flask-Login's `login_user` and
//! `logout_user`, and when the login was made with a password (its freshness).

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use actix_identity::{Identity, IdentityExt};
use actix_session::SessionExt;
use actix_web::{HttpMessage, HttpRequest};

use crate::{
    error::CheckpointError,
    login::manager::LoginManager,
    session_probe::{self, SessionProbe},
};

/// The session key holding when the user last logged in with a password (Unix seconds):
/// Flask-Login's `_fresh`, as a time so that [`LoginManager::fresh_for`] can bound it.
pub const FRESH_AT_KEY: &str = "_fresh_at";

/// The identity of a request that passed the login check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    pub(crate) id: String,
    /// Whether it came from the session (`login_user`) rather than the request loader.
    pub(crate) from_session: bool,
}

/// The session identity, through actix-identity.
///
/// actix-identity panics, rather than answering an error, when its middleware did not run; that
/// panic is caught here and becomes [`CheckpointError::IdentityMiddlewareMissing`].
fn session_identity(req: &HttpRequest) -> Result<Option<Identity>, CheckpointError> {
    let identity = catch_unwind(AssertUnwindSafe(|| req.get_identity()))
        .map_err(|_| CheckpointError::IdentityMiddlewareMissing)?;
    Ok(identity.ok())
}

/// A user the manager's loader loaded for this request (the login check verifying the login),
/// kept in the request's extensions for the first [`CurrentUser`](crate::CurrentUser) to take.
pub(crate) struct LoadedUser<U> {
    pub(crate) id: String,
    pub(crate) user: U,
}

/// Left in a request by [`login_user`] and [`logout_user`]: a user the login check loaded earlier
/// in it may no longer be the logged-in one, so [`CurrentUser`](crate::CurrentUser) asks again.
pub(crate) struct LoginChanged;

impl<U: 'static> LoadedUser<U> {
    /// Whether the user `id` was loaded for `req` already.
    pub(crate) fn is_loaded(req: &HttpRequest, id: &str) -> bool {
        req.extensions()
            .get::<Self>()
            .is_some_and(|loaded| loaded.id == id)
    }
}

/// The identity `req` carries: the session's, else the request loader's. With a user loader on
/// the manager, only an identity whose user it finds (Flask-Login's `_load_user`); the user is
/// then kept in the request ([`LoadedUser`]). Errors only for a misconfigured app.
pub(crate) async fn authenticate(
    req: &HttpRequest,
    manager: &LoginManager,
) -> Result<Option<Authenticated>, CheckpointError> {
    let session = session_identity(req)?.and_then(|identity| match identity.id() {
        Ok(id) => Some(id),
        Err(error) => {
            tracing::warn!(error = %error, "the session identity cannot be read: {error}");
            None
        }
    });
    if let Some(id) = session {
        if verified(req, manager, &id).await {
            return Ok(Some(Authenticated {
                id,
                from_session: true,
            }));
        }
    }
    let Some(request_loader) = &manager.request_loader else {
        return Ok(None);
    };
    match request_loader(req).await {
        Some(id) if verified(req, manager, &id).await => Ok(Some(Authenticated {
            id,
            from_session: false,
        })),
        _ => Ok(None),
    }
}

/// Whether the manager's user loader finds the user `id` (loading it at most once per request),
/// or there is no loader to ask.
async fn verified(req: &HttpRequest, manager: &LoginManager, id: &str) -> bool {
    let Some(loader) = &manager.user_loader else {
        return true;
    };
    if (loader.loaded)(req, id) || (loader.load)(req.clone(), id.to_owned()).await {
        return true;
    }
    tracing::debug!(
        identity = id,
        "the user loader finds no user {id:?}: the login is ignored"
    );
    false
}

/// Whether the session's login was made with a password within the manager's window.
pub(crate) fn is_fresh(req: &HttpRequest, manager: &LoginManager) -> bool {
    let Ok(Some(fresh_at)) = req.get_session().get::<u64>(FRESH_AT_KEY) else {
        return false;
    };
    match manager.fresh_for {
        None => true,
        Some(window) => {
            let age = now().saturating_sub(Duration::from_secs(fresh_at));
            age < window
        }
    }
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// Logs `id` in (Flask-Login's `login_user(user, fresh=...)`), through actix-identity, which
/// renews the session id against fixation. `fresh` says the user just proved who they are (with
/// a password, say): `#[fresh_login_required]` accepts the login for
/// [`LoginManager::fresh_for`]. A login that is not fresh (restored from a long-lived token,
/// say) passes only `#[login_required]`.
///
/// Flask-Login's `remember`, `duration` and `force` have no counterpart: actix-session's cookie
/// lifetime (`SessionMiddleware::builder(...).session_lifecycle(...)`) plays the part of
/// "remember me", and there is no `is_active` to force past.
///
/// # Errors
/// [`CheckpointError::IdentityMiddlewareMissing`] without actix-identity's `IdentityMiddleware`
/// (log it, and answer 500), [`CheckpointError::SessionWrite`] when the session refuses the
/// write.
///
/// ```
/// use actix_web::{post, HttpRequest, HttpResponse};
/// use checkpoint_runtime::{login_user, CheckpointError};
///
/// #[post("/login")]
/// async fn login(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
///     // ... check the password ...
///     login_user(&req, "alice", true)?;
///     Ok(HttpResponse::SeeOther().insert_header(("location", "/")).finish())
/// }
/// ```
pub fn login_user(
    req: &HttpRequest,
    id: impl Into<String>,
    fresh: bool,
) -> Result<(), CheckpointError> {
    write_login(req, id.into(), fresh).map_err(|error| logged("login_user", req, error))
}

fn write_login(req: &HttpRequest, id: String, fresh: bool) -> Result<(), CheckpointError> {
    // Not remembered: logins are rare, and each is worth the probe.
    SessionProbe::new().verify(req)?;
    let login = catch_unwind(AssertUnwindSafe(|| {
        Identity::login(&req.extensions(), id).map(drop)
    }))
    .map_err(|_| CheckpointError::IdentityMiddlewareMissing)?;
    login.map_err(CheckpointError::session_write)?;
    let session = req.get_session();
    if fresh {
        session
            .insert(FRESH_AT_KEY, now().as_secs())
            .map_err(CheckpointError::session_write)?;
    } else {
        session.remove(FRESH_AT_KEY);
    }
    session_probe::watch_write(req, "A login");
    req.extensions_mut().insert(LoginChanged);
    Ok(())
}

/// `error`, logged as the failure of `what` for `req`: every error of `login_user` and
/// `logout_user` is a misconfiguration or a fault of the session store, which the `500` they
/// become does not explain.
#[cold]
fn logged(what: &str, req: &HttpRequest, error: CheckpointError) -> CheckpointError {
    tracing::error!(
        method = %req.method(),
        path = req.path(),
        route = req.match_name(),
        error = %error,
        "{what} failed for {} {}: {error}",
        req.method(),
        req.path()
    );
    error
}

/// Logs the request's user out (Flask-Login's `logout_user`), through actix-identity: by
/// default it purges the whole session. Logging out a request that is not logged in does
/// nothing.
///
/// The purge takes everything written to the session in this request with it, before or after
/// the call: a flash message such as "You have been logged out" written here is lost (Flask-Login
/// removes only its own keys). Flash it on the page the logout redirects to instead.
///
/// # Errors
/// [`CheckpointError::IdentityMiddlewareMissing`] without actix-identity's `IdentityMiddleware`.
///
/// ```
/// use actix_web::{post, HttpRequest, HttpResponse};
/// use checkpoint_runtime::{logout_user, CheckpointError};
///
/// #[post("/logout")]
/// async fn logout(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
///     logout_user(&req)?;
///     Ok(HttpResponse::SeeOther().insert_header(("location", "/")).finish())
/// }
/// ```
pub fn logout_user(req: &HttpRequest) -> Result<(), CheckpointError> {
    let logout = || {
        SessionProbe::new().verify(req)?;
        if let Some(identity) = session_identity(req)? {
            identity.logout();
        }
        req.get_session().remove(FRESH_AT_KEY);
        req.extensions_mut().insert(LoginChanged);
        Ok(())
    };
    logout().map_err(|error| logged("logout_user", req, error))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn freshness_is_the_password_login_within_the_window() {
        let req = TestRequest::default().to_http_request();
        let session = req.get_session();
        let forever = LoginManager::new();
        let minute = LoginManager::new().fresh_for(Duration::from_secs(60));
        assert!(!is_fresh(&req, &forever), "no password login");

        let now = now().as_secs();
        session.insert(FRESH_AT_KEY, now - 30).unwrap();
        assert!(is_fresh(&req, &forever) && is_fresh(&req, &minute));
        session.insert(FRESH_AT_KEY, now - 61).unwrap();
        assert!(is_fresh(&req, &forever) && !is_fresh(&req, &minute));
        // A time in the future (a clock step back) counts as fresh, not as a panic.
        session.insert(FRESH_AT_KEY, now + 3600).unwrap();
        assert!(is_fresh(&req, &minute));
        session.insert(FRESH_AT_KEY, "yesterday").unwrap();
        assert!(
            !is_fresh(&req, &forever),
            "an undecodable time is not fresh"
        );
    }
}
