//! Who is logged in: actix-identity's session identity, Flask-Login's `login_user` and
//! `logout_user`, and when the login was made with a password (its freshness).

use std::{
    borrow::Cow,
    cell::Cell,
    future::poll_fn,
    panic::{catch_unwind, AssertUnwindSafe},
    rc::Rc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use actix_identity::{Identity, IdentityExt};
use actix_session::SessionExt;
use actix_web::{dev::Payload, HttpMessage, HttpRequest};

use subtle::ConstantTimeEq;

use crate::{
    body::read_bounded,
    error::CheckpointError,
    login::{
        current_user::UserFacts,
        events::{emit, LoginEvent},
        handoff,
        manager::LoginManager,
        protection::{self, SessionProtection},
        remember::{change_cookie, CookieChange, RememberRoute, RememberSettings, RememberedLogin},
    },
    response::{flash::writable, FLASHES_KEY},
    session_probe::{self, SessionProbe},
};

/// The session key holding when the user last logged in with a password (Unix seconds):
/// Flask-Login's `_fresh`, as a time so that [`LoginManager::fresh_for`] can bound it.
pub const FRESH_AT_KEY: &str = "_fresh_at";

/// The session key holding the revocation stamp the login recorded
/// ([`UserLoader::revocation_stamp`](crate::UserLoader::revocation_stamp)).
pub const STAMP_KEY: &str = "_stamp";

/// The session key marking the login of an inactive user made with [`Login::force`], which the
/// login checks let stand (Flask-Login's `login_user(user, force=True)`).
pub const FORCED_KEY: &str = "_forced";

/// The session key marking that no remember cookie restores a login in this session, and that
/// one sent is cleared: set by a logout (and by a login without "remember me") of a request
/// carrying the cookie, or of any request on a route `RememberMe` does not wrap; removed by the
/// next login with "remember me" (Flask-Login's `_remember`, value `"clear"`). It keeps a
/// client that logged out logged out when it sends a copy of its old remember cookie again,
/// while its session lasts.
pub const REMEMBER_KEY: &str = "_remember";

/// The identity of a request that passed the login check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    /// Its id; `None` for a session identity whose id the check did not need (no user loader to
    /// ask, no remember cookie to renew): [`Authenticated::id`] reads it then.
    id: Option<String>,
    /// Whether it came from the session (`login_user`) rather than the request loader.
    pub(crate) from_session: bool,
}

impl Authenticated {
    /// The identity's id, read from the session if the check did not read it.
    pub(crate) fn id(&self, req: &HttpRequest) -> Option<Cow<'_, str>> {
        match &self.id {
            Some(id) => Some(Cow::Borrowed(id)),
            None => session_id(req).map(Cow::Owned),
        }
    }

    /// [`id`](Self::id), moved out when the check read it.
    pub(crate) fn into_id(self, req: &HttpRequest) -> Option<String> {
        self.id.or_else(|| session_id(req))
    }
}

/// The id of the request's session identity, if it has one that can be read.
fn session_id(req: &HttpRequest) -> Option<String> {
    let read = session_identity(req)
        .ok()
        .flatten()
        .map(|identity| identity.id());
    match read {
        Some(Ok(id)) => Some(id),
        // One line for both causes (`identity_id` would log a second).
        unread => {
            let error = unread.and_then(Result::err);
            tracing::warn!(
                error = error.as_ref().map(tracing::field::display),
                "the login check let a session identity through whose id cannot be read now"
            );
            None
        }
    }
}

