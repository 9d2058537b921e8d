//! The login layer's configuration, registered as app data: Flask-Login's `LoginManager`.

use std::{any::TypeId, borrow::Cow, fmt, future::Future, rc::Rc, time::Duration};

use actix_web::{web, web::Bytes, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use crate::{
    login::{
        current_user::PooledLoad,
        current_user::{IntoUserLoader, UserFacts},
        events::{LoginEvent, LoginEventHooks},
        protection::{ClientAddress, SessionProtection},
        state::LoadedUser,
    },
    response::redirect::RedirectTarget,
};

/// A function that builds the whole response to a request that is not logged in (Flask-Login's
/// `unauthorized_handler`), or not freshly enough (`needs_refresh_handler`).
pub type UnauthorizedHandler = fn(&HttpRequest) -> HttpResponse;

/// Flask-Login's default `login_message`.
pub const DEFAULT_LOGIN_MESSAGE: &str = "Please log in to access this page.";

/// Flask-Login's default `needs_refresh_message`.
pub const DEFAULT_NEEDS_REFRESH_MESSAGE: &str = "Please reauthenticate to access this page.";

type RequestLoaderFn = dyn Fn(&HttpRequest) -> LocalBoxFuture<'static, Option<String>>;

type LocalizeFn = dyn Fn(&HttpRequest, &str) -> String;

type BodyLoaderFn = dyn Fn(&HttpRequest, Bytes) -> LocalBoxFuture<'static, Option<String>>;

type LoadUserFn = dyn Fn(String) -> PooledLoad;

/// The manager's user loader ([`LoginManager::user_loader`]), for its user type, whichever it is:
/// what the login check verifies each login with.
#[derive(Clone)]
pub(crate) struct AnyUserLoader {
    /// The user type the loader loads.
    pub(crate) user_type: TypeId,
    /// What is known of the user `id` if it was loaded for the request already.
    pub(crate) loaded: fn(&HttpRequest, &str) -> Option<UserFacts>,
    /// Starts loading the user `id` (the id is kept with the user, not copied).
    pub(crate) load: Rc<LoadUserFn>,
    /// Marks the user `id` loaded for the request as verified by a login check.
    pub(crate) mark_verified: fn(&HttpRequest, &str),
    /// Whether the loader says more of a user than that it exists (active, stamp), which a login
    /// must then ask it.
    pub(crate) checks_users: bool,
}

/// How `#[login_required]` and `#[fresh_login_required]` answer a request they refuse, and how a
/// request without a session identity may still be authenticated: Flask-Login's `LoginManager`.
///
/// Register it with `App::app_data(manager)` (or in a `web::Data`). Without one, the defaults apply: no login view,
/// so a refused request gets a plain `401 Unauthorized`.
///
/// ```
/// use std::time::Duration;
///
/// use actix_web::{App, HttpRequest, HttpResponse};
/// use checkpoint_runtime::{url_for, LoginManager};
///
/// let manager = LoginManager::new()
///     .login_view(url_for("login_page"))
///     .login_message("Log in first")
///     .login_message_category("info")
///     .refresh_view(url_for("reauthenticate"))
///     .fresh_for(Duration::from_secs(15 * 60))
///     // An API token stands for the identity it was issued to.
///     .request_loader(|req: &HttpRequest| {
///         let token = req.headers().get("x-api-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
///         async move { token.filter(|token| token == "t0ken").map(|_| String::from("api-user")) }
///     });
/// let app = App::new().app_data(manager);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct LoginManager {
    pub(crate) login_view: Option<RedirectTarget>,
    pub(crate) login_message: Option<Cow<'static, str>>,
    pub(crate) login_message_category: Cow<'static, str>,
    pub(crate) refresh_view: Option<RedirectTarget>,
    pub(crate) needs_refresh_message: Option<Cow<'static, str>>,
    pub(crate) needs_refresh_message_category: Cow<'static, str>,
    pub(crate) fresh_for: Option<Duration>,
    pub(crate) unauthorized_handler: Option<UnauthorizedHandler>,
    pub(crate) needs_refresh_handler: Option<UnauthorizedHandler>,
    pub(crate) request_loader: Option<Rc<RequestLoaderFn>>,
    pub(crate) body_loader: Option<(Rc<BodyLoaderFn>, usize)>,
    pub(crate) user_loader: Option<AnyUserLoader>,
    pub(crate) session_protection: Option<SessionProtection>,
    pub(crate) client_address: ClientAddress,
    pub(crate) event_hooks: LoginEventHooks,
    pub(crate) next_field: Cow<'static, str>,
    pub(crate) use_session_for_next: bool,
    pub(crate) force_host: Option<Cow<'static, str>>,
    pub(crate) localize: Option<Rc<LocalizeFn>>,
}

