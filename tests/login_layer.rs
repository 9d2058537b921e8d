//! The login layer through the whole actix stack: `#[login_required]`, `#[fresh_login_required]`,
//! `LoginManager`, `login_user`/`logout_user`, `CurrentUser` with its loaders; Flask-Login's own
//! behaviours are marked "Flask-Login:".

mod common;

use std::time::Duration;

use actix_identity::IdentityMiddleware;
use actix_web::{
    get,
    http::{header, StatusCode},
    post, test, web, HttpRequest, HttpResponse, Responder,
};
use checkpoint_runtime::{
    checkpoint, fresh_login_required, login_required, login_user, logout_user, url_for,
    CheckpointError, CurrentUser, LoginEvent, LoginManager, LoginRequired, RedirectTarget,
    UserLoader, DEFAULT_LOGIN_MESSAGE, DEFAULT_NEEDS_REFRESH_MESSAGE, FRESH_AT_KEY,
};
use serde_json::json;

/// A browser on an app with the suite's session store, actix-identity inside it, `manager` and
/// the routes below.
macro_rules! login_browser {
    ($manager:expr) => {
        common::Browser::new(
            test::init_service(
                actix_web::App::new()
                    .app_data($manager)
                    .app_data(user_loader())
                    .wrap(IdentityMiddleware::default())
                    .wrap(common::sessions().await)
                    .configure(common::session_tools)
                    .configure(routes),
            )
            .await,
        )
    };
}

#[derive(Debug, Clone)]
struct User {
    name: String,
}

fn user_loader() -> UserLoader<User> {
    UserLoader::new(async |id: &str| {
        (id == "alice" || id == "api-user").then(|| User {
            name: id.to_owned(),
        })
    })
}

#[get("/login")]
async fn login_page() -> impl Responder {
    "login form"
}

#[get("/reauthenticate")]
async fn reauthenticate() -> impl Responder {
    "confirm your password"
}

#[derive(serde::Deserialize)]
struct LoginForm {
    fresh: bool,
}

#[post("/login/{id}")]
async fn log_in(
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Query<LoginForm>,
) -> Result<HttpResponse, CheckpointError> {
    login_user(&req, id.into_inner(), form.fresh)?;
    Ok(HttpResponse::NoContent().finish())
}

#[post("/logout")]
async fn log_out(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
    logout_user(&req)?;
    Ok(HttpResponse::NoContent().finish())
}

#[get("/members")]
#[login_required]
async fn members() -> impl Responder {
    "members only"
}

#[login_required]
#[post("/members")]
async fn post_members(body: web::Json<serde_json::Value>) -> impl Responder {
    HttpResponse::Ok().json(body.into_inner())
}

#[get("/members/{number}")]
#[login_required]
async fn member_number(number: web::Path<u32>, user: CurrentUser<User>) -> impl Responder {
    format!("{} #{number}", user.name)
}

thread_local! {
    /// How many times a `Counted` was extracted.
    static EXTRACTIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// An extractor that counts its extractions.
struct Counted;

impl actix_web::FromRequest for Counted {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        EXTRACTIONS.set(EXTRACTIONS.get() + 1);
        std::future::ready(Ok(Counted))
    }
}

#[get("/counted")]
#[login_required]
async fn counted(_: Counted) -> impl Responder {
    "counted"
}

#[fresh_login_required]
async fn fresh_page() -> impl Responder {
    "fresh only"
}

#[get("/stack/checkpoint-first")]
#[checkpoint(session_key = "role", values = "admin")]
#[login_required]
async fn checkpoint_first() -> impl Responder {
    "admin"
}

#[get("/stack/login-first")]
#[login_required]
#[checkpoint(session_key = "role", values = "admin")]
async fn login_first() -> impl Responder {
    "admin"
}

/// Echoes the body it gets: the request loader read it first.
#[post("/notes")]
#[login_required]
async fn add_note(body: web::Bytes) -> impl Responder {
    body
}

