//! Session checkpoints for Actix Web handlers.
//!
//! `#[checkpoint(...)]` guards a handler with a check of the session, in the manner of
//! Flask-Imp's `@checkpoint(SessionCheckpoint(...).action(...))`: when the check fails the
//! checkpoint flashes a message and redirects, or answers an error, before the handler or any of
//! its extractors runs. Several can be stacked; they run top to bottom.
//!
//! ```no_run
//! use actix_session::{storage::CookieSessionStore, Session, SessionMiddleware};
//! use actix_web::{cookie::Key, get, App, HttpResponse, HttpServer, Responder};
//! use checkpoint_runtime::{checkpoint, FlashMessages};
//!
//! #[get("/admin")]
//! #[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("login_page"),
//!              message = "Login required")]
//! #[checkpoint(session_key = "user_type", values = ["admin", "editor"], fail_url = "/",
//!              message = "Admins only", message_category = "warning")]
//! async fn admin_page() -> impl Responder {
//!     "the admin page"
//! }
//!
//! #[get("/login")]
//! async fn login_page(flashes: FlashMessages) -> impl Responder {
//!     let notes: Vec<_> = flashes.iter().map(|flash| flash.message().to_owned()).collect();
//!     format!("Log in. {}", notes.join(" "))
//! }
//!
//! #[get("/")]
//! async fn index(session: Session) -> impl Responder {
//!     let _ = session.insert("logged_in", true);
//!     let _ = session.insert("user_type", "admin");
//!     HttpResponse::Ok().body("logged in as an admin")
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let key = Key::generate();
//!     HttpServer::new(move || {
//!         App::new()
//!             .wrap(SessionMiddleware::new(CookieSessionStore::default(), key.clone()))
//!             .service(admin_page)
//!             .service(login_page)
//!             .service(index)
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! }
//! ```
//!
//! # Options
//!
//! | option | meaning |
//! |---|---|
//! | `session_key = "k"`, `values = V` | the session value under `k` must be `V`: a string, integer or bool literal, or an array of them |
//! | `fail_url = "/path"` or `url_for("route", "arg", ...)` | on failure, flash `message` and redirect (302) |
//! | `pass_url = ...` | on success, flash `message` and redirect instead of running the handler (ignored when `fail_json` is set) |
//! | `fail_json = { ... }` | on failure, answer this JSON object with `fail_status` |
//! | `fail_response = path::to::func` | on failure, answer `func(&HttpRequest) -> HttpResponse` |
//! | `fail_status = 401` | status of `fail_json` and of the default failure (default 403) |
//! | `message = "..."`, `message_category = "..."` | the flash message of a redirect, and its category (default `"message"`) |
//! | `disable_default_fail` | when nothing above answers a failure, run the handler anyway |
//! | `NAME` | a [`Checkpoint`] declared once, e.g. a `const` built with [`SessionCheckpoint::new`] |
//! | `crate = path` | in any one attribute of a stack: the name the app gave this crate in its `Cargo.toml`, if it renamed it (`guard = { package = "checkpoint-runtime", ... }` → `crate = guard`) |
//!
//! # Kinds of checkpoint
//!
//! Every option above except `session_key`/`values` works with every kind:
//!
//! | attribute | passes when | runtime type |
//! |---|---|---|
//! | `session_key = "k", values = V` | the session value under `k` is allowed | [`SessionCheck`] |
//! | `api_key = EXPR` (+ `header = "x-api-key"` or `query = "api_key"`) | the header (default `x-api-key`) or query parameter equals `EXPR` | [`ApiKeyCheck`] |
//! | `bearer = EXPR` | `Authorization: Bearer <token>` carries `EXPR` | [`BearerCheck`] |
//! | `check = path::to::predicate` | the `async fn` of extractors returns `true` | [`PredicateCheck`] |
//! | `#[include_csrf(session_key = "csrf", form_key = "csrf")]` | a safe method, or the request echoes the session's CSRF token (failure: 401) | [`CsrfCheck`] |
//! | `NAME` | any [`Checkpoint`] value, including your own [`Check`] types | [`Checkpoint<C>`] |
//! | `any(...)`, `all(...)`, `not(...)` | one operand passes, every one does, its operand fails; see [Combinations](#combinations) | [`AnyOf`], [`AllOf`], [`Not`] |
//! | `#[login_required]`, `#[fresh_login_required]` | a (fresh) login; see below | [`LoginRequired`] |
//!
//! `EXPR` is any expression yielding something `AsRef<str>`, evaluated on each request, so keys
//! can come from configuration. Keys and tokens are compared in constant time (`subtle`).
//!
//! A [`Checkpoint`] value is also middleware: `.wrap(NAME)` guards a whole `web::scope` or `App`
//! with the same semantics.
//!
//! On failure the first of these that applies answers: `fail_json`, `fail_response`, `fail_url`,
//! `disable_default_fail`; otherwise a JSON client (`Accept` or `Content-Type` naming
//! `application/json` or `application/*+json`, or `X-Requested-With: XMLHttpRequest`, the same
//! rule as the login layer's) gets `{"error": "Unauthorized"}` and any other a plain-text
//! response, both with `fail_status`.
//!
//! # Combinations
//!
//! Flask-Imp stacks checkpoints, which is *and*, each with its own action. One attribute can
//! combine checks with `any(...)`, `all(...)` and `not(...)`, under one set of action options:
//!
//! ```
//! use actix_web::{get, Responder};
//! use checkpoint_runtime::{checkpoint, AllowedValue, SessionCheckpoint};
//!
//! const ADMIN: SessionCheckpoint = SessionCheckpoint::new("role", &[AllowedValue::Str("admin")]);
//! const API_KEY: &str = "k3y";
//!
//! #[get("/reports")]
//! #[checkpoint(any(ADMIN, (session_key = "owner", values = true), (api_key = API_KEY)),
//!              fail_url = "/", message = "Admins, owners and the reporting job only")]
//! async fn reports() -> impl Responder {
//!     "reports"
//! }
//!
//! #[get("/beta")]
//! #[checkpoint(all(ADMIN, not((session_key = "plan", values = "free"))), fail_status = 404)]
//! async fn beta() -> impl Responder {
//!     "beta"
//! }
//! ```
//!
//! - An operand is a checkpoint's name (its check counts, its action is ignored), a check in
//!   parentheses (`(session_key = "k", values = V)`, `(api_key = EXPR, header = "...")`,
//!   `(bearer = EXPR)`, `(check = path)`, with no action options), or another combination.
//!   Any number of operands; `not` takes one.
//! - Operands run in the order written and stop as soon as the verdict is known: `any` at the
//!   first that passes, `all` at the first that fails. The session is loaded once for the
//!   request (by `SessionMiddleware`); each session operand looks up its own key.
//! - The expected keys (`api_key`, `bearer`) are evaluated before the first operand runs. An
//!   operand that cannot decide (a key expression that panics, a session the app does not
//!   provide) fails the whole combination closed, with a `500`, even where another operand
//!   would have passed: a fault is never read as a verdict, under `not` neither.
//! - Misuse is a compile error on the tokens at fault: `any()` empty, `not` with other than one
//!   operand, an action option inside an operand, a check's options outside the combination.
//! - For middleware, build the value by hand: `Checkpoint::with_check(AnyOf((ADMIN_CHECK,
//!   ApiKeyCheck::header("x-api-key", API_KEY))))`.
//!
//! # Logins (Flask-Login)
//!
//! `#[login_required]` and `#[fresh_login_required]` require a logged-in identity, kept in the
//! session by actix-identity; they stack with `#[checkpoint]` and `#[include_csrf]`, top to
//! bottom, and take no options: a [`LoginManager`] registered with `App::app_data` says where a
//! refused browser goes (its `login_view`, with `next=<path and query>` and a flashed
//! `login_message`), while an API request (`Accept` or `Content-Type` JSON, or
//! `X-Requested-With: XMLHttpRequest`) gets `401` JSON, and without a login view it is a plain
//! `401`. `OPTIONS` requests pass. [`login_user`] and [`logout_user`] log in and out;
//! [`CurrentUser<U>`] is the user a [`UserLoader<U>`] loads; registered on the manager
//! ([`LoginManager::user_loader`]), it also verifies every login, once per request, so that a
//! deleted account is anonymous, an inactive one ([`UserLoader::is_active`]) too, and a login
//! made before the user's [revocation stamp](UserLoader::revocation_stamp) changed ends.
//! [`Login`] is Flask-Login's `login_user` with its `remember`, `duration`, `force` and
//! `fresh`; "remember me" needs the [`RememberMe`] middleware, whose encrypted cookie restores a
//! login, not fresh, when the session is gone. [Session protection](SessionProtection) (`Basic`
//! by default) and [login events](LoginEvent) are Flask-Login's too. Register
//! [`IdentityMiddleware`] (actix-identity's, re-exported) before `SessionMiddleware`, which then
//! runs first; without it the login layer answers `500`.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use actix_session::{storage::CookieSessionStore, SessionMiddleware};
//! use actix_web::{cookie::Key, get, post, App, HttpRequest, HttpResponse, HttpServer, Responder};
//! use checkpoint_runtime::{
//!     fresh_login_required, login_required, login_user, url_for, CheckpointError, CurrentUser,
//!     IdentityMiddleware, LoginManager,
//! };
//!
//! #[derive(Clone)]
//! struct User { name: String }
//!
//! #[get("/profile")]
//! #[login_required]
//! async fn profile(user: CurrentUser<User>) -> impl Responder {
//!     format!("Hello {}", user.name)
//! }
//!
//! #[post("/password")]
//! #[fresh_login_required]
//! async fn change_password() -> impl Responder {
//!     "changed"
//! }
//!
//! #[get("/login")]
//! async fn login_page() -> impl Responder {
//!     "the login form"
//! }
//!
//! #[post("/login")]
//! async fn login(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
//!     // ... check the password, then:
//!     login_user(&req, "alice", true)?;
//!     Ok(HttpResponse::SeeOther().insert_header(("location", "/profile")).finish())
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let key = Key::generate();
//!     HttpServer::new(move || {
//!         App::new()
//!             .app_data(
//!                 LoginManager::new()
//!                     .login_view(url_for("login_page"))
//!                     .fresh_for(Duration::from_secs(15 * 60))
//!                     .user_loader(async |id: &str| Some(User { name: id.to_owned() })),
//!             )
//!             .wrap(IdentityMiddleware::default())
//!             .wrap(SessionMiddleware::new(CookieSessionStore::default(), key.clone()))
//!             .service(profile)
//!             .service(change_password)
//!             .service(login_page)
//!             .service(login)
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! }
//! ```
//!
//! # Login required by default
//!
//! `.wrap(LoginRequired::LOGGED_IN)` on the app requires a login for every route, the ones
//! added later included (Django's `LoginRequiredMiddleware`), and [`login_not_required`] on a
//! handler, above its route attribute, makes its route public for the methods it serves. The
//! middleware runs before routing: it resolves the request's path to a route name through the
//! app's resource map, and lets the request through unchecked when that route is a public one
//! serving the method. Where the map cannot tell the public handler from another (two routes of
//! one name, a route of that name at another path, one of the same path in another scope), the
//! route stays guarded and a `warn` event says why. A URL no route matches is a `404`.
//!
//! A public route inside a scope is not public for a path a route of another scope also
//! matches, and an app honours only the public handlers it mounts (each records its route when
//! the app builds it).
//!
//! Known limits (the resource map holds neither guards nor handlers, nor default services):
//! - a public route inside a **guarded** scope (`guard::Host`, a header): when the guard declines
//!   a request, routing goes on past the scope; where no route or prefix service (actix-files'
//!   `Files`) of another scope takes the path, it reaches a default service (another scope's,
//!   the app's `default_service`) without a login. Register public routes
//!   on the app itself or in scopes without guards;
//! - the records of public routes are taken by the next `LoginRequired` built on the same
//!   thread: an app built there before it without one (several apps on one thread: tests,
//!   servers of several apps) leaves its records to it, which then counts a route of the same
//!   name, path and method as public. Give public routes names and paths of their own.
//!
//! # Matching is by JSON type
//!
//! actix-session stores values as JSON. A checkpoint compares JSON types strictly: `true` is not
//! `1` and not `"true"`, `2` is not `"2"`. (Flask-Imp, in Python, lets `1` pass for `True`.) A
//! stored list passes when any element is allowed. A missing key or invalid JSON fails.
//!
//! # Failing closed
//!
//! Nothing on the request path panics. When a checkpoint cannot decide or answer (no
//! `SessionMiddleware`, a `url_for` naming no route, a panicking `fail_response`), the handler
//! does not run: the request gets `500 Internal Server Error` and the cause is logged, as a
//! [`CheckpointError`]. actix-identity's `IdentityMiddleware` without
//! `SessionMiddleware` leaves a stand-in session nothing can tell from a loaded one: the first
//! write the library makes to it is found unsaved when the request ends, logged, and from then on
//! the app's checkpoints answer `500` as if no session middleware ran.
//!
//! # Events
//!
//! Every refusal is a `tracing` event at `debug` and every fault one at `error` (an undecodable
//! session value at `warn`), with structured fields: `kind` (`"session"`, `"api_key"`,
//! `"bearer"`, `"check"`, `"csrf"`, `"login"`), `subject` (the session key, the header, the
//! login's reason), `method`, `path`, `route` (the matched resource's name: the handler's, under
//! `#[get]` and the like), the answer's `status`, and `error` or `reason` where there is one.
//! actix-web already depends on `tracing`, so this adds no crate; with no `tracing` subscriber
//! set, every event reaches the `log` facade instead (tracing's `log` feature), message and
//! fields on one line.
//!
//! # What it expands to
//!
//! One wrapper per handler, whatever the number of stacked attributes. The wrapper keeps the
//! handler's name, visibility and other attributes and runs the checkpoints in order before any
//! of the handler's extractors. A handler without arguments guarded only by session checkpoints
//! (the common case) gets a plain `fn` taking the request: session checks never wait, so they
//! run when actix-web calls it, reading the session once for the whole stack, and the only
//! future is the handler's own:
//!
//! ```ignore
//! fn admin_page(req: HttpRequest) -> Guarded<impl Future<Output = impl Responder>> {
//!     // Guarded<F> is a future of `Either<HttpResponse, F::Output>`.
//!     async fn __checkpoint_handler() -> impl Responder { "the admin page" }
//!     const __CHECKPOINT_0: SessionCheckpoint = SessionCheckpoint::new("logged_in", ...)
//!         .action(Action::new().fail_url(url_for("login_page")).message("Login required"));
//!     const __CHECKPOINT_1: SessionCheckpoint = SessionCheckpoint::new("user_type", ...)
//!         .action(Action::new().fail_url(RedirectTarget::Path("/")).message("Admins only"));
//!     if let ControlFlow::Break(response) =
//!         enforce_sessions(&[&__CHECKPOINT_0, &__CHECKPOINT_1], &req, &PROBE)
//!     {
//!         return Guarded::refused(response);
//!     }
//!     Guarded::running(__checkpoint_handler())
//! }
//! ```
//!
//! Otherwise (a checkpoint that may wait, or a handler with extractors) the wrapper is an
//! `async fn` taking the request and the unread payload; it awaits each checkpoint, then
//! extracts the handler's arguments and calls it:
//!
//! ```ignore
//! async fn change_password(req: HttpRequest, payload: web::Payload)
//!     -> Either<HttpResponse, impl Responder>
//! {
//!     async fn __checkpoint_handler(form: web::Form<Change>) -> impl Responder { ... }
//!     let mut payload = payload.into_inner();
//!     // ... session checkpoints as above, then:
//!     if let ControlFlow::Break(response) =
//!         Enforce::enforce_with(&__CHECKPOINT_1, &req, &mut payload, &PROBE).await
//!     {
//!         return Either::Left(response);
//!     }
//!     call_handler(__checkpoint_handler, req, payload).await
//! }
//! ```
//!
//! `#[login_required]` is one more step of the same kind, [`Enforce`] being the one way into
//! every checkpoint, for the expansion and the middleware alike; its answers are the
//! `LoginManager`'s:
//!
//! ```ignore
//! if let ControlFlow::Break(response) = Enforce::enforce_with(&LoginRequired::LOGGED_IN,
//!     &req, &mut payload, &PROBE).await { return Either::Left(response); }
//! ```
//!
//! A session or CSRF checkpoint is a `const`. An `api_key`, `bearer` or `check` checkpoint is
//! built on each request, since its expression is evaluated then (and a function's type cannot
//! be named in a `const`); its action stays a `const`:
//!
//! ```ignore
//! const __CHECKPOINT_ACTION_1: Action = Action::new().fail_status(401);
//! let __checkpoint_key_1 = config::api_key();
//! let __checkpoint_1 = Checkpoint::with_check(ApiKeyCheck::header("x-api-key",
//!     AsRef::<str>::as_ref(&__checkpoint_key_1))).action(__CHECKPOINT_ACTION_1);
//! ```
//!
//! `PROBE` is a `static` of the handler's that remembers `SessionMiddleware` was found, emitted
//! only when a checkpoint of the stack may touch the session.
//!
//! # Where things are
//!
//! | module | what |
//! |---|---|
//! | `decision` | the decision order of every checkpoint: what a pass or a fail becomes, in one place |
//! | `checks` | [`Check`], [`Checkpoint`], [`Enforce`], and each kind of check |
//! | `response` | [`Action`], redirects ([`RedirectTarget`], [`url_for`], [`is_safe_redirect`]), flash messages, [`FailJson`] |
//! | `login` | the login layer, behind the `login` feature (on by default) |
//! | `middleware` | [`Checkpoint`] and `LoginRequired` as `.wrap(...)` middleware |
//! | `route_tree` | the routes of an app, read from its resource map |
//! | `error` | [`CheckpointError`], the one cause of a `500` |
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | (none) | always | `#[checkpoint]` with every kind of check but CSRF, every action, flash messages, middleware |
//! | `login` | on | the login layer on actix-identity; without it `#[login_required]` is a compile error that says to turn it on |
//! | `csrf` | on | `#[include_csrf]` and `CsrfCheck` (getrandom, multer); without it `#[include_csrf]` is a compile error that says to turn it on |
//! | `test-util` | off | `testing::TestSession`, for an app's own tests (turns on `login`) |
//!
//! Events go through `tracing`, which every actix-web build already has: there is no feature
//! for it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(feature = "csrf", feature = "login"))]
mod body;
mod checks;
mod decision;
mod error;
#[cfg(feature = "login")]
#[cfg_attr(docsrs, doc(cfg(feature = "login")))]
mod login;
mod middleware;
mod response;
mod route_tree;
mod session_probe;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Helpers for an app's own tests (the `test-util` feature, which turns on `login`).
///
/// [`TestSession`](testing::TestSession) is Flask-Login's `FlaskLoginClient` and Flask's
/// `session_transaction()`: a session cookie in which a user is logged in and any values are
/// set, written by the app's own `SessionMiddleware`.
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing {
    pub use crate::login::test_session::TestSession;
}

