//! "Remember me" (Flask-Login's remember cookie): a long-lived cookie that restores a login when
//! the session is gone.
//!
//! The cookie holds the identity id, its expiry and the user's revocation stamp, encrypted and
//! authenticated with the app's key (AES-256-GCM, through the `cookie` crate's private jar, bound
//! to the cookie's name): it cannot be read, forged or moved to another cookie name, and it
//! expires on the server at the time inside it whatever the browser does with `Max-Age`. A login
//! restored from it is not fresh. [`RememberMe`] is the middleware that configures it and sets
//! or clears it on the way out; the login layer restores from it (`restore`, in `state`).

use std::{
    borrow::Cow,
    future::{ready, Future, Ready},
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll},
    time::Duration,
};

use actix_web::{
    cookie::{time, Cookie, CookieJar, Key, SameSite},
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    Error, HttpMessage, HttpRequest,
};

use pin_project_lite::pin_project;

use crate::login::state::{remember_cleared, unix_now};

/// Flask-Login's `REMEMBER_COOKIE_NAME`.
pub const DEFAULT_REMEMBER_COOKIE_NAME: &str = "remember_token";

/// Flask-Login's `REMEMBER_COOKIE_DURATION`: 365 days.
pub const DEFAULT_REMEMBER_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// "Remember me" for the routes it wraps: the remember cookie's key and settings, and the
/// middleware that sets and clears it (Flask-Login's `REMEMBER_COOKIE_*` configuration).
///
/// A login made with [`Login::remember`](crate::Login::remember) gets, besides the session, a
/// cookie that restores it when the session is gone (the browser closed, the session expired):
/// the first login check of a request without a session login restores it into the session,
/// not fresh ([`login_remembered`] says so). [`logout_user`](crate::logout_user) clears it. With
/// a [revocation stamp](crate::UserLoader::revocation_stamp) on the user loader, a cookie made
/// before the user's stamp changed (a password change, "log out everywhere") restores nothing.
///
/// Wrap the whole app with it: a logout on a route it does not wrap cannot clear the cookie (it
/// marks the session instead, so that the cookie restores nothing while that session lasts).
/// It must run before the login checks that should restore logins: after `SessionMiddleware` and
/// `IdentityMiddleware`, before a [`LoginRequired`](crate::LoginRequired) wrapped around the app
/// or a scope (with actix-web's `.wrap()`, the last registered runs first:
/// `.wrap(LoginRequired::LOGGED_IN).wrap(RememberMe::new(key)).wrap(IdentityMiddleware::default())`).
/// A check that runs outside it restores nothing and refuses as if there were no cookie.
///
/// The key encrypts and authenticates the cookie: keep it secret, the same on every instance of
/// the app, and different from the session key. An invalid, tampered, expired or foreign cookie
/// is ignored (the request is anonymous) and logged at `debug`.
///
/// ```
/// use std::time::Duration;
///
/// use actix_session::{storage::CookieSessionStore, SessionMiddleware};
/// use actix_web::{cookie::{Key, SameSite}, App};
/// use checkpoint_runtime::{IdentityMiddleware, RememberMe};
///
/// # let (session_key, remember_key) = (Key::generate(), Key::generate());
/// let app = App::new()
///     // Registered first, runs last: after sessions and identities.
///     .wrap(
///         RememberMe::new(remember_key)
///             .duration(Duration::from_secs(30 * 24 * 60 * 60))
///             .secure(true)
///             .same_site(SameSite::Strict),
///     )
///     .wrap(IdentityMiddleware::default())
///     .wrap(SessionMiddleware::new(CookieSessionStore::default(), session_key));
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct RememberMe {
    settings: Rc<RememberSettings>,
}

/// What [`RememberMe`] is configured with, shared by the requests it wraps.
pub(crate) struct RememberSettings {
    key: Key,
    name: Cow<'static, str>,
    pub(crate) duration: Duration,
    path: Cow<'static, str>,
    domain: Option<Cow<'static, str>>,
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    pub(crate) refresh_each_request: bool,
}