/// The id of a session identity, `None` (logged) when it cannot be read.
fn identity_id(identity: &Identity) -> Option<String> {
    identity
        .id()
        .map_err(|error| {
            tracing::warn!(error = %error, "the session identity cannot be read: {error}");
        })
        .ok()
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
/// for the first [`CurrentUser`](crate::CurrentUser) to take: handed over to the handler's
/// arguments behind `#[login_required]` (`login/handoff.rs`), else kept in the request's
/// extensions.
pub(crate) struct LoadedUser<U> {
    pub(crate) id: String,
    /// `None` once taken: taken in place, the entry stays in the extensions (removing it would
    /// cost a second search of them), and the user is loaded again if asked for again.
    pub(crate) user: Option<U>,
    pub(crate) facts: UserFacts,
    /// Whether a login check let the login of this user stand (active, its stamp): a user
    /// loaded and then refused (or loaded by [`Login`]) is never served as the current one.
    pub(crate) verified: bool,
}

/// Left in a request by [`login_user`] and [`logout_user`]: a user the login check loaded earlier
/// in it may no longer be the logged-in one, so [`CurrentUser`](crate::CurrentUser) asks again.
pub(crate) struct LoginChanged;

impl<U: 'static> LoadedUser<U> {
    /// Marks the user `id` loaded for `req` as verified.
    pub(crate) fn mark_verified(req: &HttpRequest, id: &str) {
        if let Some(loaded) = req.extensions_mut().get_mut::<Self>() {
            loaded.verified |= loaded.id == id;
        }
    }

    /// What is known of the user `id`, if it was loaded for `req` already.
    pub(crate) fn loaded_facts(req: &HttpRequest, id: &str) -> Option<UserFacts> {
        req.extensions()
            .get::<Self>()
            .filter(|loaded| loaded.user.is_some() && loaded.id == id)
            .map(|loaded| loaded.facts.clone())
    }
}

/// The identity `req` carries: the session's, else the remember cookie's (restored into the
/// session, not fresh), else the request loader's; Flask-Login's `_load_user`. With a user loader
/// on the manager, only an identity whose user it finds, active and with the stamp the login
/// recorded; the user is then kept for `CurrentUser` ([`LoadedUser`]). Session protection runs
/// first. Errors only for a misconfigured app or a session that refuses a write.
pub(crate) async fn authenticate(
    req: &HttpRequest,
    manager: &LoginManager,
    payload: Option<&mut Payload>,
) -> Result<Option<Authenticated>, CheckpointError> {
    let remember = req.extensions().get::<RememberRoute>().cloned();
    let renews_cookie =
        matches!(&remember, Some(RememberRoute(settings)) if settings.refresh_each_request);
    // The session's identity in a block of its own: not kept across the awaits below (64 bytes
    // of every request's future).
    let session_id = {
        let mut session = session_identity(req)?;
        emit(req, manager, LoginEvent::Accessed);
        if let (Some(mode), Some(identity)) = (manager.session_protection, &session) {
            if !protection::same_client(req, manager.client_address) {
                // The id, for the event only (`identity_id` logs an id that cannot be read).
                let report = || {
                    if let Some(id) = identity_id(identity) {
                        emit(req, manager, LoginEvent::SessionProtected { id: &id, mode });
                    }
                };
                match mode {
                    // Reported when it takes the freshness, not on every later request.
                    SessionProtection::Basic => {
                        if req.get_session().remove(FRESH_AT_KEY).is_some() {
                            report();
                        }
                    }
                    SessionProtection::Strong => {
                        report();
                        if let Some(identity) = session.take() {
                            end_login(req, identity);
                        }
                        return Ok(None);
                    }
                }
            }
        }
        if session.is_some() && manager.user_loader.is_none() && !renews_cookie {
            // Nothing to ask of the id: that the session has an identity is the whole answer
            // (actix-identity decoded the id to say so; decoding it again would copy it).
            return Ok(Some(Authenticated {
                id: None,
                from_session: true,
            }));
        }
        session.as_ref().and_then(identity_id)
    };
    if let Some(id) = session_id {
        // The loader keeps the id: a copy only for the cookie to renew.
        let kept = renews_cookie.then(|| id.clone());
        if standing(req, manager, Cow::Owned(id), &Source::Session).await == Standing::Stands {
            if let (Some(id), Some(RememberRoute(settings))) = (&kept, &remember) {
                // The cookie, if the request carries one for this login, and the session has
                // not disowned it (a copy sent after a logout is cleared, not renewed).
                if let Some(remembered) = settings.read(req).filter(|r| r.id == *id) {
                    if remember_cleared(req) {
                        change_cookie(req, CookieChange::Clear);
                    } else {
                        renew_remember_cookie(req, settings, remembered);
                    }
                }
            }
            return Ok(Some(Authenticated {
                id: kept,
                from_session: true,
            }));
        }
    }
    if let Some(RememberRoute(settings)) = &remember {
        // Boxed: the restore, once a browser session, would make every login check's future
        // (which actix boxes on each request) as large as its own.
        if let Some(id) = Box::pin(restore(req, manager, settings)).await? {
            return Ok(Some(Authenticated {
                id: Some(id),
                from_session: true,
            }));
        }
    }
    let mut loaded = match &manager.request_loader {
        Some(request_loader) => request_loader(req).await,
        None => None,
    };
    if let (None, Some((body_loader, limit)), Some(payload)) =
        (&loaded, &manager.body_loader, payload)
    {
        match read_bounded(payload, *limit).await {
            Ok(body) => loaded = body_loader(req, body).await,
            Err(unread) => tracing::debug!(
                reason = %unread,
                "the body is not given to the request loader: {unread}"
            ),
        }
    }
    match loaded {
        Some(id)
            if standing(req, manager, Cow::Borrowed(&id), &Source::RequestLoader).await
                == Standing::Stands =>
        {
            emit(req, manager, LoginEvent::LoadedFromRequest { id: &id });
            Ok(Some(Authenticated {
                id: Some(id),
                from_session: false,
            }))
        }
        _ => Ok(None),
    }
}