/// The README's Rust examples, compiled as doc tests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;

/// Guards an `async fn` handler with a checkpoint (Flask-Imp's `@checkpoint`): a check of the
/// session or of the request, and what to answer when it fails. The options are in [the
/// crate's table](crate#options), the kinds of check and the order in which a failure is
/// answered in [Kinds of checkpoint](crate#kinds-of-checkpoint). A misused option is a compile
/// error on its tokens.
///
/// ```
/// use actix_web::{get, post, web, Responder};
/// use checkpoint_runtime::{checkpoint, AllowedValue, SessionCheckpoint};
///
/// const STAFF: SessionCheckpoint = SessionCheckpoint::new("staff", &[AllowedValue::Bool(true)]);
///
/// #[get("/admin")]
/// #[checkpoint(session_key = "role", values = ["admin", "editor"], fail_url = url_for("login"),
///              message = "Admins only", message_category = "warning")]
/// async fn admin() -> impl Responder {
///     "the admin page"
/// }
///
/// #[post("/api/items/{id}")]
/// #[checkpoint(api_key = "k3y", header = "x-api-key", fail_json = { "error": "bad key" },
///              fail_status = 401)]
/// #[checkpoint(STAFF)]
/// async fn update(id: web::Path<u32>) -> impl Responder {
///     format!("updated {id}")
/// }
///
/// // Checks combined under one action: see [Combinations](crate#combinations).
/// #[get("/reports")]
/// #[checkpoint(any(STAFF, (bearer = "t0ken")), fail_json = { "error": "staff only" })]
/// async fn reports() -> impl Responder {
///     "reports"
/// }
/// ```
pub use checkpoint_macros::checkpoint;

