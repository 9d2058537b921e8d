//! Faults fail closed: the handler does not run, the answer is a 500 (or the configured
//! failure), a line is logged, and the worker keeps serving.

mod common;

use std::cell::Cell;

use actix_web::{
    cookie::{Cookie, CookieJar},
    get,
    http::StatusCode,
    test, web, App, HttpRequest, HttpResponse, Responder,
};
use checkpoint_runtime::checkpoint;
use serde_json::json;

thread_local! {
    // Per thread: each test runs its app on its own thread, in parallel with the others.
    static BODY_RUNS: Cell<usize> = const { Cell::new(0) };
}

fn body_ran() {
    BODY_RUNS.set(BODY_RUNS.get() + 1);
}

#[get("/guarded")]
#[checkpoint(session_key = "logged_in", values = true, disable_default_fail)]
async fn guarded() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/to-nowhere")]
#[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("no_such_route"),
             message = "lost")]
async fn to_nowhere() -> impl Responder {
    body_ran();
    "body ran"
}

fn explodes(_: &HttpRequest) -> HttpResponse {
    panic!("fail_response blew up")
}

#[get("/explodes")]
#[checkpoint(session_key = "logged_in", values = true, fail_response = explodes)]
async fn panicking_fail_response() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/strict")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn strict() -> impl Responder {
    body_ran();
    "body ran"
}

async fn panicking_predicate() -> bool {
    panic!("the check blew up")
}

#[get("/check-explodes")]
#[checkpoint(check = panicking_predicate, disable_default_fail)]
async fn panicking_check() -> impl Responder {
    body_ran();
    "body ran"
}

/// The usual way to get a key from the environment, with the variable unset.
fn key_from_the_environment() -> String {
    std::env::var("CHECKPOINT_TEST_UNSET_VARIABLE").unwrap()
}

#[get("/key-explodes")]
#[checkpoint(api_key = std::env::var("CHECKPOINT_TEST_UNSET_VARIABLE").unwrap(),
             disable_default_fail)]
async fn panicking_api_key() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/token-explodes")]
#[checkpoint(bearer = key_from_the_environment(), disable_default_fail)]
async fn panicking_bearer() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/healthy")]
async fn healthy() -> impl Responder {
    "fine"
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(guarded)
        .service(to_nowhere)
        .service(panicking_fail_response)
        .service(strict)
        .service(panicking_check)
        .service(panicking_api_key)
        .service(panicking_bearer)
        .service(healthy);
}

fn logged_since(before: usize, needle: &str) -> bool {
    common::logged_lines()[before..]
        .iter()
        .any(|line| line.starts_with("ERROR") && line.contains(needle))
}

#[actix_web::test]
async fn a_missing_session_middleware_fails_closed_and_is_logged() {
    common::record_logs();
    let app = test::init_service(App::new().configure(routes)).await;
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();

    let res = test::call_service(&app, test::TestRequest::get().uri("/guarded").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        test::read_body(res).await,
        "Internal Server Error",
        "no details leak"
    );
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "disable_default_fail must not run it"
    );
    assert!(logged_since(logged, "SessionMiddleware"));
}

#[actix_web::test]
async fn the_same_route_with_the_middleware_runs_the_view() {
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let reply = browser.get("/guarded").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "body ran")
    );
    assert_eq!(BODY_RUNS.get(), runs + 1);
}

#[actix_web::test]
async fn url_for_an_unknown_route_fails_closed_and_flashes_nothing() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    let reply = browser.get("/to-nowhere").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(BODY_RUNS.get(), runs);
    assert!(logged_since(logged, "no_such_route"));
    assert!(browser.flashes().await.is_empty());

    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/to-nowhere").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_panicking_fail_response_is_a_500_and_the_worker_survives() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    for _ in 0..3 {
        let reply = browser.get("/explodes").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(BODY_RUNS.get(), runs);
    assert!(logged_since(logged, "fail_response"));
    assert_eq!(browser.get("/healthy").await.body, "fine");
}

/// A session cookie as the cookie store writes it (an encrypted JSON map of JSON texts), with
/// text that is not JSON under `logged_in`: only a store can hold such a value.
fn cookie_with_undecodable_value() -> Cookie<'static> {
    let mut jar = CookieJar::new();
    let state = json!({ "logged_in": "tru" }).to_string();
    jar.private_mut(&common::session_key())
        .add(Cookie::new("id", state));
    jar.get("id").expect("just added").clone()
}