/// Where a login comes from, for what it recorded when it was made.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    /// The session: its revocation stamp and whether it was forced are in the session.
    Session,
    /// A remember cookie, with the revocation stamp it recorded; never forced.
    Cookie(Option<&'a str>),
    /// The request loader, which the app authenticates anew on every request: nothing recorded.
    RequestLoader,
}

/// Whether a login stands, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Stands,
    /// The loader finds no such user (perhaps only for now: a database down).
    NoUser,
    /// The user is not active (perhaps only for now).
    Inactive,
    /// The login recorded another revocation stamp than the user's now: for good.
    Revoked,
}

/// What a login decides of the user `id` its loader found (`Some` of what is known of it) or did
/// not find (`None`): called inside the loader's future, which keeps the id.
pub(crate) type Judge<'a> = &'a dyn Fn(&str, Option<&UserFacts>) -> Standing;

/// Whether the manager's user loader finds the user `id` (loading it at most once per request)
/// and the login from `source` may stand: the user is active (or the login was forced) and has
/// the revocation stamp the login recorded (a login that recorded none, made before stamps were
/// used, does not stand). Stands when there is no loader to ask.
/// The user it loaded is marked verified in the request: only such a user is served to
/// [`CurrentUser`](crate::CurrentUser) without asking again. The request keeps `id` with the
/// user: a caller that needs it afterwards lends it, and it is copied only for a loader.
///
/// One `async fn` with one await: each level of `async fn` nesting adds its arguments to the
/// login check's future, which actix boxes on every request (see [`ManagerRef`](
/// crate::login::manager::ManagerRef)).
async fn standing(
    req: &HttpRequest,
    manager: &LoginManager,
    id: Cow<'_, str>,
    source: &Source<'_>,
) -> Standing {
    let Some(loader) = &manager.user_loader else {
        return Standing::Stands;
    };
    let judge = |id: &str, facts: Option<&UserFacts>| match facts {
        Some(facts) => user_standing(req, id, facts, *source),
        None => {
            tracing::debug!(
                identity = id,
                "the user loader finds no user {id:?}: the login is ignored"
            );
            Standing::NoUser
        }
    };
    if let Some(facts) = (loader.loaded)(req, &id) {
        let standing = judge(&id, Some(&facts));
        if standing == Standing::Stands {
            (loader.mark_verified)(req, &id);
        }
        return standing;
    }
    let mut load = (loader.load)(id.into_owned());
    let standing = poll_fn(|cx| load.as_mut().poll_load(cx, &judge)).await;
    if standing == Standing::Stands {
        handoff::offer(req, load);
    } else {
        // Kept unverified: a second check in the request asks no second load.
        load.as_mut().into_request(req, false);
    }
    standing
}

