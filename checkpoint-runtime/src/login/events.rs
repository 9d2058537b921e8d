//! Login events (Flask-Login's signals): hooks an app registers on the [`LoginManager`], called
//! with the request and what happened, and the same events as `tracing` events at `debug`.

use std::{
    fmt,
    panic::{catch_unwind, AssertUnwindSafe},
    rc::Rc,
};

use actix_web::{HttpMessage, HttpRequest};

use crate::login::{manager::LoginManager, protection::SessionProtection};

/// Something that happened to a login (Flask-Login's signals), as a hook registered with
/// [`LoginManager::on_event`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginEvent<'a> {
    /// A user logged in (`user_logged_in`).
    LoggedIn {
        /// The identity id.
        id: &'a str,
    },
    /// A user logged out (`user_logged_out`).
    LoggedOut {
        /// The identity id.
        id: &'a str,
    },
    /// A login check refused a request that is not logged in (`user_unauthorized`).
    Unauthorized,
    /// A fresh-login check refused a login that is not fresh (`user_needs_refresh`).
    NeedsRefresh {
        /// The identity id.
        id: &'a str,
    },
    /// A login was restored from the remember cookie (`user_loaded_from_cookie`): the place to
    /// put back into the new session what the app keeps there besides the login.
    LoadedFromCookie {
        /// The identity id.
        id: &'a str,
    },
    /// The request loader authenticated a request (`user_loaded_from_request`).
    LoadedFromRequest {
        /// The identity id.
        id: &'a str,
    },
    /// [`confirm_login`](crate::confirm_login) made a login fresh again (`user_login_confirmed`).
    LoginConfirmed,
    /// Session protection acted on a login made by another client (`session_protected`).
    SessionProtected {
        /// The identity id.
        id: &'a str,
        /// What it did: `Basic` took the freshness, `Strong` the login.
        mode: SessionProtection,
    },
    /// A login check or [`CurrentUser`](crate::CurrentUser) looked up who is logged in
    /// (`user_accessed`): once a request, however many look. Not traced: it happens on every
    /// such request.
    Accessed,
}

impl LoginEvent<'_> {
    /// The event's name, as Flask-Login names its signal.
    pub fn name(&self) -> &'static str {
        match self {
            Self::LoggedIn { .. } => "user_logged_in",
            Self::LoggedOut { .. } => "user_logged_out",
            Self::Unauthorized => "user_unauthorized",
            Self::NeedsRefresh { .. } => "user_needs_refresh",
            Self::LoadedFromCookie { .. } => "user_loaded_from_cookie",
            Self::LoadedFromRequest { .. } => "user_loaded_from_request",
            Self::LoginConfirmed => "user_login_confirmed",
            Self::SessionProtected { .. } => "session_protected",
            Self::Accessed => "user_accessed",
        }
    }

    /// The identity id the event is about, if one.
    pub fn id(&self) -> Option<&str> {
        match *self {
            Self::LoggedIn { id }
            | Self::LoggedOut { id }
            | Self::NeedsRefresh { id }
            | Self::LoadedFromCookie { id }
            | Self::LoadedFromRequest { id }
            | Self::SessionProtected { id, .. } => Some(id),
            Self::Unauthorized | Self::LoginConfirmed | Self::Accessed => None,
        }
    }
}

/// A hook [`LoginManager::on_event`] registers.
pub(crate) type LoginEventHook = Rc<dyn Fn(&HttpRequest, &LoginEvent<'_>)>;

/// The hooks of a manager, in the order they were registered.
#[derive(Clone, Default)]
pub(crate) struct LoginEventHooks(pub(crate) Vec<LoginEventHook>);

impl fmt::Debug for LoginEventHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} hooks", self.0.len())
    }
}

/// Left in a request whose [`LoginEvent::Accessed`] the hooks were told of.
struct AccessReported;

/// Reports `event` of `req`: a `debug` event (but for [`LoginEvent::Accessed`], which every
/// request looking at the login sends: a line per request would say no more than the access
/// log), then the manager's hooks. `Accessed` goes to the hooks once a request, as Flask-Login
/// sends `user_accessed` once (a login check and a [`CurrentUser`](crate::CurrentUser) that
/// authenticates again behind it look up the same login).
pub(crate) fn emit(req: &HttpRequest, manager: &LoginManager, event: LoginEvent<'_>) {
    if matches!(event, LoginEvent::Accessed) {
        if manager.event_hooks.0.is_empty() || req.extensions().contains::<AccessReported>() {
            return;
        }
        // Zero-sized: the mark allocates nothing.
        req.extensions_mut().insert(AccessReported);
    } else {
        tracing::debug!(
            event = event.name(),
            identity = event.id(),
            method = %req.method(),
            path = req.path(),
            "login event {}",
            event.name()
        );
    }
    for hook in &manager.event_hooks.0 {
        // A hook's panic is the app's bug, reported, not a reason to drop the request.
        if catch_unwind(AssertUnwindSafe(|| hook(req, &event))).is_err() {
            tracing::error!(
                event = event.name(),
                "a login event hook panicked on {}",
                event.name()
            );
        }
    }
}