/// Guards an `async fn` handler with a CSRF check (Flask-Imp's `include_csrf`): safe methods
/// pass and make sure the session holds a token (in `session_key`, default `"csrf"`); any other
/// must send it back in the form field `form_key` (default `"csrf"`) or the `X-CSRF-Token`
/// header. A failure answers `401` unless the action options (`fail_url`, `fail_json`,
/// `fail_status`, ...) say otherwise. See [`CsrfCheck`]. Needs the `csrf` feature (on by
/// default); without it, a compile error says so.
///
/// ```
/// use actix_session::Session;
/// use actix_web::{get, post, web, Responder};
/// use checkpoint_runtime::include_csrf;
///
/// #[get("/comment")]
/// #[include_csrf]
/// async fn form(session: Session) -> impl Responder {
///     let token: String = session.get("csrf").ok().flatten().unwrap_or_default();
///     format!(r#"<form method="post"><input type="hidden" name="csrf" value="{token}"></form>"#)
/// }
///
/// #[post("/comment")]
/// #[include_csrf(fail_status = 400, fail_json = { "error": "The CSRF token is missing." })]
/// async fn submit(body: web::Bytes) -> impl Responder {
///     format!("{} bytes", body.len())
/// }
/// ```
pub use checkpoint_macros::include_csrf;

