//! The actix-checkpoint demo: a login form with CSRF protection, users with Argon2-hashed
//! passwords, a login required by default (`#[login_not_required]` on the public routes),
//! stacked checkpoints, flash messages and JSON API routes.
//! Run it with `cargo run -p demo` and open the printed URL.
//!
//! Users (in memory, hashed with Argon2 at start-up): `alice` / `wonderland` (admin) and `bob` /
//! `builder` (member).
//!
//! Environment:
//! - `REDIS_URL` (e.g. `redis://127.0.0.1:6379`): keep sessions in Redis instead of cookies,
//!   with the `redis` feature (`cargo run -p demo --features redis`); the demo exits with an
//!   error if Redis cannot be reached at start-up, or if it was built without the feature. The
//!   accounts' sessions epochs ("log out everywhere") are then kept in Redis too
//!   (`demo:sessions_epoch:<user>`), so that several instances sharing the Redis (and the keys
//!   below) share logins, flashes, CSRF tokens and log-outs. While Redis is unreachable, requests
//!   needing a session fail (`500`) and no login is honoured.
//! - `DEMO_ADDR`: the address to listen on, `127.0.0.1:8080` unless set.
//! - `DEMO_SESSION_KEY`: the key signing and encrypting the session cookie, 128 hex characters
//!   (64 bytes; `openssl rand -hex 64`). Unless set, a key generated at start-up: sessions end
//!   when the demo restarts, and no other instance can read them.
//! - `DEMO_REMEMBER_KEY`: the key of the remember-me cookie, likewise (and not the session
//!   key). Unless set, generated at start-up: remember cookies end when the demo restarts.
//!
//!   The demo exits with an error when either key is malformed. Give every instance serving the
//!   same users the same two keys. On the cookie store the sessions epochs are in memory: they
//!   restart at 0 with the demo, so a remember cookie revoked by "log out everywhere" before a
//!   restart works again after it when `DEMO_REMEMBER_KEY` is set.
//! - `DEMO_API_KEY`: the `x-api-key` of `/api/users`, `demo-api-key` unless set.
//! - `DEMO_API_TOKEN`: the bearer token of `/api/ping`, `demo-api-token` unless set.

mod accounts;
mod pages;

use std::{io, process::ExitCode, sync::Arc, sync::LazyLock};

use actix_session::{
    storage::{CookieSessionStore, SessionStore},
    Session, SessionExt, SessionMiddleware,
};
use actix_web::{
    cookie::Key, get, http::StatusCode, middleware::Logger, post, web, App, HttpRequest,
    HttpResponse, HttpServer, Responder,
};
use checkpoint_runtime::{
    checkpoint, flash, include_csrf, is_safe_redirect, login_fresh, login_not_required,
    login_required, logout_user, url_for, CurrentUser, FlashMessages, IdentityMiddleware, Login,
    LoginEvent, LoginManager, LoginRequired, RememberMe, UserLoader,
};
use serde::Deserialize;

use crate::{
    accounts::{Accounts, User},
    pages::Pages,
};

/// How long getting a Redis connection (waiting for one, connecting or checking it included) may
/// take: a Redis outage fails requests within it rather than holding them. A refused connection
/// fails at once.
#[cfg(feature = "redis")]
const REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The most Redis connections the pool holds (each multiplexed; one per Redis command at a
/// time): more than enough for two workers, so that a busy demo does not wait for one.
#[cfg(feature = "redis")]
const REDIS_POOL_SIZE: usize = 64;

/// The environment variables of the two keys.
const SESSION_KEY_VAR: &str = "DEMO_SESSION_KEY";
const REMEMBER_KEY_VAR: &str = "DEMO_REMEMBER_KEY";

/// The session key holding the logged-in user's role, read by the admin page's checkpoint.
const ROLE_KEY: &str = "role";

static API_KEY: LazyLock<String> =
    LazyLock::new(|| std::env::var("DEMO_API_KEY").unwrap_or_else(|_| "demo-api-key".to_owned()));
static API_TOKEN: LazyLock<String> = LazyLock::new(|| {
    std::env::var("DEMO_API_TOKEN").unwrap_or_else(|_| "demo-api-token".to_owned())
});

/// The predicate of the checkpoints that look for a logged-in user.
async fn is_logged_in(user: Option<CurrentUser<User>>) -> bool {
    user.is_some()
}

#[login_not_required]
#[get("/")]
#[include_csrf]
async fn index(
    pages: web::Data<Pages>,
    session: Session,
    user: Option<CurrentUser<User>>,
    flashes: FlashMessages,
) -> HttpResponse {
    pages
        .page("index.html", "Home")
        .user(user.as_deref())
        .flashes(&flashes)
        .render(&session)
}

/// The login form; an already logged-in user goes to the profile instead (`pass_url`).
#[login_not_required]
#[get("/login")]
#[checkpoint(check = is_logged_in, pass_url = "/profile", message = "You are already logged in.",
             message_category = "success", disable_default_fail)]