#[get("/me")]
async fn me(user: CurrentUser<User>) -> impl Responder {
    format!("{} ({})", user.name, user.id())
}

#[get("/hello")]
async fn hello(user: Option<CurrentUser<User>>) -> impl Responder {
    match user {
        Some(user) => format!("hello {}", user.into_inner().name),
        None => "hello stranger".to_owned(),
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(reauthenticate)
        .service(log_in)
        .service(log_out)
        .service(members)
        .service(post_members)
        .service(member_number)
        .service(counted)
        .service(add_note)
        .route("/fresh", web::route().to(fresh_page))
        .service(checkpoint_first)
        .service(login_first)
        .service(me)
        .service(hello)
        .service(
            web::scope("/account")
                .wrap(LoginRequired::LOGGED_IN)
                .route("/settings", web::get().to(|| async { "settings" })),
        );
}

fn to_login_page() -> LoginManager {
    LoginManager::new().login_view(url_for("login_page"))
}

fn flask_pair(message: &str) -> Vec<(String, String)> {
    vec![("message".to_owned(), message.to_owned())]
}

#[actix_web::test]
async fn a_browser_goes_to_the_login_route_with_next_and_a_flash() {
    // Flask-Login: login_view, `next`, the default login_message in category "message".
    let mut browser = login_browser!(to_login_page());
    let reply = browser.get("/members?tab=a%20b&x=1").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.location.as_deref(),
        Some("/login?next=%2Fmembers%3Ftab%3Da%2520b%26x%3D1")
    );
    assert_eq!(browser.flashes().await, flask_pair(DEFAULT_LOGIN_MESSAGE));
}

#[actix_web::test]
async fn a_path_login_view_with_its_own_query_and_message() {
    let manager = LoginManager::new()
        .login_view(RedirectTarget::Path("/signin?lang=en"))
        .login_message("Members only")
        .login_message_category("info");
    let mut browser = login_browser!(manager);
    let reply = browser.get("/members").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.location.as_deref(),
        Some("/signin?lang=en&next=%2Fmembers")
    );
    assert_eq!(
        browser.flashes().await,
        vec![("info".to_owned(), "Members only".to_owned())]
    );
}

#[actix_web::test]
async fn login_url_uses_custom_next_field() {
    // Flask-Login's `test_login_url_uses_custom_next_field`, through the manager.
    let mut browser = login_browser!(to_login_page().next_field("return_to"));
    let reply = browser.get("/members?x=1").await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/login?return_to=%2Fmembers%3Fx%3D1")
    );
}

#[actix_web::test]
async fn a_login_view_on_another_origin_gets_the_whole_url_as_next() {
    // Flask-Login's `make_next_param`: the path alone only when scheme and host match.
    let manager =
        LoginManager::new().login_view(RedirectTarget::Path("https://sso.example.com/login"));
    let mut browser = login_browser!(manager);
    let request = test::TestRequest::get()
        .uri("/members?x=1")
        .insert_header((header::HOST, "app.example.com"));
    let reply = browser.send(request).await;
    assert_eq!(
        reply.location.as_deref(),
        Some("https://sso.example.com/login?next=http%3A%2F%2Fapp.example.com%2Fmembers%3Fx%3D1")
    );
    let same_origin =
        LoginManager::new().login_view(RedirectTarget::Path("http://app.example.com/login"));
    let mut browser = login_browser!(same_origin);
    let request = test::TestRequest::get()
        .uri("/members")
        .insert_header((header::HOST, "app.example.com"));
    let reply = browser.send(request).await;
    assert_eq!(
        reply.location.as_deref(),
        Some("http://app.example.com/login?next=%2Fmembers")
    );
}