/// Whether the login from `source` may stand for the user `id` the loader found, `facts`.
fn user_standing(req: &HttpRequest, id: &str, facts: &UserFacts, source: Source<'_>) -> Standing {
    let forced = || {
        matches!(source, Source::Session)
            && req.get_session().get::<bool>(FORCED_KEY).ok().flatten() == Some(true)
    };
    if !facts.active && !forced() {
        tracing::debug!(
            identity = id,
            "the user {id:?} is not active: the login is ignored"
        );
        return Standing::Inactive;
    }
    let Some(stamp) = &facts.stamp else {
        return Standing::Stands;
    };
    let same = match source {
        Source::Session => req
            .get_session()
            .get::<String>(STAMP_KEY)
            .ok()
            .flatten()
            .is_some_and(|recorded| same_stamp(&recorded, stamp)),
        Source::Cookie(recorded) => recorded.is_some_and(|recorded| same_stamp(recorded, stamp)),
        Source::RequestLoader => true,
    };
    if !same {
        tracing::debug!(
            identity = id,
            "the login of {id:?} recorded another revocation stamp than the user's now: the \
             login is ignored"
        );
        return Standing::Revoked;
    }
    Standing::Stands
}

/// Whether a login's recorded revocation stamp is the user's `now`, compared in constant time.
pub(crate) fn same_stamp(recorded: &str, now: &str) -> bool {
    recorded.as_bytes().ct_eq(now.as_bytes()).into()
}

/// Restores the login of `req`'s remember cookie, if it has a valid one whose user is verified,
/// into the session, not fresh (Flask-Login's `_load_user_from_remember_cookie`). A cookie that
/// does not restore is cleared.
async fn restore(
    req: &HttpRequest,
    manager: &LoginManager,
    settings: &Rc<RememberSettings>,
) -> Result<Option<String>, CheckpointError> {
    if !settings.present(req) || req.extensions().contains::<CookieChange>() {
        return Ok(None);
    }
    if remember_cleared(req) {
        // Logged out (or in without "remember me") in this session: the mark stays until the
        // next login with "remember me", so a copy of the cookie sent again is refused again.
        change_cookie(req, CookieChange::Clear);
        tracing::debug!("a remember cookie on a session that logged out: cleared, not restored");
        return Ok(None);
    }
    let Some(remembered) = settings.read(req) else {
        change_cookie(req, CookieChange::Clear);
        return Ok(None);
    };
    let source = Source::Cookie(remembered.stamp.as_deref());
    match standing(req, manager, Cow::Borrowed(&remembered.id), &source).await {
        Standing::Stands => {}
        // Revoked for good: the cookie goes. A user not found or inactive may be back (a
        // database down for a moment): the cookie stays, restoring nothing meanwhile, as with
        // Flask-Login.
        Standing::Revoked => {
            change_cookie(req, CookieChange::Clear);
            return Ok(None);
        }
        Standing::NoUser | Standing::Inactive => return Ok(None),
    }
    let login = Written {
        fresh: false,
        stamp: remembered.stamp.as_deref(),
        forced: false,
    };
    write_login(req, remembered.id.clone(), login, manager)
        .map_err(|error| logged("restoring a remembered login", req, error))?;
    emit(
        req,
        manager,
        LoginEvent::LoadedFromCookie { id: &remembered.id },
    );
    let id = remembered.id.clone();
    if settings.refresh_each_request {
        renew_remember_cookie(req, settings, remembered);
    }
    Ok(Some(id))
}

/// Whether `req`'s session was marked by a logout (or a login without "remember me"): no
/// remember cookie restores a login in it.
pub(crate) fn remember_cleared(req: &HttpRequest) -> bool {
    req.get_session()
        .get::<String>(REMEMBER_KEY)
        .ok()
        .flatten()
        .as_deref()
        == Some("clear")
}

/// Renews the remember cookie of `remembered`, read from `req`, for the whole of its login's
/// duration again (`refresh_each_request`), unless the request already changes the cookie.
fn renew_remember_cookie(
    req: &HttpRequest,
    settings: &RememberSettings,
    mut remembered: RememberedLogin,
) {
    if req.extensions().contains::<CookieChange>() {
        return;
    }
    remembered.renew();
    change_cookie(req, CookieChange::Set(settings.cookie(&remembered)));
}

/// Whether the session's login was made with a password within the manager's window. Session
/// protection is not asked again: behind [`authenticate`], which applied it (`Basic` took the
/// freshness of a login another client uses), this is the whole answer.
pub(crate) fn fresh_in_window(req: &HttpRequest, manager: &LoginManager) -> bool {
    let Ok(Some(fresh_at)) = req.get_session().get::<u64>(FRESH_AT_KEY) else {
        return false;
    };
    match manager.fresh_for {
        None => true,
        Some(window) => unix_now().saturating_sub(fresh_at) < window.as_secs(),
    }
}