#[include_csrf]
async fn login_page(
    pages: web::Data<Pages>,
    session: Session,
    flashes: FlashMessages,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let next = query.into_inner().next.unwrap_or_default();
    pages
        .page("login.html", "Log in")
        .flashes(&flashes)
        .with(minijinja::context! { next })
        .render(&session)
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    /// The "Remember me" checkbox: sent (as `on`) only when ticked.
    #[serde(default)]
    remember: Option<String>,
}

#[login_not_required]
#[post("/login")]
#[include_csrf]
async fn login(
    req: HttpRequest,
    session: Session,
    accounts: web::Data<Accounts>,
    pages: web::Data<Pages>,
    form: web::Form<LoginForm>,
) -> actix_web::Result<HttpResponse> {
    let LoginForm {
        username,
        password,
        next,
        remember,
    } = form.into_inner();
    let accounts = accounts.into_inner();
    let name = username.clone();
    // Argon2 takes tens of milliseconds on purpose: keep it off the async worker.
    let verified = web::block(move || accounts.verify(&name, &password)).await?;
    let Some(role) = verified else {
        return Ok(pages
            .page("login.html", "Log in")
            .status(StatusCode::UNAUTHORIZED)
            .note("error", "Invalid username or password.")
            .with(minijinja::context! { next })
            .render(&session));
    };
    // Fresh (the password was just typed), remembered when the box is ticked.
    // The login records the user's revocation stamp, which the user loader reads.
    let login = Login::new(username.as_str()).remember(remember.is_some());
    if !login.login(&req).await? {
        return Ok(HttpResponse::Forbidden().body("this account cannot log in"));
    }
    session.insert(ROLE_KEY, role)?;
    flash(&session, &format!("Welcome, {username}."), "success")?;
    let target = if !next.is_empty() && is_safe_redirect(&next) {
        next.as_str()
    } else {
        "/profile"
    };
    Ok(see_other(target))
}

/// No login attribute: the app requires a login by default.
#[get("/profile")]
#[include_csrf]
async fn profile(
    req: HttpRequest,
    pages: web::Data<Pages>,
    session: Session,
    user: CurrentUser<User>,
    flashes: FlashMessages,
) -> HttpResponse {
    // A login restored from the remember cookie is not fresh.
    let fresh = login_fresh(&req);
    pages
        .page("profile.html", "Profile")
        .user(Some(&user))
        .flashes(&flashes)
        .with(minijinja::context! { fresh })
        .render(&session)
}

/// Stacked: logged in first (else the login page; the app requires it anyway, and the attribute
/// says so where the handler is read), then the session's role (else home).
#[get("/admin")]
#[login_required]
#[checkpoint(session_key = "role", values = ["admin"], fail_url = "/", message = "Admins only",
             message_category = "error")]
#[include_csrf]
async fn admin(
    pages: web::Data<Pages>,
    session: Session,
    user: CurrentUser<User>,
    flashes: FlashMessages,
) -> HttpResponse {
    pages
        .page("admin.html", "Admin")
        .user(Some(&user))
        .flashes(&flashes)
        .render(&session)
}

#[post("/logout")]
#[include_csrf]
async fn logout(req: HttpRequest, session: Session) -> actix_web::Result<HttpResponse> {
    logout_user(&req)?;
    // Flask-Login's idiom: the flash written after the logout reaches the next page.
    flash(&session, "You have been logged out.", "success")?;
    Ok(see_other("/"))
}