#[actix_web::test]
async fn use_session_for_next_keeps_next_in_the_session() {
    // Flask-Login's `USE_SESSION_FOR_NEXT`.
    let mut browser = login_browser!(to_login_page().use_session_for_next(true));
    let reply = browser.get("/members?x=1").await;
    assert_eq!(reply.location.as_deref(), Some("/login"));
    assert_eq!(
        browser.session_value(checkpoint_runtime::NEXT_KEY).await,
        "/members?x=1"
    );
    assert_eq!(browser.flashes().await, flask_pair(DEFAULT_LOGIN_MESSAGE));
}

#[actix_web::test]
async fn force_host_for_redirects_sends_the_login_redirect_to_that_host() {
    // Flask-Login's `FORCE_HOST_FOR_REDIRECTS`.
    let mut browser =
        login_browser!(to_login_page().force_host_for_redirects("accounts.example.com"));
    let reply = browser.get("/members").await;
    assert_eq!(
        reply.location.as_deref(),
        Some("//accounts.example.com/login?next=%2Fmembers")
    );
}

#[actix_web::test]
async fn the_login_message_is_localized_for_the_request() {
    // Flask-Login's `localize_callback`.
    let manager = to_login_page().localize(|req: &HttpRequest, message: &str| {
        let language = req.headers().get(header::ACCEPT_LANGUAGE);
        match language.and_then(|value| value.to_str().ok()) {
            Some("fr") => format!("[fr] {message}"),
            _ => message.to_owned(),
        }
    });
    let mut browser = login_browser!(manager);
    let request = test::TestRequest::get()
        .uri("/members")
        .insert_header((header::ACCEPT_LANGUAGE, "fr"));
    assert_eq!(browser.send(request).await.status, StatusCode::FOUND);
    assert_eq!(
        browser.flashes().await,
        flask_pair(&format!("[fr] {DEFAULT_LOGIN_MESSAGE}"))
    );
    browser.get("/members").await;
    assert_eq!(browser.flashes().await, flask_pair(DEFAULT_LOGIN_MESSAGE));
}

#[actix_web::test]
async fn login_url_helper() {
    // Flask-Login's `login_url(login_view, next_url, next_field)`.
    let req = test::TestRequest::get().to_http_request();
    let view = RedirectTarget::Path("/login");
    assert_eq!(
        checkpoint_runtime::login_url(&req, view, None, "next").unwrap(),
        "/login"
    );
    assert_eq!(
        checkpoint_runtime::login_url(&req, view, Some("/a?b"), "next").unwrap(),
        "/login?next=%2Fa%3Fb"
    );
    assert_eq!(
        checkpoint_runtime::login_url(&req, view, Some("http://x.example/a"), "to").unwrap(),
        "/login?to=%2Fa"
    );
    assert!(checkpoint_runtime::login_url(&req, url_for("nowhere"), None, "next").is_err());
}