/// [`fresh_in_window`], and with session protection made by this client: for a caller that may
/// run without the login check.
fn fresh_for_this_client(req: &HttpRequest, manager: &LoginManager) -> bool {
    fresh_in_window(req, manager)
        && (manager.session_protection.is_none()
            || protection::same_client(req, manager.client_address))
}

/// Whether the request's login is fresh (Flask-Login's `login_fresh()`): made with a password
/// ([`Login::fresh`]), within [`LoginManager::fresh_for`], by this client when session protection
/// is on. A login restored from a remember cookie, or from the request loader, is not.
///
/// ```
/// use actix_web::{get, HttpRequest, Responder};
/// use checkpoint_runtime::{login_fresh, login_required};
///
/// #[get("/settings")]
/// #[login_required]
/// async fn settings(req: HttpRequest) -> impl Responder {
///     if login_fresh(&req) { "all settings" } else { "confirm your password to see all" }
/// }
/// ```
pub fn login_fresh(req: &HttpRequest) -> bool {
    // A freshness time left behind by a login that ended without this library (actix-identity's
    // deadlines under `DeleteIdentityKeys`) is no one's.
    let logged_in = matches!(session_identity(req), Ok(Some(_)));
    logged_in && fresh_for_this_client(req, &LoginManager::of(req))
}

/// Seconds since the Unix epoch (0 before it: a clock that far off fails every expiry).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// A login (Flask-Login's `login_user(user, remember, duration, force, fresh)`): fresh unless
/// told otherwise, remembered if asked. [`login_user`] is its short form, for an app whose user
/// loader does not check users.
///
/// [`login`](Self::login) asks the [`LoginManager`]'s user loader, when it has one, whether
/// the user exists and is active (refusing an inactive one unless [forced](Self::force)), and
/// records the user's [revocation stamp](crate::UserLoader::revocation_stamp). It logs in through
/// actix-identity, which renews the session id (against fixation), and stores an identifier of
/// the client for [session protection](crate::SessionProtection).
///
/// ```
/// use actix_web::{post, HttpRequest, HttpResponse};
/// use checkpoint_runtime::{CheckpointError, Login};
///
/// #[post("/login")]
/// async fn login(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
///     // ... check the password, and read the "remember me" box ...
///     let remember_me = true;
///     if !Login::new("alice").remember(remember_me).login(&req).await? {
///         return Ok(HttpResponse::Forbidden().body("this account is disabled"));
///     }
///     Ok(HttpResponse::SeeOther().insert_header(("location", "/")).finish())
/// }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Login does nothing until `.login(&req).await`"]
pub struct Login {
    id: String,
    fresh: bool,
    remember: bool,
    duration: Option<Duration>,
    force: bool,
}