impl LoginManager {
    /// Flask-Login's defaults: no login or refresh view, its default messages in category
    /// `"message"`, a login fresh for as long as the session lasts, `Basic` session protection
    /// (by the peer's address).
    pub fn new() -> Self {
        Self {
            login_view: None,
            login_message: Some(Cow::Borrowed(DEFAULT_LOGIN_MESSAGE)),
            login_message_category: Cow::Borrowed("message"),
            refresh_view: None,
            needs_refresh_message: Some(Cow::Borrowed(DEFAULT_NEEDS_REFRESH_MESSAGE)),
            needs_refresh_message_category: Cow::Borrowed("message"),
            fresh_for: None,
            unauthorized_handler: None,
            needs_refresh_handler: None,
            request_loader: None,
            body_loader: None,
            user_loader: None,
            session_protection: Some(SessionProtection::Basic),
            client_address: ClientAddress::Peer,
            event_hooks: LoginEventHooks::default(),
            next_field: Cow::Borrowed("next"),
            use_session_for_next: false,
            force_host: None,
            localize: None,
        }
    }

    /// Where a browser that is not logged in is sent, with `next=<its path and query>`: a route
    /// name (`url_for("login_page")`) or a path (`RedirectTarget::Path("/login")`).
    ///
    /// ```
    /// use checkpoint_runtime::{LoginManager, RedirectTarget};
    /// let manager = LoginManager::new().login_view(RedirectTarget::Path("/login"));
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn login_view(mut self, target: RedirectTarget) -> Self {
        self.login_view = Some(target);
        self
    }