#[actix_web::test]
async fn api_requests_get_401_json_instead_of_a_redirect() {
    let mut browser = login_browser!(to_login_page());
    let requests = [
        test::TestRequest::get()
            .uri("/members")
            .insert_header((header::ACCEPT, "application/json")),
        test::TestRequest::get()
            .uri("/members")
            .insert_header((header::CONTENT_TYPE, "application/json")),
        test::TestRequest::get()
            .uri("/members")
            .insert_header(("x-requested-with", "XMLHttpRequest")),
        // The body is never read: the check runs before the handler's `web::Json`.
        test::TestRequest::post()
            .uri("/members")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{not json"),
    ];
    for request in requests {
        let reply = browser.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(reply.json(), json!({ "error": "Unauthorized" }));
    }
    assert!(
        browser.flashes().await.is_empty(),
        "nothing flashed to an API"
    );
}

#[actix_web::test]
async fn without_a_login_view_it_is_a_plain_401() {
    // Flask-Login: no login_view, abort(401).
    for manager in [LoginManager::new(), LoginManager::default()] {
        let mut browser = login_browser!(manager);
        let reply = browser.get("/members").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.location, None);
        assert!(browser.flashes().await.is_empty());
    }
    // No LoginManager registered at all: the defaults.
    let mut browser = common::Browser::new(
        test::init_service(
            actix_web::App::new()
                .wrap(IdentityMiddleware::default())
                .wrap(common::sessions().await)
                .configure(routes),
        )
        .await,
    );
    assert_eq!(
        browser.get("/members").await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn members_elsewhere(req: &HttpRequest) -> HttpResponse {
    HttpResponse::Forbidden().body(format!("no entry to {}", req.path()))
}

#[actix_web::test]
async fn the_unauthorized_handler_replaces_the_response() {
    // Flask-Login: unauthorized_handler, for browsers and API clients alike.
    let mut browser = login_browser!(to_login_page().unauthorized_handler(members_elsewhere));
    let reply = browser.get("/members").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, "no entry to /members");
    let reply = browser
        .send(
            test::TestRequest::get()
                .uri("/members")
                .insert_header((header::ACCEPT, "application/json")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(browser.flashes().await.is_empty());
}

#[actix_web::test]
async fn options_requests_pass() {
    // Flask-Login: EXEMPT_METHODS, for CORS preflights.
    let mut browser = login_browser!(to_login_page());
    let reply = browser
        .send(
            test::TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/fresh"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "fresh only");
}

/// Logs the browser in as `$id` (`fresh` or not) through `login_user`.
macro_rules! log_in_as {
    ($browser:expr, $id:expr, $fresh:expr) => {{
        let uri = format!("/login/{}?fresh={}", $id, $fresh);
        let reply = $browser.send(test::TestRequest::post().uri(&uri)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    }};
}

#[actix_web::test]
async fn login_required_runs_before_the_handlers_extractors() {
    // Each check reports `Accessed` once: the check runs once a request.
    let checks = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = std::rc::Rc::clone(&checks);
    let manager = to_login_page().on_event(move |_: &HttpRequest, event: &LoginEvent<'_>| {
        if matches!(event, LoginEvent::Accessed) {
            counter.set(counter.get() + 1);
        }
    });
    let mut browser = login_browser!(manager);
    let malformed = || {
        test::TestRequest::post()
            .uri("/members")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{ not json")
    };
    assert_eq!(
        browser.send(malformed()).await.status,
        StatusCode::UNAUTHORIZED,
        "the login check answers, not web::Json"
    );
    assert_eq!(
        browser.get("/members/not-a-number").await.status,
        StatusCode::FOUND,
        "the login check answers, not web::Path"
    );
    assert_eq!(browser.get("/counted").await.status, StatusCode::FOUND);
    assert_eq!(
        EXTRACTIONS.get(),
        0,
        "an extractor ran for a refused request"
    );
    log_in_as!(browser, "alice", true);
    assert_eq!(browser.get("/counted").await.status, StatusCode::OK);
    assert_eq!(EXTRACTIONS.get(), 1);
    assert_eq!(
        browser.send(malformed()).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        browser.get("/members/not-a-number").await.status,
        StatusCode::NOT_FOUND
    );
    let reply = browser.get("/members/7").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "alice #7")
    );
    let before = checks.get();
    assert_eq!(browser.get("/counted").await.status, StatusCode::OK);
    assert_eq!(
        checks.get() - before,
        1,
        "the login check ran more than once"
    );
    // `CurrentUser`, with the user loader as app data rather than on the manager, authenticates
    // again behind the check; the request is still accessed once (Flask-Login's `user_accessed`
    // is sent once a request).
    let before = checks.get();
    assert_eq!(browser.get("/members/7").await.status, StatusCode::OK);
    assert_eq!(checks.get() - before, 1, "Accessed sent more than once");
}

#[actix_web::test]
async fn login_user_lets_in_and_logout_user_sends_back_to_login() {
    let mut browser = login_browser!(to_login_page());
    log_in_as!(browser, "alice", true);
    let before = browser
        .cookie(common::SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned());
    let reply = browser.get("/members").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "members only")
    );
    assert!(before.is_some(), "a session cookie after login");

    let reply = browser.send(test::TestRequest::post().uri("/logout")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = browser.get("/members").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location.as_deref(), Some("/login?next=%2Fmembers"));
    assert_eq!(browser.session_value(FRESH_AT_KEY).await, json!(null));
}

#[actix_web::test]
async fn stacked_with_checkpoint_in_either_order_they_run_top_to_bottom() {
    let mut browser = login_browser!(to_login_page());
    // Anonymous, no role: the topmost answers.
    assert_eq!(
        browser.get("/stack/checkpoint-first").await.status,
        StatusCode::FORBIDDEN
    );
    let reply = browser.get("/stack/login-first").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.location.as_deref(),
        Some("/login?next=%2Fstack%2Flogin-first")
    );
    browser.flashes().await;

    // An admin role but anonymous: the login check refuses, in either place.
    browser.set_session(json!({ "role": "admin" })).await;
    for uri in ["/stack/checkpoint-first", "/stack/login-first"] {
        assert_eq!(browser.get(uri).await.status, StatusCode::FOUND, "{uri}");
    }

    // Logged in (which renews the session and keeps its values), then both pass.
    log_in_as!(browser, "alice", true);
    for uri in ["/stack/checkpoint-first", "/stack/login-first"] {
        let reply = browser.get(uri).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "admin"),
            "{uri}"
        );
    }
    // Logged in without the role: the checkpoint refuses, in either place.
    browser.set_session(json!({ "role": "guest" })).await;
    for uri in ["/stack/checkpoint-first", "/stack/login-first"] {
        assert_eq!(
            browser.get(uri).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
}

fn with_refresh_view() -> LoginManager {
    to_login_page()
        .refresh_view(url_for("reauthenticate"))
        .fresh_for(Duration::from_secs(60))
}

#[actix_web::test]
async fn fresh_login_required_accepts_a_fresh_login_and_refreshes_a_stale_one() {
    // Flask-Login: fresh_login_required, refresh_view, needs_refresh_message.
    let mut browser = login_browser!(with_refresh_view());
    let reply = browser.get("/fresh").await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/login?next=%2Ffresh"),
        "anonymous: log in"
    );
    assert_eq!(browser.flashes().await, flask_pair(DEFAULT_LOGIN_MESSAGE));

    log_in_as!(browser, "alice", true);
    let reply = browser.get("/fresh").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "fresh only")
    );

    // Logged in with a password two minutes ago: older than the window.
    let stale = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 120;
    browser.set_session(json!({ FRESH_AT_KEY: stale })).await;
    let reply = browser.get("/fresh?x=1").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.location.as_deref(),
        Some("/reauthenticate?next=%2Ffresh%3Fx%3D1")
    );
    assert_eq!(
        browser.flashes().await,
        flask_pair(DEFAULT_NEEDS_REFRESH_MESSAGE)
    );
    // Still logged in: `#[login_required]` passes.
    assert_eq!(browser.get("/members").await.status, StatusCode::OK);

    // An API client gets 401 JSON.
    let reply = browser
        .send(
            test::TestRequest::get()
                .uri("/fresh")
                .insert_header((header::ACCEPT, "application/json")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({ "error": "Reauthentication required" })
    );
}