impl Login {
    /// Logging in the user `id`: fresh, not remembered, not forced.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            fresh: true,
            remember: false,
            duration: None,
            force: false,
        }
    }

    /// Whether the user just proved who they are, with a password say (default `true`):
    /// `#[fresh_login_required]` accepts a fresh login for [`LoginManager::fresh_for`].
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }

    /// Whether to remember the login in a cookie that restores it when the session is gone
    /// (default `false`); needs [`RememberMe`](crate::RememberMe) on the route.
    pub fn remember(mut self, remember: bool) -> Self {
        self.remember = remember;
        self
    }

    /// How long to remember the login, instead of the [`RememberMe`](crate::RememberMe)
    /// duration.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Logs the user in even when the user loader says it is not active (default `false`).
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Logs the user in. `Ok(false)`, with nothing changed, when the manager's user loader finds
    /// no such user, or an inactive one and the login is not forced (Flask-Login's `False`).
    ///
    /// # Errors
    /// [`CheckpointError::IdentityMiddlewareMissing`], [`CheckpointError::SessionMiddlewareMissing`]
    /// or [`CheckpointError::RememberMeMissing`] in a misconfigured app,
    /// [`CheckpointError::SessionWrite`] when the session refuses the write.
    pub async fn login(self, req: &HttpRequest) -> Result<bool, CheckpointError> {
        self.apply(req)
            .await
            .map_err(|error| logged("login", req, error))
    }

    async fn apply(self, req: &HttpRequest) -> Result<bool, CheckpointError> {
        SessionProbe::new().verify(req)?;
        let manager = LoginManager::of(req);
        let remember = if self.remember {
            let route = req.extensions().get::<RememberRoute>().cloned();
            Some(route.ok_or(CheckpointError::RememberMeMissing)?.0)
        } else {
            None
        };
        let mut stamp = None;
        let mut forced = false;
        if let Some(loader) = &manager.user_loader {
            let found = Cell::new(None);
            let judge = |id: &str, facts: Option<&UserFacts>| match facts {
                None => {
                    tracing::debug!(
                        identity = id,
                        "login refused: the user loader finds no such user"
                    );
                    Standing::NoUser
                }
                Some(facts) if !facts.active && !self.force => {
                    tracing::debug!(identity = id, "login refused: the user is not active");
                    Standing::Inactive
                }
                Some(facts) => {
                    found.set(Some(facts.clone()));
                    Standing::Stands
                }
            };
            let mut load = (loader.load)(self.id.clone());
            let standing = poll_fn(|cx| load.as_mut().poll_load(cx, &judge)).await;
            // Unverified: the login may yet fail (a session that refuses the write), and once
            // it is made, `CurrentUser` asks the login checks again (`LoginChanged`).
            load.as_mut().into_request(req, false);
            if standing != Standing::Stands {
                return Ok(false);
            }
            let Some(facts) = found.into_inner() else {
                return Ok(false);
            };
            forced = !facts.active;
            stamp = facts.stamp;
        }
        let login = Written {
            fresh: self.fresh,
            stamp: stamp.as_deref(),
            forced,
        };
        let remember = remember
            .as_deref()
            .map(|settings| (settings, self.duration.unwrap_or(settings.duration)));
        log_in(req, &manager, self.id, login, remember)?;
        Ok(true)
    }
}

/// Clears the remember cookie `req` carries, if any, so that it cannot restore a login after
/// this one ends (another user's, say), and marks the session (Flask-Login's
/// `_remember = "clear"`): while this session lasts, no remember cookie restores a login in it,
/// so a client that logged out and sends the old cookie again (a copy it kept) stays logged out.
/// On a route [`RememberMe`](crate::RememberMe) wraps, only a request carrying the cookie (or
/// setting one) is marked. On a route it does not wrap, the cookie can neither be seen nor
/// cleared (nothing sets cookies on the way out): the session is marked in any case, and the
/// cookie cleared on the first request through `RememberMe`.
fn forget_remembered(req: &HttpRequest) {
    let route = req.extensions().get::<RememberRoute>().cloned();
    if let Some(RememberRoute(settings)) = route {
        if !settings.present(req) && !req.extensions().contains::<CookieChange>() {
            // No remember cookie to forget: no mark either, so that a logout without one (an
            // anonymous visitor's, say) leaves no session behind (as Flask-Login, which marks
            // only a request carrying the cookie).
            return;
        }
        change_cookie(req, CookieChange::Clear);
    }
    if let Err(error) = req.get_session().insert(REMEMBER_KEY, "clear") {
        tracing::warn!(error = %error, "the remember cookie cannot be marked cleared: {error}");
    }
}

/// Logs `id` in, freshly when `fresh` (Flask-Login's `login_user(user, fresh=...)`): the short
/// form of [`Login`], not remembered, for an app whose user loader does not check users. `fresh`
/// says the user just proved who they are (with a password, say): `#[fresh_login_required]`
/// accepts the login for [`LoginManager::fresh_for`].
///
/// # Errors
/// [`CheckpointError::IdentityMiddlewareMissing`] without actix-identity's `IdentityMiddleware`
/// (log it, and answer 500), [`CheckpointError::SessionWrite`] when the session refuses the
/// write, [`CheckpointError::LoginNeedsUser`] when the manager's user loader checks users
/// (`is_active`, `revocation_stamp`): use [`Login`] there.
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
    let login = || {
        // Not remembered: logins are rare, and each is worth the probe.
        SessionProbe::new().verify(req)?;
        let manager = LoginManager::of(req);
        if manager
            .user_loader
            .as_ref()
            .is_some_and(|loader| loader.checks_users)
        {
            return Err(CheckpointError::LoginNeedsUser);
        }
        let login = Written {
            fresh,
            stamp: None,
            forced: false,
        };
        log_in(req, &manager, id.into(), login, None)
    };
    login().map_err(|error| logged("login_user", req, error))
}

