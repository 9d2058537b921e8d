//! Why a checkpoint could not decide, or could not answer as configured.

use std::{error::Error, fmt, sync::Arc};

use actix_web::{
    http::{header::ContentType, StatusCode},
    HttpResponse, ResponseError,
};

/// A fault that stops a checkpoint from deciding or from building its response.
///
/// Each is a misconfiguration or an environment fault, never a verdict about the client, so the
/// request fails closed with `500 Internal Server Error`: the handler does not run. The response
/// body stays generic; the details go to the log and ride along as the response's error, where
/// actix-web's `Logger` can show them. The underlying error, where there is one, is the
/// [`source`](Error::source) (and its text is in the message too, for one-line logs).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The app has no `SessionMiddleware`, so the session can be neither read nor written.
    SessionMiddlewareMissing,
    /// `url_for` names a resource the app does not have, or its arguments do not fit.
    UnknownRoute {
        /// The resource name.
        name: &'static str,
        /// What actix-web reported.
        source: Cause,
    },
    /// A redirect target cannot be sent as a `Location` header.
    InvalidRedirect {
        /// The target, escaped for the log.
        location: String,
    },
    /// The session refused a write (a flash message, a CSRF token, a login).
    SessionWrite {
        /// What actix-session or actix-identity reported.
        source: Cause,
    },
    /// The session was purged earlier in the request (actix-identity's login or visit deadline,
    /// or `Session::purge`), so a write (a flash message, a CSRF token, a login) would be dropped
    /// without a word: actix-session saves nothing more of a purged session.
    SessionPurged,
    /// A `fail_response` function panicked.
    FailResponsePanicked,
    /// A `check` predicate panicked.
    CheckPanicked,
    /// The expression giving the expected key of an `api_key` or `bearer` checkpoint panicked.
    ExpectedKeyPanicked,
    /// The operating system's random number generator failed (a CSRF token could not be made).
    #[cfg(feature = "csrf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "csrf")))]
    RandomUnavailable {
        /// What `getrandom` reported.
        source: Cause,
    },
    /// The app has no actix-identity `IdentityMiddleware`, so no login can be read or written.
    #[cfg(feature = "login")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login")))]
    IdentityMiddlewareMissing,
    /// A [`CurrentUser<U>`](crate::CurrentUser) was asked for, but no
    /// [`UserLoader<U>`](crate::UserLoader) is registered as app data.
    #[cfg(feature = "login")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login")))]
    UserLoaderMissing {
        /// The user type `U`.
        user_type: &'static str,
    },
    /// A [`Login`](crate::Login) asked to be remembered, but no [`RememberMe`](crate::RememberMe)
    /// middleware wraps the route.
    #[cfg(feature = "login")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login")))]
    RememberMeMissing,
    /// [`login_user`](crate::login_user) was called in an app whose user loader checks users
    /// (`is_active`, `revocation_stamp`), which only [`Login`](crate::Login) asks.
    #[cfg(feature = "login")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login")))]
    LoginNeedsUser,
    /// A [`UserLoader<U>`](crate::UserLoader) with `is_active` or `revocation_stamp` is registered
    /// as app data on its own, where only [`CurrentUser<U>`](crate::CurrentUser) sees it: the
    /// login checks and [`Login`](crate::Login) would not ask it.
    #[cfg(feature = "login")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login")))]
    UserChecksOutsideManager {
        /// The user type `U`.
        user_type: &'static str,
    },
    /// The [`LoginManager`](crate::LoginManager)'s `unauthorized_handler` or
    /// `needs_refresh_handler` panicked.
    #[cfg(feature = "login")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login")))]
    UnauthorizedHandlerPanicked,
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SessionMiddlewareMissing => f.write_str(
                "no SessionMiddleware runs before this checkpoint: wrap the App or scope with \
                 actix_session::SessionMiddleware (registered after a checkpoint middleware, \
                 since the last `.wrap()` runs first)",
            ),
            Self::UnknownRoute { name, source } => write!(
                f,
                "url_for(\"{name}\") cannot be resolved: {source}; register a resource with \
                 that name (e.g. `#[get(\"/path\")] async fn {name}`) or fix its arguments"
            ),
            Self::InvalidRedirect { location } => {
                write!(
                    f,
                    "redirect target \"{location}\" is not a valid Location header"
                )
            }
            Self::SessionWrite { source } => write!(f, "the session refused a write: {source}"),
            Self::SessionPurged => f.write_str(
                "the session was purged earlier in this request (an IdentityMiddleware login or \
                 visit deadline, or Session::purge), and actix-session saves nothing more of it: \
                 the write is refused rather than lost; the next request has a new session",
            ),
            Self::FailResponsePanicked => f.write_str("the fail_response function panicked"),
            Self::CheckPanicked => f.write_str("the check predicate panicked"),
            Self::ExpectedKeyPanicked => f.write_str(
                "the expression giving the expected key of an api_key or bearer checkpoint \
                 panicked: read the key once at start-up (a `const`, or a `fn` returning a \
                 `String` read from configuration that was checked when the app started), not \
                 with an `unwrap()` on every request",
            ),
            #[cfg(feature = "csrf")]
            Self::RandomUnavailable { source } => write!(
                f,
                "the operating system's random number generator failed: {source}"
            ),
            #[cfg(feature = "login")]
            Self::IdentityMiddlewareMissing => f.write_str(
                "no IdentityMiddleware runs before this login check: wrap the App with \
                 actix_identity::IdentityMiddleware, then SessionMiddleware \
                 (`.wrap(IdentityMiddleware::default()).wrap(SessionMiddleware::new(...))`: the \
                 last `.wrap()` runs first)",
            ),
            #[cfg(feature = "login")]
            Self::UserLoaderMissing { user_type } => write!(
                f,
                "no UserLoader<{user_type}> is registered: give the app's LoginManager one, \
                 `LoginManager::new().user_loader(async |id: &str| ...)`"
            ),
            #[cfg(feature = "login")]
            Self::RememberMeMissing => f.write_str(
                "a login asked to be remembered, but no RememberMe middleware wraps this route: \
                 wrap the App with checkpoint_runtime::RememberMe::new(key) (registered before \
                 IdentityMiddleware and SessionMiddleware, so that it runs after them)",
            ),
            #[cfg(feature = "login")]
            Self::LoginNeedsUser => f.write_str(
                "login_user cannot log a user in here: the LoginManager's user loader checks \
                 users (is_active, revocation_stamp), which login_user does not ask; log in with \
                 `Login::new(id).login(&req).await?` instead",
            ),
            #[cfg(feature = "login")]
            Self::UserChecksOutsideManager { user_type } => write!(
                f,
                "a UserLoader<{user_type}> with is_active or revocation_stamp is registered as \
                 app data, where the login checks and Login do not see it: register it on the \
                 LoginManager, `LoginManager::new().user_loader(loader)`"
            ),
            #[cfg(feature = "login")]
            Self::UnauthorizedHandlerPanicked => f.write_str(
                "the LoginManager's unauthorized_handler or needs_refresh_handler panicked",
            ),
        }
    }
}