#[actix_web::test]
async fn a_custom_needs_refresh_message_is_flashed_in_its_category() {
    // Flask-Login: needs_refresh_message, needs_refresh_message_category.
    let mut browser = login_browser!(with_refresh_view()
        .needs_refresh_message("Confirm your password to go on")
        .needs_refresh_message_category("warning"));
    log_in_as!(browser, "alice", false);
    let reply = browser.get("/fresh").await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/reauthenticate?next=%2Ffresh")
    );
    assert_eq!(
        browser.flashes().await,
        vec![(
            "warning".to_owned(),
            "Confirm your password to go on".to_owned()
        )]
    );
}

#[actix_web::test]
async fn a_login_that_is_not_fresh_needs_a_refresh_and_without_a_refresh_view_is_401() {
    let mut browser = login_browser!(with_refresh_view());
    log_in_as!(browser, "alice", false);
    let reply = browser.get("/fresh").await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/reauthenticate?next=%2Ffresh")
    );

    let mut browser = login_browser!(to_login_page());
    log_in_as!(browser, "alice", false);
    assert_eq!(browser.get("/fresh").await.status, StatusCode::UNAUTHORIZED);
    // Without a window a fresh login stays fresh for the session (Flask-Login's `_fresh`).
    log_in_as!(browser, "alice", true);
    browser.set_session(json!({ FRESH_AT_KEY: 0 })).await;
    assert_eq!(browser.get("/fresh").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn current_user_is_loaded_by_the_user_loader() {
    // Flask-Login: current_user and user_loader.
    let mut browser = login_browser!(to_login_page());
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.get("/hello").await.body, "hello stranger");

    log_in_as!(browser, "alice", true);
    assert_eq!(browser.get("/me").await.body, "alice (alice)");
    assert_eq!(browser.get("/hello").await.body, "hello alice");

    // An identity the loader no longer knows is anonymous, as in Flask-Login.
    log_in_as!(browser, "mallory", true);
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.get("/hello").await.body, "hello stranger");
}