/// Logs `id` in, recording what `login` says, and remembers it for `remember`'s lifetime or clears
/// any remember cookie: what [`Login`] and [`login_user`] do once they know the user may log in.
fn log_in(
    req: &HttpRequest,
    manager: &LoginManager,
    id: String,
    login: Written<'_>,
    remember: Option<(&RememberSettings, Duration)>,
) -> Result<(), CheckpointError> {
    let stamp = login.stamp;
    write_login(req, id.clone(), login, manager)?;
    req.extensions_mut().insert(LoginChanged);
    match remember {
        Some((settings, lifetime)) => {
            // Remembered anew: the session takes remember cookies again.
            req.get_session().remove(REMEMBER_KEY);
            let remembered = RememberedLogin::new(id.clone(), stamp.map(str::to_owned), lifetime);
            change_cookie(req, CookieChange::Set(settings.cookie(&remembered)));
        }
        None => forget_remembered(req),
    }
    emit(req, manager, LoginEvent::LoggedIn { id: &id });
    Ok(())
}

/// What the session records of a login besides its identity.
struct Written<'a> {
    /// Made with a password: the time is recorded.
    fresh: bool,
    /// The user's revocation stamp.
    stamp: Option<&'a str>,
    /// An inactive user, logged in with [`Login::force`].
    forced: bool,
}

/// Writes the login of `id` into the session: actix-identity's login (which renews the session
/// id), what `login` records, the client's identifier.
fn write_login(
    req: &HttpRequest,
    id: String,
    login: Written<'_>,
    manager: &LoginManager,
) -> Result<(), CheckpointError> {
    let Written {
        fresh,
        stamp,
        forced,
    } = login;
    writable(&req.get_session())?;
    let login = catch_unwind(AssertUnwindSafe(|| {
        Identity::login(&req.extensions(), id).map(drop)
    }))
    .map_err(|_| CheckpointError::IdentityMiddlewareMissing)?;
    login.map_err(CheckpointError::session_write)?;
    let session = req.get_session();
    if fresh {
        session
            .insert(FRESH_AT_KEY, unix_now())
            .map_err(CheckpointError::session_write)?;
    } else {
        session.remove(FRESH_AT_KEY);
    }
    match stamp {
        Some(stamp) => session
            .insert(STAMP_KEY, stamp)
            .map_err(CheckpointError::session_write)?,
        None => drop(session.remove(STAMP_KEY)),
    }
    if forced {
        session
            .insert(FORCED_KEY, true)
            .map_err(CheckpointError::session_write)?;
    } else {
        session.remove(FORCED_KEY);
    }
    protection::remember_client(req, manager.client_address)
        .map_err(CheckpointError::session_write)?;
    session_probe::watch_write(req, "A login");
    Ok(())
}