    /// The message flashed on the way to the login view (default
    /// [`DEFAULT_LOGIN_MESSAGE`]).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().login_message("Members only");
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn login_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.login_message = Some(message.into());
        self
    }

    /// Flash nothing on the way to the login view (Flask-Login's `login_message = None`).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().no_login_message();
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn no_login_message(mut self) -> Self {
        self.login_message = None;
        self
    }

    /// The category of the login message (default `"message"`).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().login_message_category("info");
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn login_message_category(mut self, category: impl Into<Cow<'static, str>>) -> Self {
        self.login_message_category = category.into();
        self
    }

    /// Where `#[fresh_login_required]` sends a browser whose login is not fresh, with `next`.
    /// Without one such a request gets `401 Unauthorized`.
    ///
    /// ```
    /// use checkpoint_runtime::{url_for, LoginManager};
    /// let manager = LoginManager::new().refresh_view(url_for("reauthenticate"));
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn refresh_view(mut self, target: RedirectTarget) -> Self {
        self.refresh_view = Some(target);
        self
    }

    /// The message flashed on the way to the refresh view (default
    /// [`DEFAULT_NEEDS_REFRESH_MESSAGE`]).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().needs_refresh_message("Confirm your password");
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn needs_refresh_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.needs_refresh_message = Some(message.into());
        self
    }

    /// The category of the refresh message (default `"message"`).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().needs_refresh_message_category("warning");
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn needs_refresh_message_category(
        mut self,
        category: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.needs_refresh_message_category = category.into();
        self
    }

    /// How long a login with a password ([`login_user`](crate::login_user) with `fresh`) stays
    /// fresh. Without it a fresh login stays fresh for the rest of the session, as in
    /// Flask-Login.
    ///
    /// ```
    /// use std::time::Duration;
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().fresh_for(Duration::from_secs(600));
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn fresh_for(mut self, window: Duration) -> Self {
        self.fresh_for = Some(window);
        self
    }

    /// Replaces the whole response to a request that is not logged in (Flask-Login's
    /// `unauthorized_handler`), browser or API alike.
    ///
    /// ```
    /// use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
    /// use checkpoint_runtime::LoginManager;
    ///
    /// fn not_logged_in(_: &HttpRequest) -> HttpResponse {
    ///     HttpResponse::Forbidden().body("members only")
    /// }
    /// let manager = LoginManager::new().unauthorized_handler(not_logged_in);
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn unauthorized_handler(mut self, handler: UnauthorizedHandler) -> Self {
        self.unauthorized_handler = Some(handler);
        self
    }

    /// Replaces the whole response to a login that is not fresh enough (Flask-Login's
    /// `needs_refresh_handler`).
    ///
    /// ```
    /// use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
    /// use checkpoint_runtime::LoginManager;
    ///
    /// fn stale(_: &HttpRequest) -> HttpResponse {
    ///     HttpResponse::Unauthorized().body("log in again")
    /// }
    /// let manager = LoginManager::new().needs_refresh_handler(stale);
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn needs_refresh_handler(mut self, handler: UnauthorizedHandler) -> Self {
        self.needs_refresh_handler = Some(handler);
        self
    }

    /// Authenticates a request that carries no session identity (Flask-Login's
    /// `request_loader`), from an API token header for instance: `loader` answers the identity
    /// id the request stands for, or `None`. Such a login is never fresh and is not stored in
    /// the session. The future must own what it needs of the request.
    ///
    /// ```
    /// use actix_web::HttpRequest;
    /// use checkpoint_runtime::LoginManager;
    ///
    /// let manager = LoginManager::new().request_loader(|req: &HttpRequest| {
    ///     let token = req.headers().get("x-api-token").cloned();
    ///     async move { token.filter(|token| token == "t0ken").map(|_| "api-user".to_owned()) }
    /// });
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn request_loader<F, Fut>(mut self, loader: F) -> Self
    where
        F: Fn(&HttpRequest) -> Fut + 'static,
        Fut: Future<Output = Option<String>> + 'static,
    {
        self.request_loader = Some(Rc::new(move |req: &HttpRequest| {
            Box::pin(loader(req)) as LocalBoxFuture<'static, Option<String>>
        }));
        self
    }

    /// Authenticates a request that carries no session identity from its body (Flask-Login's
    /// `request_loader` reading `request.form`): `loader` gets the body, at most `limit` bytes
    /// (256 KiB is what the CSRF check reads), and answers the identity id, or `None`. Tried
    /// after the [`request_loader`](Self::request_loader). The body is handed on intact to the
    /// handler, read or not (a larger one is not given to `loader`).
    ///
    /// Only the login checks (`#[login_required]`, `#[fresh_login_required]`, `LoginRequired`
    /// as middleware) can read the body: a [`CurrentUser`](crate::CurrentUser) on a route
    /// without one does not call `loader`. Such a login is never fresh and is not stored in the
    /// session.
    ///
    /// ```
    /// use actix_web::{web::Bytes, HttpRequest};
    /// use checkpoint_runtime::LoginManager;
    ///
    /// let manager = LoginManager::new().request_loader_with_body(
    ///     |_: &HttpRequest, body: Bytes| async move {
    ///         // A form field `api_token=...`.
    ///         let token = form_urlencoded::parse(&body)
    ///             .find(|(name, _)| name == "api_token")
    ///             .map(|(_, value)| value.into_owned());
    ///         token.filter(|token| token == "t0ken").map(|_| "api-user".to_owned())
    ///     },
    ///     256 * 1024,
    /// );
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn request_loader_with_body<F, Fut>(mut self, loader: F, limit: usize) -> Self
    where
        F: Fn(&HttpRequest, Bytes) -> Fut + 'static,
        Fut: Future<Output = Option<String>> + 'static,
    {
        let loader = Rc::new(move |req: &HttpRequest, body: Bytes| {
            Box::pin(loader(req, body)) as LocalBoxFuture<'static, Option<String>>
        });
        self.body_loader = Some((loader, limit));
        self
    }

    /// Loads the app's user from an identity id (Flask-Login's `@login_manager.user_loader`),
    /// and makes every login check verify the login with it: `#[login_required]`,
    /// `#[fresh_login_required]` and `LoginRequired` as middleware load the user once per
    /// request, and a login whose user `load` no longer finds (a deleted account) is anonymous,
    /// then tried with the [`request_loader`](Self::request_loader), as Flask-Login's
    /// `_load_user` does. [`CurrentUser<U>`](crate::CurrentUser) takes the user loaded by the
    /// check rather than loading it again. A [`UserLoader<U>`](crate::UserLoader) with
    /// [`is_active`](crate::UserLoader::is_active) or
    /// [`revocation_stamp`](crate::UserLoader::revocation_stamp) also ends the logins of
    /// inactive users and of stamps gone by; logins are then made with
    /// [`Login`](crate::Login), which asks the loader.
    ///
    /// A [`UserLoader<U>`](crate::UserLoader) registered as app data on its own
    /// (`App::app_data(UserLoader::new(...))`, the older way) serves `CurrentUser<U>` only, and
    /// the login check passes any identity in the session.
    ///
    /// ```
    /// use actix_web::App;
    /// use checkpoint_runtime::{url_for, LoginManager};
    ///
    /// struct User { name: String }
    ///
    /// let manager = LoginManager::new()
    ///     .login_view(url_for("login_page"))
    ///     // Look the user up; `None` once the account is gone.
    ///     .user_loader(async |id: &str| (id == "alice").then(|| User { name: id.to_owned() }));
    /// let app = App::new().app_data(manager);
    /// # let _ = app;
    /// ```
    #[must_use]
    pub fn user_loader<U: 'static>(mut self, loader: impl IntoUserLoader<U>) -> Self {
        let loader = Rc::new(loader.into_user_loader());
        self.user_loader = Some(AnyUserLoader {
            user_type: TypeId::of::<U>(),
            loaded: LoadedUser::<U>::loaded_facts,
            mark_verified: LoadedUser::<U>::mark_verified,
            checks_users: loader.checks_users(),
            load: Rc::new(move |id| (loader.load_into_request)(id, Rc::clone(&loader))),
        });
        self
    }

    /// What a login made by another client loses (Flask-Login's `session_protection`, default
    /// [`SessionProtection::Basic`]): every login stores an identifier of its client (a hash of
    /// its address and `User-Agent`), and every login check compares.
    ///
    /// ```
    /// use checkpoint_runtime::{LoginManager, SessionProtection};
    /// let manager = LoginManager::new().session_protection(SessionProtection::Strong);
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn session_protection(mut self, mode: SessionProtection) -> Self {
        self.session_protection = Some(mode);
        self
    }

    /// No session protection (Flask-Login's `session_protection = None`).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().no_session_protection();
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn no_session_protection(mut self) -> Self {
        self.session_protection = None;
        self
    }

    /// Which address identifies the client for session protection (default
    /// [`ClientAddress::Peer`]; [`ClientAddress::Forwarded`] behind a proxy that sets
    /// `Forwarded` or `X-Forwarded-For`).
    ///
    /// ```
    /// use checkpoint_runtime::{ClientAddress, LoginManager};
    /// let manager = LoginManager::new().client_address(ClientAddress::Forwarded);
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn client_address(mut self, address: ClientAddress) -> Self {
        self.client_address = address;
        self
    }

    /// Calls `hook` with the request and each [`LoginEvent`] (Flask-Login's signals: logged in,
    /// logged out, unauthorized, needs refresh, loaded from the remember cookie or the request
    /// loader, login confirmed, session protected, accessed), after the hooks registered before.
    /// The events are `tracing` events at `debug` too (but `Accessed`), hook or not. A hook that
    /// panics is logged at `error`; the request goes on.
    ///
    /// ```
    /// use actix_session::SessionExt;
    /// use actix_web::HttpRequest;
    /// use checkpoint_runtime::{LoginEvent, LoginManager};
    ///
    /// let manager = LoginManager::new().on_event(|req: &HttpRequest, event: &LoginEvent<'_>| {
    ///     // A login restored from the remember cookie starts a new session: put back what the
    ///     // app keeps there besides the login.
    ///     if let LoginEvent::LoadedFromCookie { id } = event {
    ///         let _ = req.get_session().insert("greeting", format!("Welcome back, {id}"));
    ///     }
    /// });
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn on_event(mut self, hook: impl Fn(&HttpRequest, &LoginEvent<'_>) + 'static) -> Self {
        self.event_hooks.0.push(Rc::new(hook));
        self
    }

    /// The query field a login or refresh redirect puts the refused request's URL in (default
    /// `next`; Flask-Login's `login_url(..., next_field=...)`).
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().next_field("return_to");
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn next_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.next_field = field.into();
        self
    }

    /// Keeps the refused request's URL in the session, under [`NEXT_KEY`](crate::NEXT_KEY)
    /// (`"next"`), instead of the login view's query (Flask-Login's `USE_SESSION_FOR_NEXT`): the
    /// login handler reads it from there.
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().use_session_for_next(true);
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn use_session_for_next(mut self, in_session: bool) -> Self {
        self.use_session_for_next = in_session;
        self
    }

    /// Sends login and refresh redirects to `host` (`"example.com"` or `"example.com:8443"`)
    /// whatever host the view has (Flask-Login's `FORCE_HOST_FOR_REDIRECTS`): a path becomes
    /// `//host/path`.
    ///
    /// ```
    /// use checkpoint_runtime::LoginManager;
    /// let manager = LoginManager::new().force_host_for_redirects("accounts.example.com");
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn force_host_for_redirects(mut self, host: impl Into<Cow<'static, str>>) -> Self {
        self.force_host = Some(host.into());
        self
    }

    /// Passes the login and refresh messages through `localize` before they are flashed
    /// (Flask-Login's `localize_callback`), with the request, for its `Accept-Language` say.
    ///
    /// ```
    /// use actix_web::{http::header::ACCEPT_LANGUAGE, HttpRequest};
    /// use checkpoint_runtime::LoginManager;
    ///
    /// let manager = LoginManager::new().localize(|req: &HttpRequest, message: &str| {
    ///     let french = req
    ///         .headers()
    ///         .get(ACCEPT_LANGUAGE)
    ///         .is_some_and(|value| value.as_bytes().starts_with(b"fr"));
    ///     match message {
    ///         checkpoint_runtime::DEFAULT_LOGIN_MESSAGE if french => {
    ///             "Veuillez vous connecter pour accéder à cette page.".to_owned()
    ///         }
    ///         _ => message.to_owned(),
    ///     }
    /// });
    /// # let _ = manager;
    /// ```
    #[must_use]
    pub fn localize(mut self, localize: impl Fn(&HttpRequest, &str) -> String + 'static) -> Self {
        self.localize = Some(Rc::new(localize));
        self
    }

    /// `message` as the manager's `localize` makes it for `req`.
    pub(crate) fn localized<'a>(&self, req: &HttpRequest, message: &'a str) -> Cow<'a, str> {
        match &self.localize {
            Some(localize) => Cow::Owned(localize(req, message)),
            None => Cow::Borrowed(message),
        }
    }

    /// The app's manager, registered as it is or in a `web::Data`, or the defaults when it
    /// registered none.
    pub(crate) fn of(req: &HttpRequest) -> ManagerRef<'_> {
        match app_data::<Self>(req) {
            Some(manager) => ManagerRef::App(manager),
            None => ManagerRef::Defaults(DEFAULTS.with(Rc::clone)),
        }
    }
}