fn with_api_tokens() -> LoginManager {
    to_login_page()
        .refresh_view(url_for("reauthenticate"))
        .request_loader(|req: &HttpRequest| {
            let token = req
                .headers()
                .get("x-api-token")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            async move { (token.as_deref() == Some("t0ken")).then(|| "api-user".to_owned()) }
        })
}

#[actix_web::test]
async fn the_request_loader_authenticates_by_header_but_never_freshly() {
    // Flask-Login: request_loader.
    let mut browser = login_browser!(with_api_tokens());
    let with_token = |uri: &str, token: &str| {
        test::TestRequest::get()
            .uri(uri)
            .insert_header(("x-api-token", token.to_owned()))
    };
    let reply = browser.send(with_token("/members", "t0ken")).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "members only")
    );
    let reply = browser.send(with_token("/me", "t0ken")).await;
    assert_eq!(reply.body, "api-user (api-user)");
    let reply = browser.send(with_token("/fresh", "t0ken")).await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/reauthenticate?next=%2Ffresh")
    );
    browser.flashes().await;

    let reply = browser.send(with_token("/members", "wrong")).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        browser.send(with_token("/me", "wrong")).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Nothing was stored: without the header the session is anonymous.
    assert_eq!(browser.get("/hello").await.body, "hello stranger");
}

#[actix_web::test]
async fn without_identity_middleware_it_fails_closed() {
    common::record_logs();
    let mut browser = common::Browser::new(
        test::init_service(
            actix_web::App::new()
                .app_data(to_login_page())
                .app_data(user_loader())
                .wrap(common::sessions().await)
                .configure(common::session_tools)
                .configure(routes),
        )
        .await,
    );
    for uri in ["/members", "/fresh", "/me"] {
        let reply = browser.get(uri).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(reply.body, "Internal Server Error");
    }
    // actix-web's `Option<T>` turns any extraction error into `None`.
    assert_eq!(browser.get("/hello").await.body, "hello stranger");
    let reply = browser
        .send(test::TestRequest::post().uri("/login/alice?fresh=true"))
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(common::logged_lines()
        .iter()
        .any(|line| line.starts_with("ERROR") && line.contains("no IdentityMiddleware")));
}