/// Marks the request's login fresh again (Flask-Login's `confirm_login()`), after the user
/// re-entered their password, say; also records this client for session protection.
///
/// # Errors
/// [`CheckpointError::SessionMiddlewareMissing`] without a session,
/// [`CheckpointError::SessionWrite`] when the session refuses the write.
///
/// ```
/// use actix_web::{post, HttpRequest, HttpResponse};
/// use checkpoint_runtime::{confirm_login, login_required, CheckpointError};
///
/// #[post("/reauthenticate")]
/// #[login_required]
/// async fn reauthenticate(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
///     // ... check the password again ...
///     confirm_login(&req)?;
///     Ok(HttpResponse::SeeOther().insert_header(("location", "/settings")).finish())
/// }
/// ```
pub fn confirm_login(req: &HttpRequest) -> Result<(), CheckpointError> {
    let confirm = || {
        SessionProbe::new().verify(req)?;
        let manager = LoginManager::of(req);
        let session = req.get_session();
        writable(&session)?;
        session
            .insert(FRESH_AT_KEY, unix_now())
            .map_err(CheckpointError::session_write)?;
        protection::remember_client(req, manager.client_address)
            .map_err(CheckpointError::session_write)?;
        session_probe::watch_write(req, "A login confirmation");
        emit(req, &manager, LoginEvent::LoginConfirmed);
        Ok(())
    };
    confirm().map_err(|error| logged("confirm_login", req, error))
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

/// Ends the login of `identity`: the session cleared (but for the request's flash messages) and
/// its id renewed, the remember cookie cleared.
fn end_login(req: &HttpRequest, identity: Identity) {
    // Not `identity.logout()`: actix-identity's default purge marks the session so that nothing
    // written later in the request is saved, and a flash such as "You have been logged out" would
    // be lost without a word. Clearing and renewing is the purge's effect (nothing of the session
    // carried over, a new id against fixation) with the session still writable.
    drop(identity);
    let session = req.get_session();
    // Flashes written before the logout in this request are kept for the next page too.
    let flashes = session.get::<serde_json::Value>(FLASHES_KEY).ok().flatten();
    session.clear();
    session.renew();
    if let Some(flashes) = flashes {
        if let Err(error) = session.insert(FLASHES_KEY, flashes) {
            tracing::warn!(error = %error, "the flash messages of a logout cannot be kept: {error}");
        }
    }
    forget_remembered(req);
    req.extensions_mut().insert(LoginChanged);
}

/// Logs the request's user out (Flask-Login's `logout_user`): the session is cleared and its id
/// renewed (what actix-identity's default logout, a purge, does, whatever `logout_behavior` the
/// `IdentityMiddleware` was built with), and the remember cookie cleared. Logging out a request
/// that is not logged in clears only the remember cookie.
///
/// Flash messages survive it: one flashed before or after `logout_user` in the same request
/// ("You have been logged out") is shown on the next page, as with Flask-Login. Nothing else of
/// the session does (Flask-Login keeps the app's other keys: here a logout leaves nothing of the
/// old session behind).
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
        match session_identity(req)? {
            Some(identity) => {
                let id = identity.id().ok();
                end_login(req, identity);
                if let Some(id) = &id {
                    emit(req, &LoginManager::of(req), LoginEvent::LoggedOut { id });
                }
            }
            None => forget_remembered(req),
        }
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
        let forever = LoginManager::new().no_session_protection();
        let minute = forever.clone().fresh_for(Duration::from_secs(60));
        assert!(!fresh_in_window(&req, &forever), "no password login");

        let now = unix_now();
        session.insert(FRESH_AT_KEY, now - 30).unwrap();
        assert!(fresh_in_window(&req, &forever) && fresh_in_window(&req, &minute));
        session.insert(FRESH_AT_KEY, now - 61).unwrap();
        assert!(fresh_in_window(&req, &forever) && !fresh_in_window(&req, &minute));
        // A window of a minute ends when the minute is up.
        session.insert(FRESH_AT_KEY, unix_now() - 60).unwrap();
        assert!(!fresh_in_window(&req, &minute));
        // A time in the future (a clock step back) counts as fresh, not as a panic.
        session.insert(FRESH_AT_KEY, now + 3600).unwrap();
        assert!(fresh_in_window(&req, &minute));
        session.insert(FRESH_AT_KEY, "yesterday").unwrap();
        assert!(
            !fresh_in_window(&req, &forever),
            "an undecodable time is not fresh"
        );
    }

    #[test]
    fn a_freshness_time_without_a_login_is_not_fresh() {
        let req = TestRequest::default().to_http_request();
        req.get_session().insert(FRESH_AT_KEY, unix_now()).unwrap();
        protection::remember_client(&req, protection::ClientAddress::Peer).unwrap();
        assert!(
            fresh_for_this_client(&req, &LoginManager::new()),
            "fresh, were it a login"
        );
        assert!(!login_fresh(&req), "no identity: no one's freshness");
    }

    #[test]
    fn with_session_protection_a_fresh_login_is_fresh_for_its_client_only() {
        let protected = LoginManager::new();
        let login_client = TestRequest::default()
            .insert_header(("user-agent", "Firefox"))
            .to_http_request();
        login_client
            .get_session()
            .insert(FRESH_AT_KEY, unix_now())
            .unwrap();
        assert!(
            !fresh_for_this_client(&login_client, &protected),
            "no client recorded"
        );
        protection::remember_client(&login_client, protected.client_address).unwrap();
        assert!(fresh_for_this_client(&login_client, &protected));
        assert!(fresh_for_this_client(
            &login_client,
            &LoginManager::new().no_session_protection()
        ));
    }
}