thread_local! {
    /// The defaults, for the apps of this thread that register no manager.
    static DEFAULTS: Rc<LoginManager> = Rc::new(LoginManager::new());
}

/// The manager a request is answered with ([`LoginManager::of`]): a pointer, never the manager
/// itself, which is 400 bytes. A login check's future holds one across its awaits, and a future
/// over 1 KiB leaves the allocator's fast path when actix boxes the handler's future (measured:
/// 500 instructions a request more, `BENCHMARKS.md`).
pub(crate) enum ManagerRef<'a> {
    /// The app's.
    App(&'a LoginManager),
    /// The defaults, shared by the thread.
    Defaults(Rc<LoginManager>),
}

impl std::ops::Deref for ManagerRef<'_> {
    type Target = LoginManager;

    fn deref(&self) -> &LoginManager {
        match self {
            Self::App(manager) => manager,
            Self::Defaults(manager) => manager,
        }
    }
}

/// The app data of type `T`, registered as it is (`.app_data(value)`) or, as is the habit with
/// actix, in a `web::Data` (`.app_data(web::Data::new(value))`).
pub(crate) fn app_data<T: 'static>(req: &HttpRequest) -> Option<&T> {
    req.app_data::<T>()
        .or_else(|| req.app_data::<web::Data<T>>().map(web::Data::get_ref))
}

impl Default for LoginManager {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LoginManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginManager")
            .field("login_view", &self.login_view)
            .field("login_message", &self.login_message)
            .field("login_message_category", &self.login_message_category)
            .field("refresh_view", &self.refresh_view)
            .field("needs_refresh_message", &self.needs_refresh_message)
            .field(
                "needs_refresh_message_category",
                &self.needs_refresh_message_category,
            )
            .field("fresh_for", &self.fresh_for)
            .field("unauthorized_handler", &self.unauthorized_handler.is_some())
            .field(
                "needs_refresh_handler",
                &self.needs_refresh_handler.is_some(),
            )
            .field("request_loader", &self.request_loader.is_some())
            .field(
                "request_loader_with_body",
                &self.body_loader.as_ref().map(|(_, limit)| limit),
            )
            .field("user_loader", &self.user_loader.is_some())
            .field("session_protection", &self.session_protection)
            .field("client_address", &self.client_address)
            .field("event_hooks", &self.event_hooks)
            .field("next_field", &self.next_field)
            .field("use_session_for_next", &self.use_session_for_next)
            .field("force_host_for_redirects", &self.force_host)
            .field("localize", &self.localize.is_some())
            .finish()
    }
}