/// Ends every login of the user, on every device and browser: sessions and remember cookies.
#[post("/logout-everywhere")]
#[include_csrf]
async fn logout_everywhere(
    req: HttpRequest,
    user: CurrentUser<User>,
    accounts: web::Data<Accounts>,
) -> actix_web::Result<HttpResponse> {
    // Not recorded (Redis down): nothing was revoked, say so rather than log out this session
    // alone.
    if let Err(error) = accounts.log_out_everywhere(&user.name).await {
        log::error!("cannot log {} out everywhere: {error}", user.name);
        return Err(actix_web::error::ErrorServiceUnavailable(
            "cannot log out everywhere now; nothing was changed, try again",
        ));
    }
    logout_user(&req)?;
    Ok(see_other("/"))
}

/// JSON for a logged-in session; anyone else gets the `fail_json` body, never a redirect: public
/// for the app-wide login requirement, which would send a browser to the login page.
#[login_not_required]
#[get("/api/status")]
#[checkpoint(check = is_logged_in,
             fail_json = { "error": "Unauthorized", "hint": "log in at /login" }, fail_status = 401)]
async fn api_status(user: CurrentUser<User>) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "user": user.name }))
}

/// JSON for callers sending `x-api-key: $DEMO_API_KEY`: machines, which do not log in.
#[login_not_required]
#[get("/api/users")]
#[checkpoint(api_key = API_KEY.as_str(), header = "x-api-key", fail_status = 401)]
async fn api_users(accounts: web::Data<Accounts>) -> impl Responder {
    HttpResponse::Ok().json(accounts.users())
}

/// JSON for callers sending `Authorization: Bearer $DEMO_API_TOKEN`: machines, which do not log
/// in.
#[login_not_required]
#[get("/api/ping")]
#[checkpoint(bearer = API_TOKEN.as_str(), fail_status = 401)]
async fn api_ping() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "pong": true }))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let address = std::env::var("DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let accounts = match Accounts::demo() {
        Ok(accounts) => Arc::new(accounts),
        Err(error) => {
            log::error!("cannot hash the demo passwords: {error}");
            return ExitCode::FAILURE;
        }
    };
    for (name, password, role) in accounts::DEMO_USERS {
        log::info!("demo user: {name} / {password} ({role})");
    }
    let pages = match Pages::new() {
        Ok(pages) => web::Data::new(pages),
        Err(error) => {
            log::error!("the templates do not compile: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let keys = match (
        key_from_env(SESSION_KEY_VAR, "sessions end when the demo restarts"),
        key_from_env(
            REMEMBER_KEY_VAR,
            "remember cookies end when the demo restarts",
        ),
    ) {
        (Ok(session), Ok(remember)) if session.master() == remember.master() => {
            log::error!("{REMEMBER_KEY_VAR} must not be {SESSION_KEY_VAR}: give each its own key");
            return ExitCode::FAILURE;
        }
        (Ok(session), Ok(remember)) => Keys { session, remember },
        (Err(error), _) | (_, Err(error)) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let served = match std::env::var("REDIS_URL") {
        #[cfg(feature = "redis")]
        Ok(url) => match redis_store(&url).await {
            Ok((store, pool)) => {
                log::info!(
                    "session store and sessions epochs: Redis at {}",
                    redacted(&url)
                );
                let accounts = Arc::new(
                    Arc::into_inner(accounts)
                        .expect("the accounts are not shared yet")
                        .with_epochs_in_redis(pool),
                );
                let app_state = AppState { accounts, pages };
                serve(move || store.clone(), &address, app_state, keys).await
            }
            Err(error) => {
                log::error!(
                    "cannot connect to Redis at {} (REDIS_URL): {error:#}",
                    redacted(&url)
                );
                return ExitCode::FAILURE;
            }
        },
        #[cfg(not(feature = "redis"))]
        Ok(_) => {
            log::error!(
                "REDIS_URL is set, but this demo was built without Redis: \
                 `cargo run -p demo --features redis`"
            );
            return ExitCode::FAILURE;
        }
        Err(_) => {
            log::info!("session store: cookies (set REDIS_URL to use Redis)");
            let app_state = AppState { accounts, pages };
            serve(CookieSessionStore::default, &address, app_state, keys).await
        }
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error!("cannot serve on {address} (DEMO_ADDR): {error}");
            ExitCode::FAILURE
        }
    }
}

/// The demo app, its sessions in `store` under `key`. Every route requires a login but those
/// marked `#[login_not_required]`.
fn app<S: SessionStore + 'static>(
    state: &AppState,
    store: S,
    key: Key,
    remember_key: Key,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let loader_accounts = Arc::clone(&state.accounts);
    let hook_accounts = Arc::clone(&state.accounts);
    App::new()
        .app_data(
            LoginManager::new()
                .login_view(url_for("login_page"))
                .login_message_category("warning")
                // Every login is checked against the accounts, once per request, and ends when
                // the account logs out everywhere.
                .user_loader(
                    UserLoader::new(async move |id: &str| loader_accounts.user(id).await)
                        .revocation_stamp(|user: &User| user.sessions_epoch.to_string()),
                )
                // A login restored from the remember cookie starts a new session: put the role
                // the admin page's checkpoint reads back into it.
                .on_event(move |req: &HttpRequest, event: &LoginEvent<'_>| {
                    if let LoginEvent::LoadedFromCookie { id } = event {
                        if let Some(role) = hook_accounts.role(id) {
                            if let Err(error) = req.get_session().insert(ROLE_KEY, role) {
                                log::error!("the role of {id} cannot be restored: {error}");
                            }
                        }
                    }
                }),
        )
        .app_data(web::Data::from(Arc::clone(&state.accounts)))
        .app_data(state.pages.clone())
        // The last `.wrap()` runs first: sessions, then identities on top of them, then the
        // login every route requires.
        .wrap(LoginRequired::LOGGED_IN)
        // Before the login check: it restores remembered logins.
        .wrap(RememberMe::new(remember_key))
        .wrap(IdentityMiddleware::default())
        .wrap(
            SessionMiddleware::builder(store, key)
                .cookie_secure(false)
                .build(),
        )
        .wrap(Logger::default())
        .service(index)
        .service(login_page)
        .service(login)
        .service(profile)
        .service(admin)
        .service(logout)
        .service(logout_everywhere)
        .service(api_status)
        .service(api_users)
        .service(api_ping)
}