/// Requires a logged-in identity (Flask-Login's `@login_required`), kept in the session by
/// actix-identity. Takes no options: the app's [`LoginManager`] says where a refused browser
/// goes (its login view, with `next`), and an API client gets `401` JSON. Needs the `login`
/// feature (on by default); without it, a compile error says so. See [Logins](crate#logins-flask-login).
///
/// ```
/// use actix_web::{get, Responder};
/// use checkpoint_runtime::{checkpoint, login_required, CurrentUser};
///
/// #[derive(Clone)]
/// struct User { name: String }
///
/// #[get("/profile")]
/// #[login_required]
/// async fn profile(user: CurrentUser<User>) -> impl Responder {
///     format!("Hello {}", user.name)
/// }
///
/// #[get("/admin")]
/// #[login_required]
/// #[checkpoint(session_key = "role", values = "admin", fail_url = "/", message = "Admins only")]
/// async fn admin() -> impl Responder {
///     "the admin page"
/// }
/// ```
pub use checkpoint_macros::login_required;

/// Requires a fresh login (Flask-Login's `@fresh_login_required`): one made with a password
/// ([`login_user`] with `fresh`) within [`LoginManager::fresh_for`]. A stale login goes to the
/// manager's refresh view. Needs the `login` feature (on by default).
///
/// ```
/// use actix_web::{post, Responder};
/// use checkpoint_runtime::fresh_login_required;
///
/// #[post("/password")]
/// #[fresh_login_required]
/// async fn change_password() -> impl Responder {
///     "changed"
/// }
/// ```
pub use checkpoint_macros::fresh_login_required;