#[actix_web::test]
async fn an_undecodable_session_value_fails_the_check_with_a_warning() {
    common::record_logs();
    let app =
        test::init_service(App::new().wrap(common::cookie_sessions()).configure(routes)).await;
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();

    let request = test::TestRequest::get()
        .uri("/strict")
        .cookie(cookie_with_undecodable_value());
    let res = test::call_service(&app, request.to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(BODY_RUNS.get(), runs);
    assert!(common::logged_lines()[logged..]
        .iter()
        .any(|line| line.starts_with("WARN") && line.contains("logged_in")));

    // `disable_default_fail` is the configured failure: the view runs, as for a visitor.
    let request = test::TestRequest::get()
        .uri("/guarded")
        .cookie(cookie_with_undecodable_value());
    let res = test::call_service(&app, request.to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(BODY_RUNS.get(), runs + 1);
}

#[actix_web::test]
async fn a_tampered_truncated_or_foreign_session_cookie_never_passes() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/strict").await.body, "body ran");
    let genuine = browser.cookie("id").expect("a session cookie").clone();
    let runs = BODY_RUNS.get();

    let value = genuine.value().to_owned();
    let mut flipped = value.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let mut foreign_jar = CookieJar::new();
    let state = if common::redis_url().is_some() {
        // A Redis cookie names a session key; seal the genuine one with another key.
        let mut jar = CookieJar::new();
        jar.add_original(genuine.clone());
        let key = common::session_key();
        let sealed = jar.private(&key).get("id");
        sealed.unwrap().value().to_owned()
    } else {
        json!({ "logged_in": "true" }).to_string()
    };
    foreign_jar
        .private_mut(&actix_web::cookie::Key::generate())
        .add(Cookie::new("id", state));
    let foreign = foreign_jar.get("id").unwrap().value().to_owned();

    for (forged, what) in [
        (String::from_utf8(flipped).unwrap(), "one character changed"),
        (value[..value.len() / 2].to_owned(), "truncated"),
        (foreign, "sealed with another key"),
        (String::new(), "empty"),
    ] {
        let request = test::TestRequest::get()
            .uri("/strict")
            .cookie(Cookie::new("id", forged));
        let app =
            test::init_service(App::new().wrap(common::sessions().await).configure(routes)).await;
        let res = test::call_service(&app, request.to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{what}");
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "the body never ran on a forged cookie"
    );
}

#[actix_web::test]
async fn a_panicking_check_is_a_500_and_the_worker_survives() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    for _ in 0..3 {
        let reply = browser.get("/check-explodes").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "not even disable_default_fail runs it"
    );
    assert!(logged_since(logged, "check"));
    assert_eq!(browser.get("/healthy").await.body, "fine");
}

#[actix_web::test]
async fn a_panicking_key_expression_is_a_500_and_the_worker_survives() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    for uri in ["/key-explodes", "/token-explodes", "/key-explodes"] {
        let request = test::TestRequest::get()
            .uri(uri)
            .insert_header(("x-api-key", "k"))
            .insert_header(("authorization", "Bearer k"));
        let reply = browser.send(request).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(
            reply.body, "Internal Server Error",
            "{uri}: no details leak"
        );
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "not even disable_default_fail runs it"
    );
    assert!(logged_since(logged, "expected key"));
    assert_eq!(browser.get("/healthy").await.body, "fine");
}

mod without_session_middleware {
    use actix_web::{get, post, Responder};
    use checkpoint_runtime::{checkpoint, include_csrf};

    use super::body_ran;

    async fn always() -> bool {
        true
    }

    #[get("/key")]
    #[checkpoint(api_key = "k3y", fail_url = "/login", message = "Key required")]
    pub async fn key() -> impl Responder {
        body_ran();
        "body ran"
    }

    #[get("/bearer")]
    #[checkpoint(bearer = "t0ken", fail_status = 401)]
    pub async fn bearer() -> impl Responder {
        body_ran();
        "body ran"
    }

    #[get("/check")]
    #[checkpoint(check = always, pass_url = "/next", message = "Welcome")]
    pub async fn check() -> impl Responder {
        body_ran();
        "body ran"
    }

    #[post("/csrf")]
    #[include_csrf]
    pub async fn csrf() -> impl Responder {
        body_ran();
        "body ran"
    }
}

#[actix_web::test]
async fn every_kind_without_session_middleware_fails_closed_or_answers_its_failure() {
    use without_session_middleware as routes_of;
    let app = test::init_service(
        App::new()
            .service(routes_of::key)
            .service(routes_of::bearer)
            .service(routes_of::check)
            .service(routes_of::csrf),
    )
    .await;
    let runs = BODY_RUNS.get();
    let status = |request: test::TestRequest| {
        let app = &app;
        async move { test::call_service(app, request.to_request()).await.status() }
    };
    // A redirect that would flash, and a CSRF check (it reads the session), cannot work
    // without the middleware: 500. A failure that needs no session is answered as configured.
    assert_eq!(
        status(test::TestRequest::get().uri("/key")).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        status(test::TestRequest::get().uri("/bearer")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(test::TestRequest::get().uri("/check")).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let csrf = test::TestRequest::post()
        .uri("/csrf")
        .insert_header(("x-csrf-token", "t"));
    assert_eq!(status(csrf).await, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(BODY_RUNS.get(), runs, "no handler body ran");
}