impl RememberMe {
    /// Flask-Login's defaults, with `key` encrypting the cookie: named `remember_token`, for 365
    /// days, on path `/`, `HttpOnly`, `SameSite=Lax`, not `Secure` (turn it on for HTTPS),
    /// not refreshed on each request.
    pub fn new(key: Key) -> Self {
        Self {
            settings: Rc::new(RememberSettings {
                key,
                name: Cow::Borrowed(DEFAULT_REMEMBER_COOKIE_NAME),
                duration: DEFAULT_REMEMBER_DURATION,
                path: Cow::Borrowed("/"),
                domain: None,
                secure: false,
                http_only: true,
                same_site: SameSite::Lax,
                refresh_each_request: false,
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut RememberSettings)) -> Self {
        if let Some(settings) = Rc::get_mut(&mut self.settings) {
            change(settings);
        } else {
            let mut settings = RememberSettings::clone(&self.settings);
            change(&mut settings);
            self.settings = Rc::new(settings);
        }
        self
    }

    /// The cookie's name (`REMEMBER_COOKIE_NAME`, default `remember_token`).
    #[must_use]
    pub fn cookie_name(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.with(|s| s.name = name.into())
    }

    /// How long a login is remembered (`REMEMBER_COOKIE_DURATION`, default 365 days), unless
    /// the login says otherwise ([`Login::duration`](crate::Login::duration)).
    #[must_use]
    pub fn duration(self, duration: Duration) -> Self {
        self.with(|s| s.duration = duration)
    }

    /// The cookie's path (`REMEMBER_COOKIE_PATH`, default `/`).
    #[must_use]
    pub fn path(self, path: impl Into<Cow<'static, str>>) -> Self {
        self.with(|s| s.path = path.into())
    }

    /// The cookie's domain (`REMEMBER_COOKIE_DOMAIN`, default none: the request's host only).
    #[must_use]
    pub fn domain(self, domain: impl Into<Cow<'static, str>>) -> Self {
        self.with(|s| s.domain = Some(domain.into()))
    }

    /// Whether the cookie is sent over HTTPS only (`REMEMBER_COOKIE_SECURE`, default `false`).
    #[must_use]
    pub fn secure(self, secure: bool) -> Self {
        self.with(|s| s.secure = secure)
    }

    /// Whether scripts cannot read the cookie (`REMEMBER_COOKIE_HTTPONLY`, default `true`).
    #[must_use]
    pub fn http_only(self, http_only: bool) -> Self {
        self.with(|s| s.http_only = http_only)
    }

    /// The cookie's `SameSite` (`REMEMBER_COOKIE_SAMESITE`, default `Lax`).
    #[must_use]
    pub fn same_site(self, same_site: SameSite) -> Self {
        self.with(|s| s.same_site = same_site)
    }

    /// Renews the cookie, for the whole of its login's duration again (the
    /// [`Login::duration`](crate::Login::duration), else this [`duration`](Self::duration)), on
    /// every request whose login a check verified and which carries the cookie
    /// (`REMEMBER_COOKIE_REFRESH_EACH_REQUEST`, default `false`).
    #[must_use]
    pub fn refresh_each_request(self, refresh: bool) -> Self {
        self.with(|s| s.refresh_each_request = refresh)
    }
}

impl Clone for RememberSettings {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            name: self.name.clone(),
            duration: self.duration,
            path: self.path.clone(),
            domain: self.domain.clone(),
            secure: self.secure,
            http_only: self.http_only,
            same_site: self.same_site,
            refresh_each_request: self.refresh_each_request,
        }
    }
}

impl std::fmt::Debug for RememberMe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.settings;
        f.debug_struct("RememberMe")
            .field("key", &"<secret>")
            .field("cookie_name", &s.name)
            .field("duration", &s.duration)
            .field("path", &s.path)
            .field("domain", &s.domain)
            .field("secure", &s.secure)
            .field("http_only", &s.http_only)
            .field("same_site", &s.same_site)
            .field("refresh_each_request", &s.refresh_each_request)
            .finish()
    }
}

/// The [`RememberMe`] settings of the route a request goes to, in its extensions.
#[derive(Clone)]
pub(crate) struct RememberRoute(pub(crate) Rc<RememberSettings>);

/// What to do with the remember cookie on the way out, left in the request by a login, a
/// logout, a restore or a refresh.
pub(crate) enum CookieChange {
    Set(Cookie<'static>),
    Clear,
}

/// A login the remember cookie holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RememberedLogin {
    pub(crate) id: String,
    /// When it stops restoring, in Unix seconds.
    pub(crate) expires: u64,
    /// The user's revocation stamp when the cookie was made.
    pub(crate) stamp: Option<String>,
    /// How long the login is remembered, in seconds: what a refresh renews it for (the login's
    /// own `duration`, as Flask-Login's `_remember_seconds`).
    pub(crate) lifetime: u64,
}