/// Makes a handler's route public when the app requires a login by default (Django's
/// `@login_not_required`): `.wrap(LoginRequired::LOGGED_IN)` on the app guards every route, the
/// ones you forgot included, and the few that must stay open (the login page, a health check)
/// say so. Write it above the route attribute, which it reads: the middleware runs before
/// routing and recognises the route by its name, path and methods. Needs the `login` feature
/// (on by default). See [Login required by default](crate#login-required-by-default).
///
/// ```
/// use actix_web::{get, post, App, Responder};
/// use checkpoint_runtime::{login_not_required, url_for, LoginManager, LoginRequired};
///
/// #[login_not_required]
/// #[get("/login")]
/// async fn login_page() -> impl Responder {
///     "the login form"
/// }
///
/// #[login_not_required]
/// #[get("/health")]
/// async fn health() -> impl Responder {
///     "ok"
/// }
///
/// // No attribute: requires a login.
/// #[post("/notes")]
/// async fn add_note() -> impl Responder {
///     "added"
/// }
///
/// let app = App::new()
///     .app_data(LoginManager::new().login_view(url_for("login_page")))
///     .service(login_page)
///     .service(health)
///     .service(add_note)
///     // Registered before the identity and session middleware, so it runs after them.
///     .wrap(LoginRequired::LOGGED_IN);
/// # let _ = app;
/// ```
pub use checkpoint_macros::login_not_required;