/// What every worker shares.
#[derive(Clone)]
struct AppState {
    accounts: Arc<Accounts>,
    pages: web::Data<Pages>,
}

/// The session cookie's key and the remember cookie's.
struct Keys {
    session: Key,
    remember: Key,
}

/// The key in the environment variable `var` (128 hex characters), or one generated for this
/// run when it is unset, logging what that means (`generated`). An error naming `var` when it
/// is set but malformed.
fn key_from_env(var: &str, generated: &str) -> Result<Key, String> {
    match std::env::var(var) {
        Ok(hex) => parse_key(&hex).map_err(|why| {
            format!("{var} is malformed: {why}; expected 128 hex characters (64 bytes), e.g. from `openssl rand -hex 64`")
        }),
        Err(std::env::VarError::NotPresent) => {
            log::info!("{var} is not set: a key generated for this run, {generated}");
            Ok(Key::generate())
        }
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{var} is not valid UTF-8")),
    }
}

/// A key from exactly 128 hex characters.
fn parse_key(hex: &str) -> Result<Key, String> {
    let hex = hex.trim();
    if hex.len() != 128 {
        return Err(format!("{} characters", hex.len()));
    }
    let bytes = hex
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or("not hexadecimal")
        })
        .collect::<Result<Vec<u8>, _>>()?;
    Key::try_from(bytes.as_slice()).map_err(|error| error.to_string())
}

/// A pool of Redis connections (with [`REDIS_TIMEOUT`]s) and the session store on it, once a
/// connection answers: the demo does not start on a Redis it cannot reach.
#[cfg(feature = "redis")]
async fn redis_store(
    url: &str,
) -> anyhow::Result<(
    actix_session::storage::RedisSessionStore,
    deadpool_redis::Pool,
)> {
    use actix_session::storage::RedisSessionStore;
    use deadpool_redis::{redis, Config, PoolConfig, Runtime, Timeouts};

    let mut config = Config::from_url(url);
    config.pool = Some(PoolConfig {
        max_size: REDIS_POOL_SIZE,
        timeouts: Timeouts {
            wait: Some(REDIS_TIMEOUT),
            create: Some(REDIS_TIMEOUT),
            recycle: Some(REDIS_TIMEOUT),
        },
        ..PoolConfig::default()
    });
    let pool = config.create_pool(Some(Runtime::Tokio1))?;
    let mut connection = pool.get().await?;
    redis::cmd("PING")
        .query_async::<String>(&mut connection)
        .await?;
    drop(connection);
    let store = RedisSessionStore::new_pooled(pool.clone()).await?;
    Ok((store, pool))
}