impl RememberedLogin {
    /// `id`, with `stamp`, remembered for `lifetime` from now.
    pub(crate) fn new(id: String, stamp: Option<String>, lifetime: Duration) -> Self {
        let mut login = Self {
            id,
            expires: 0,
            stamp,
            lifetime: lifetime.as_secs(),
        };
        login.renew();
        login
    }

    /// Remembered for its whole lifetime again, from now.
    pub(crate) fn renew(&mut self) {
        self.expires = unix_now().saturating_add(self.lifetime);
    }
}

impl RememberSettings {
    /// The cookie remembering `login`, for its lifetime.
    pub(crate) fn cookie(&self, login: &RememberedLogin) -> Cookie<'static> {
        let payload =
            serde_json::to_string(&(&login.id, login.expires, &login.stamp, login.lifetime))
                .unwrap_or_default();
        let mut cookie = self.named(payload);
        cookie.set_max_age(time::Duration::seconds(
            i64::try_from(login.lifetime).unwrap_or(i64::MAX),
        ));
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(cookie);
        jar.get(&self.name)
            .cloned()
            .unwrap_or_else(|| self.named(String::new()))
    }

    /// The cookie clearing the remember cookie (empty, expired).
    fn removal(&self) -> Cookie<'static> {
        let mut cookie = self.named(String::new());
        cookie.make_removal();
        cookie
    }

    fn named(&self, value: String) -> Cookie<'static> {
        let mut cookie = Cookie::new(self.name.clone(), value);
        cookie.set_path(self.path.clone());
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie.set_secure(self.secure);
        cookie.set_http_only(self.http_only);
        cookie.set_same_site(self.same_site);
        cookie
    }

    /// The login `req`'s remember cookie holds, if it has a valid, unexpired one.
    pub(crate) fn read(&self, req: &HttpRequest) -> Option<RememberedLogin> {
        let cookie = req.cookie(&self.name)?;
        let Some(plain) = CookieJar::new().private(&self.key).decrypt(cookie) else {
            tracing::debug!(
                cookie = %self.name,
                "the remember cookie does not decrypt with the app's key (tampered, or made \
                 with another key): ignored"
            );
            return None;
        };
        let Ok((id, expires, stamp, lifetime)) =
            serde_json::from_str::<(String, u64, Option<String>, u64)>(plain.value())
        else {
            tracing::debug!(cookie = %self.name, "the remember cookie's content is malformed: ignored");
            return None;
        };
        if expires <= unix_now() {
            tracing::debug!(cookie = %self.name, identity = %id, "the remember cookie expired: ignored");
            return None;
        }
        Some(RememberedLogin {
            id,
            expires,
            stamp,
            lifetime,
        })
    }

    /// Whether `req` carries a cookie of this name at all.
    pub(crate) fn present(&self, req: &HttpRequest) -> bool {
        req.cookie(&self.name).is_some()
    }
}

/// Whether the request's login came from, or is backed by, a valid remember cookie (Flask-Login's
/// `login_remembered()`): the request carries an unexpired remember cookie made with this app's
/// key, on a route [`RememberMe`] wraps, and its session has not logged out (or in without
/// "remember me") since.
///
/// ```
/// use actix_web::{get, HttpRequest, Responder};
/// use checkpoint_runtime::{login_remembered, login_required};
///
/// #[get("/welcome-back")]
/// #[login_required]
/// async fn welcome_back(req: HttpRequest) -> impl Responder {
///     if login_remembered(&req) { "Welcome back" } else { "Hello" }
/// }
/// ```
pub fn login_remembered(req: &HttpRequest) -> bool {
    let route = req.extensions().get::<RememberRoute>().cloned();
    route.is_some_and(|route| route.0.read(req).is_some()) && !remember_cleared(req)
}

/// Leaves `change` for [`RememberMe`] to make on the way out.
pub(crate) fn change_cookie(req: &HttpRequest, change: CookieChange) {
    req.extensions_mut().insert(change);
}

impl<S, B> Transform<S, ServiceRequest> for RememberMe
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RememberMeMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RememberMeMiddleware {
            service,
            settings: Rc::clone(&self.settings),
        }))
    }
}