#[actix_web::test]
async fn without_a_user_loader_current_user_fails_closed() {
    common::record_logs();
    let mut browser = common::Browser::new(
        test::init_service(
            actix_web::App::new()
                .wrap(IdentityMiddleware::default())
                .wrap(common::sessions().await)
                .configure(routes),
        )
        .await,
    );
    assert_eq!(
        browser.get("/me").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert!(common::logged_lines()
        .iter()
        .any(|line| line.contains("no UserLoader<login_layer::User>")));
}

#[actix_web::test]
async fn login_required_as_middleware_guards_a_scope() {
    // Flask: a blueprint's `before_request` calling Flask-Login's check.
    let mut browser = login_browser!(to_login_page());
    let reply = browser.get("/account/nope").await;
    assert_eq!(
        (reply.status, reply.location),
        (StatusCode::NOT_FOUND, None),
        "a URL no route matches is 404, not a login redirect"
    );
    let reply = browser.get("/account/settings?tab=1").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.location.as_deref(),
        Some("/login?next=%2Faccount%2Fsettings%3Ftab%3D1")
    );
    assert_eq!(browser.flashes().await, flask_pair(DEFAULT_LOGIN_MESSAGE));
    log_in_as!(browser, "alice", false);
    let reply = browser.get("/account/settings").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "settings")
    );
}

#[actix_web::test]
async fn next_cannot_split_the_location_or_add_parameters() {
    let mut browser = login_browser!(to_login_page());
    let reply = browser
        .get("/members?a=%0d%0aSet-Cookie:%20x=1&next=//evil.example#frag")
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.location.as_deref(),
        Some("/login?next=%2Fmembers%3Fa%3D%250d%250aSet-Cookie%3A%2520x%3D1%26next%3D%2F%2Fevil.example")
    );
}

#[actix_web::test]
async fn the_manager_and_the_loader_may_be_registered_as_web_data() {
    // `.app_data(web::Data::new(...))` is the usual actix habit: it works as the bare value does.
    let mut browser = common::Browser::new(
        test::init_service(
            actix_web::App::new()
                .app_data(web::Data::new(to_login_page()))
                .app_data(web::Data::new(user_loader()))
                .wrap(IdentityMiddleware::default())
                .wrap(common::sessions().await)
                .configure(common::session_tools)
                .configure(routes),
        )
        .await,
    );
    let reply = browser.get("/members").await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (StatusCode::FOUND, Some("/login?next=%2Fmembers"))
    );
    let login = test::TestRequest::post().uri("/login/alice?fresh=true");
    assert_eq!(browser.send(login).await.status, StatusCode::NO_CONTENT);
    assert_eq!(browser.get("/me").await.body, "alice (alice)");
}

/// Flask-Login's README `request_loader` reading `request.form`: a token in the form body.
fn body_token_manager(limit: usize) -> LoginManager {
    LoginManager::new().request_loader_with_body(
        |_: &HttpRequest, body: web::Bytes| async move {
            let token = form_urlencoded::parse(&body)
                .find(|(name, _)| name == "api_token")
                .map(|(_, value)| value.into_owned());
            token
                .filter(|token| token == "t0ken")
                .map(|_| "robot".to_owned())
        },
        limit,
    )
}

#[actix_web::test]
async fn the_request_loader_can_read_the_body_which_the_handler_still_gets() {
    let form = |body: &'static str| {
        test::TestRequest::post()
            .uri("/notes")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body)
    };
    let mut browser = login_browser!(body_token_manager(64));
    let reply = browser.send(form("api_token=t0ken&note=hello")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "api_token=t0ken&note=hello", "handed on intact");
    let reply = browser.send(form("api_token=wrong&note=hello")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // Over the limit: not read for a token, so not logged in (and the handler never runs).
    let long =
        "api_token=t0ken&note=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let reply = browser.send(form(long)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // Never written to the session: the next request without the token is anonymous.
    let reply = browser.send(form("note=hello")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_body_reading_request_loader_serves_the_middleware_too() {
    let app = test::init_service(
        actix_web::App::new()
            .app_data(body_token_manager(1024))
            .service(web::scope("/api").wrap(LoginRequired::LOGGED_IN).route(
                "/echo",
                web::post().to(|body: web::Bytes| async move { body }),
            ))
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let request = test::TestRequest::post()
        .uri("/api/echo")
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("x=1&api_token=t0ken")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(test::read_body(response).await, "x=1&api_token=t0ken");
}