/// Runs the app with sessions kept in the store `new_store` makes (once per worker).
async fn serve<S>(
    new_store: impl Fn() -> S + Clone + Send + 'static,
    address: &str,
    state: AppState,
    keys: Keys,
) -> io::Result<()>
where
    S: SessionStore + 'static,
{
    let Keys {
        session: key,
        remember: remember_key,
    } = keys;
    let server =
        HttpServer::new(move || app(&state, new_store(), key.clone(), remember_key.clone()))
            .bind(address)?;
    log::info!("demo listening on http://{address}/");
    server.run().await
}

#[cfg(feature = "redis")]
/// The URL without its password, fit for a log.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{http::header, test};

    use super::*;

    /// A key is 128 hex characters; anything else is refused, with what is wrong.
    #[actix_web::test]
    async fn keys_are_128_hex_characters() {
        let hex = "0123456789abcdefABCDEF".repeat(6)[..128].to_owned();
        let key = parse_key(&hex).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(key.master()[..3], [0x01, 0x23, 0x45]);
        assert!(parse_key(&hex[..126])
            .err()
            .unwrap()
            .contains("126 characters"));
        assert!(parse_key(&format!("{}zz", &hex[..126]))
            .err()
            .unwrap()
            .contains("not hexadecimal"));
        assert!(parse_key(&format!("{}é", &hex[..126])).is_err());
    }

    /// Every route of the demo requires a login but the public ones; one added without an
    /// attribute does too; a URL no route matches is a 404.
    #[actix_web::test]
    async fn every_route_requires_a_login_but_the_public_ones() {
        let state = AppState {
            accounts: Arc::new(Accounts::demo().unwrap()),
            pages: web::Data::new(Pages::new().unwrap()),
        };
        let app = test::init_service(
            app(
                &state,
                CookieSessionStore::default(),
                Key::generate(),
                Key::generate(),
            )
            .route("/added", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let to_login = |uri: &str| format!("/login?next={}", uri.replace('/', "%2F"));
        for (method, uri) in [
            ("GET", "/profile"),
            ("GET", "/admin"),
            ("POST", "/logout"),
            ("POST", "/logout-everywhere"),
            ("GET", "/added"),
            // Another method at a public route's path.
            ("PUT", "/login"),
        ] {
            let request = test::TestRequest::default()
                .method(method.parse().unwrap())
                .uri(uri)
                .to_request();
            let response = test::call_service(&app, request).await;
            assert_eq!(response.status(), StatusCode::FOUND, "{method} {uri}");
            let location = response.headers().get(header::LOCATION).unwrap();
            assert_eq!(location.to_str().unwrap(), to_login(uri), "{method} {uri}");
        }
        // Public: each answers on its own terms, never with the login redirect.
        for (uri, status) in [
            ("/", StatusCode::OK),
            ("/login", StatusCode::OK),
            ("/api/status", StatusCode::UNAUTHORIZED),
            ("/api/users", StatusCode::UNAUTHORIZED),
            ("/api/ping", StatusCode::UNAUTHORIZED),
        ] {
            let request = test::TestRequest::get().uri(uri).to_request();
            let response = test::call_service(&app, request).await;
            assert_eq!(response.status(), status, "GET {uri}");
        }
        let request = test::TestRequest::get()
            .uri("/api/users")
            .insert_header(("x-api-key", API_KEY.as_str()))
            .to_request();
        assert_eq!(
            test::call_service(&app, request).await.status(),
            StatusCode::OK
        );
        // The login form posts anonymously: a wrong password is the form's answer, not the guard's.
        let request = test::TestRequest::post().uri("/login").to_request();
        let response = test::call_service(&app, request).await;
        assert_ne!(
            response
                .headers()
                .get(header::LOCATION)
                .map(|l| l.to_str().unwrap().to_owned()),
            Some(to_login("/login")),
        );
        let request = test::TestRequest::get().uri("/no-such-page").to_request();
        assert_eq!(
            test::call_service(&app, request).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}