#[cfg(feature = "csrf")]
#[cfg_attr(docsrs, doc(cfg(feature = "csrf")))]
pub use crate::checks::{CsrfCheck, CsrfCheckpoint};
#[cfg(feature = "login")]
#[cfg_attr(docsrs, doc(cfg(feature = "login")))]
pub use crate::login::{
    confirm_login, login_fresh, login_remembered, login_user, logout_user, ClientAddress,
    CurrentUser, IdentityMiddleware, IntoUserLoader, Login, LoginEvent, LoginManager,
    LoginRequired, LoginRequiredMiddleware, RememberMe, RememberMeFuture, RememberMeMiddleware,
    SessionProtection, UnauthorizedHandler, UserLoader, CLIENT_KEY, DEFAULT_LOGIN_MESSAGE,
    DEFAULT_NEEDS_REFRESH_MESSAGE, DEFAULT_REMEMBER_COOKIE_NAME, DEFAULT_REMEMBER_DURATION,
    FORCED_KEY, FRESH_AT_KEY, REMEMBER_KEY, STAMP_KEY,
};
pub use crate::{
    checks::{
        AllOf, AllowedValue, AnyOf, ApiKeyCheck, BearerCheck, Check, Checkpoint, Enforce,
        KeyLocation, Not, Outcome, PredicateCheck, SessionCheck, SessionCheckpoint,
    },
    error::{Cause, CheckpointError},
    middleware::{CheckpointMiddleware, Unmatched},
    response::{
        flash, is_safe_redirect, login_url, url_for, Action, FailJson, FailResponse, FlashMessage,
        FlashMessages, RedirectTarget, FLASHES_KEY, NEXT_KEY,
    },
};