/// The service [`RememberMe`] wraps around an app or scope.
pub struct RememberMeMiddleware<S> {
    service: S,
    settings: Rc<RememberSettings>,
}

impl<S, B> Service<ServiceRequest> for RememberMeMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = RememberMeFuture<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        req.extensions_mut()
            .insert(RememberRoute(Rc::clone(&self.settings)));
        RememberMeFuture {
            response: self.service.call(req),
            settings: Rc::clone(&self.settings),
        }
    }
}

pin_project! {
    /// The response of a route [`RememberMe`] wraps, with the remember cookie set or cleared as
    /// the request asked: a named future, not a boxed one (no allocation per request).
    pub struct RememberMeFuture<F> {
        #[pin]
        response: F,
        settings: Rc<RememberSettings>,
    }
}

impl<F, B> Future for RememberMeFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<B>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.response.poll(cx))?;
        let change = response.request().extensions_mut().remove::<CookieChange>();
        let cookie = match change {
            None => return Poll::Ready(Ok(response)),
            Some(CookieChange::Set(cookie)) => cookie,
            Some(CookieChange::Clear) => this.settings.removal(),
        };
        if let Err(error) = response.response_mut().add_cookie(&cookie) {
            tracing::error!(error = %error, "the remember cookie cannot be set: {error}");
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn settings() -> Rc<RememberSettings> {
        RememberMe::new(Key::generate()).settings
    }

    fn login(expires: u64) -> RememberedLogin {
        RememberedLogin {
            id: "alice".into(),
            expires,
            stamp: Some("v1".into()),
            lifetime: 60,
        }
    }

    fn carrying(cookie: &Cookie<'_>) -> HttpRequest {
        TestRequest::default()
            .cookie(Cookie::new(
                cookie.name().to_owned(),
                cookie.value().to_owned(),
            ))
            .to_http_request()
    }

    #[test]
    fn the_settings_show_in_debug_output_but_not_the_key() {
        let key = Key::generate();
        let shown = format!("{:?}", RememberMe::new(key.clone()).cookie_name("keep"));
        assert!(
            shown.contains("\"keep\"") && shown.contains("<secret>"),
            "{shown}"
        );
        let hex: String = key
            .master()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert!(!shown.contains(&hex[..16]));
        let manager = crate::LoginManager::new().on_event(|_, _| {});
        assert!(format!("{manager:?}").contains("1 hooks"));
    }

    #[test]
    fn a_cookie_reads_back_until_it_expires() {
        let settings = settings();
        let remembered = login(unix_now() + 60);
        let cookie = settings.cookie(&remembered);
        assert!(!cookie.value().contains("alice"), "the id is encrypted");
        assert_eq!(cookie.max_age(), Some(time::Duration::seconds(60)));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(settings.read(&carrying(&cookie)), Some(remembered));

        let expired = settings.cookie(&login(unix_now() - 1));
        assert_eq!(settings.read(&carrying(&expired)), None, "expired inside");
    }

    #[test]
    fn a_foreign_or_tampered_cookie_reads_as_none() {
        let settings = settings();
        let other = self::settings();
        let cookie = other.cookie(&login(unix_now() + 60));
        assert_eq!(settings.read(&carrying(&cookie)), None, "another key");

        let mut tampered = settings.cookie(&login(unix_now() + 60)).value().to_owned();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let req = TestRequest::default()
            .cookie(Cookie::new(DEFAULT_REMEMBER_COOKIE_NAME, tampered))
            .to_http_request();
        assert_eq!(settings.read(&req), None);

        for junk in ["", "alice", "%%%", "YWxpY2U="] {
            let req = TestRequest::default()
                .cookie(Cookie::new(DEFAULT_REMEMBER_COOKIE_NAME, junk))
                .to_http_request();
            assert_eq!(settings.read(&req), None, "{junk:?}");
        }
    }

    #[test]
    fn a_cookie_under_another_name_does_not_decrypt() {
        let settings = settings();
        let renamed = RememberMe {
            settings: Rc::clone(&settings),
        }
        .cookie_name("other")
        .settings;
        let cookie = settings.cookie(&login(unix_now() + 60));
        let moved = TestRequest::default()
            .cookie(Cookie::new("other", cookie.value().to_owned()))
            .to_http_request();
        assert_eq!(renamed.read(&moved), None);
    }
}
