//! Faults of the Redis session store: the checkpoint fails closed while Redis is down or holds
//! corrupted values, and recovers when Redis comes back, without restarting the app.
//!
//! Each test runs its own `redis-server` (so it can stop it), hence `#[ignore]` for a bare
//! `cargo test`; `scripts/test.sh` installs Redis and runs them.

mod common;

use std::cell::Cell;

use actix_session::SessionMiddleware;
use actix_web::{
    cookie::{Cookie, CookieJar},
    get,
    http::StatusCode,
    test, web, App, Responder,
};
use checkpoint_runtime::checkpoint;
use common::{Browser, RedisServer};
use serde_json::json;

thread_local! {
    static BODY_RUNS: Cell<usize> = const { Cell::new(0) };
}

#[get("/guarded")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn guarded() -> impl Responder {
    BODY_RUNS.set(BODY_RUNS.get() + 1);
    "body ran"
}

macro_rules! redis_browser {
    ($server:expr) => {
        Browser::new(
            test::init_service(
                App::new()
                    .wrap(
                        SessionMiddleware::builder(
                            common::redis_store(&$server.url()).await,
                            common::session_key(),
                        )
                        .cookie_secure(false)
                        .build(),
                    )
                    .configure(common::session_tools)
                    .service(guarded),
            )
            .await,
        )
    };
}

/// The Redis key of the browser's session: the session cookie, decrypted.
fn session_key_of(cookie: &Cookie<'static>) -> String {
    let mut jar = CookieJar::new();
    jar.add_original(cookie.clone());
    let key = common::session_key();
    jar.private(&key)
        .get("id")
        .expect("a session cookie sealed with the test key")
        .value()
        .to_owned()
}

#[actix_web::test]
#[ignore = "needs redis-server: scripts/test.sh runs it"]
async fn values_corrupted_in_redis_fail_the_check_with_a_warning() {
    common::record_logs();
    let server = RedisServer::start();
    let mut browser = redis_browser!(server);
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/guarded").await.status, StatusCode::OK);
    let redis_key = session_key_of(browser.cookie("id").expect("session cookie"));
    let runs = BODY_RUNS.get();

    for (stored, why) in [
        (r#"{"logged_in":"tru"}"#, "not JSON"),
        (r#"{"logged_in":"\"yes\""}"#, "a string, not a bool"),
        (r#"{"logged_in":"1"}"#, "an integer, not a bool"),
        (r#"{"logged_in":"[true"}"#, "a truncated list"),
    ] {
        assert_eq!(server.cli(&["SET", &redis_key, stored, "EX", "600"]), "OK");
        let logged = common::logged_lines().len();
        let reply = browser.get("/guarded").await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{why}");
        if why == "not JSON" || why == "a truncated list" {
            assert!(
                common::logged_lines()[logged..]
                    .iter()
                    .any(|line| line.contains("logged_in")),
                "{why}: a warning names the key"
            );
        }
    }
    // A session state that is not even a JSON map: actix-session starts a fresh session.
    assert_eq!(
        server.cli(&["SET", &redis_key, "garbage", "EX", "600"]),
        "OK"
    );
    assert_eq!(browser.get("/guarded").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "the body never ran on a corrupted value"
    );
}

#[actix_web::test]
#[ignore = "needs redis-server: scripts/test.sh runs it"]
async fn redis_down_fails_closed_and_the_app_recovers_when_it_returns() {
    let mut server = RedisServer::start();
    let mut browser = redis_browser!(server);
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/guarded").await.body, "body ran");
    let runs = BODY_RUNS.get();

    server.stop();
    for _ in 0..3 {
        let reply = browser.get("/guarded").await;
        assert!(reply.status.is_server_error(), "got {}", reply.status);
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "the body never ran while Redis was down"
    );

    // Same port, same app: the store reconnects. The restarted Redis is empty, so the old
    // session is gone (refused) until the user logs in again.
    server.restart();
    let mut recovered = false;
    for _ in 0..50 {
        let status = browser.get("/guarded").await.status;
        if status == StatusCode::FORBIDDEN {
            recovered = true;
            break;
        }
        assert!(status.is_server_error(), "never a pass: got {status}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "requests succeed again after Redis restarts");
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/guarded").await.body, "body ran");
}

#[actix_web::test]
#[ignore = "needs redis-server: scripts/test.sh runs it"]
async fn flash_messages_and_csrf_tokens_live_in_redis() {
    let server = RedisServer::start();
    let mut browser = Browser::new(
        test::init_service(
            App::new()
                .wrap(
                    SessionMiddleware::builder(
                        common::redis_store(&server.url()).await,
                        common::session_key(),
                    )
                    .cookie_secure(false)
                    .build(),
                )
                .configure(common::session_tools)
                .route("/flash", web::get().to(flash_one)),
        )
        .await,
    );
    browser.get("/flash").await;
    let redis_key = session_key_of(browser.cookie("id").expect("session cookie"));
    let stored = server.cli(&["GET", &redis_key]);
    let state: std::collections::HashMap<String, String> = serde_json::from_str(&stored).unwrap();
    assert_eq!(state["_flashes"], r#"[["info","kept in Redis"]]"#);
    assert_eq!(
        browser.flashes().await,
        [("info".into(), "kept in Redis".into())]
    );
}

async fn flash_one(session: actix_session::Session) -> impl Responder {
    checkpoint_runtime::flash(&session, "kept in Redis", "info").unwrap();
    "flashed"
}