/// The error a [`CheckpointError`] was caused by, shared so that the error stays `Clone`.
pub type Cause = Arc<dyn Error + Send + Sync + 'static>;

impl CheckpointError {
    /// A [`CheckpointError::SessionWrite`] caused by `error`.
    pub(crate) fn session_write(error: impl Error + Send + Sync + 'static) -> Self {
        Self::SessionWrite {
            source: Arc::new(error),
        }
    }
}

impl Error for CheckpointError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::UnknownRoute { source, .. } | Self::SessionWrite { source } => Some(&**source),
            #[cfg(feature = "csrf")]
            Self::RandomUnavailable { source } => Some(&**source),
            _ => None,
        }
    }
}

impl ResponseError for CheckpointError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError()
            .content_type(ContentType::plaintext())
            .body("Internal Server Error")
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    #[test]
    fn the_cause_is_the_source_and_is_named_in_the_message() {
        let error = CheckpointError::session_write(io::Error::other("the store is full"));
        let source = error.source().expect("a source");
        assert!(source.downcast_ref::<io::Error>().is_some());
        assert_eq!(
            error.to_string(),
            "the session refused a write: the store is full"
        );
        let copy = error.clone();
        assert!(copy.source().is_some());
        assert!(CheckpointError::SessionMiddlewareMissing.source().is_none());
    }
}
