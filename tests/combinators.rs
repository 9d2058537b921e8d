//! `any(...)`, `all(...)` and `not(...)` through the whole actix stack: their truth tables over
//! checks of every kind, evaluation in order that stops as soon as the verdict is known, nesting
//! past the eight checks a tuple holds, and the faults that fail a combination closed.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{get, http::StatusCode, test::TestRequest, web, App, Responder};
use checkpoint_runtime::{checkpoint, Action, AllowedValue, RedirectTarget, SessionCheckpoint};
use serde_json::json;

/// `a` in the session: one operand of the truth tables, a named checkpoint whose own action (a
/// redirect) gives way to the combination's.
const A: SessionCheckpoint = SessionCheckpoint::new("a", &[AllowedValue::Bool(true)])
    .action(Action::new().fail_url(RedirectTarget::Path("/not-this")));

#[get("/any")]
#[checkpoint(any(A, (api_key = "b", header = "x-b")))]
async fn any_of() -> impl Responder {
    "ran"
}

#[get("/all")]
#[checkpoint(all(A, (api_key = "b", header = "x-b")))]
async fn all_of() -> impl Responder {
    "ran"
}

#[get("/not")]
#[checkpoint(not(A))]
async fn not_a() -> impl Responder {
    "ran"
}

#[get("/nand")]
#[checkpoint(not(all((session_key = "a", values = true), (bearer = "b"))))]
async fn nand() -> impl Responder {
    "ran"
}

/// (a in the session, b in the request): a passes on `a == true`, b on the header `x-b: b` (for
/// `/nand`, `Authorization: Bearer b`).
async fn status(uri: &str, a: bool, b: bool) -> StatusCode {
    let mut browser = browser!(|cfg: &mut web::ServiceConfig| {
        cfg.service(any_of)
            .service(all_of)
            .service(not_a)
            .service(nand);
    });
    browser.set_session(json!({ "a": a })).await;
    let mut request = TestRequest::get().uri(uri);
    if b {
        request = request
            .insert_header(("x-b", "b"))
            .insert_header(("authorization", "Bearer b"));
    }
    let reply = browser.send(request).await;
    assert!(
        reply.status == StatusCode::OK && reply.body == "ran"
            || reply.status == StatusCode::FORBIDDEN,
        "{uri} ({a}, {b}): {} {}",
        reply.status,
        reply.body
    );
    reply.status
}

#[actix_web::test]
async fn any_all_and_not_follow_their_truth_tables() {
    let verdict = |pass: bool| {
        if pass {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        }
    };
    for a in [false, true] {
        for b in [false, true] {
            assert_eq!(status("/any", a, b).await, verdict(a || b), "any({a}, {b})");
            assert_eq!(status("/all", a, b).await, verdict(a && b), "all({a}, {b})");
            assert_eq!(status("/not", a, b).await, verdict(!a), "not({a})");
            assert_eq!(
                status("/nand", a, b).await,
                verdict(!(a && b)),
                "not(all({a}, {b}))"
            );
        }
    }
}

/// Exclusive or, of session checks only: decided from the session alone, without a future.
#[get("/xor")]
#[checkpoint(any(
    all((session_key = "a", values = true), not((session_key = "b", values = true))),
    all(not((session_key = "a", values = true)), (session_key = "b", values = true)),
))]
async fn xor() -> impl Responder {
    "ran"
}

/// The same, on a handler with an extractor (the wrapper then awaits its arguments).
#[get("/xor/{tail}")]
#[checkpoint(any(
    all((session_key = "a", values = true), not((session_key = "b", values = true))),
    all(not((session_key = "a", values = true)), (session_key = "b", values = true)),
), fail_status = 404)]
async fn xor_with_path(tail: web::Path<String>) -> impl Responder {
    tail.into_inner()
}

#[actix_web::test]
async fn combinations_of_session_checks_follow_their_truth_tables() {
    let mut browser = browser!(|cfg: &mut web::ServiceConfig| {
        cfg.service(xor).service(xor_with_path);
    });
    for a in [false, true] {
        for b in [false, true] {
            browser.set_session(json!({ "a": a, "b": b })).await;
            let (plain, with_path) = (browser.get("/xor").await, browser.get("/xor/ran").await);
            if a != b {
                assert_eq!((plain.status, plain.body.as_str()), (StatusCode::OK, "ran"));
                assert_eq!(
                    (with_path.status, with_path.body.as_str()),
                    (StatusCode::OK, "ran")
                );
            } else {
                assert_eq!(plain.status, StatusCode::FORBIDDEN, "xor({a}, {b})");
                assert_eq!(with_path.status, StatusCode::NOT_FOUND, "xor({a}, {b})");
            }
        }
    }
}

static FIRST_RUNS: AtomicUsize = AtomicUsize::new(0);
static SECOND_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Passes for `?first=yes`, counting its runs.
async fn first(query: web::Query<std::collections::HashMap<String, String>>) -> bool {
    FIRST_RUNS.fetch_add(1, Ordering::SeqCst);
    query.get("first").is_some_and(|value| value == "yes")
}

/// Passes for `?second=yes`, counting its runs.
async fn second(query: web::Query<std::collections::HashMap<String, String>>) -> bool {
    SECOND_RUNS.fetch_add(1, Ordering::SeqCst);
    query.get("second").is_some_and(|value| value == "yes")
}

#[get("/counted/any")]
#[checkpoint(any((check = first), (check = second)))]
async fn counted_any() -> impl Responder {
    "ran"
}

#[get("/counted/all")]
#[checkpoint(all((check = first), (check = second)))]
async fn counted_all() -> impl Responder {
    "ran"
}

#[actix_web::test]
async fn operands_run_in_order_and_stop_once_the_verdict_is_known() {
    let mut browser = browser!(|cfg: &mut web::ServiceConfig| {
        cfg.service(counted_any).service(counted_all);
    });
    // (uri, first passes, second passes) -> (status, whether `second` ran)
    let cases = [
        ("/counted/any?first=yes", StatusCode::OK, false),
        ("/counted/any?second=yes", StatusCode::OK, true),
        ("/counted/any", StatusCode::FORBIDDEN, true),
        ("/counted/all?first=yes&second=yes", StatusCode::OK, true),
        ("/counted/all?second=yes", StatusCode::FORBIDDEN, false),
        ("/counted/all?first=yes", StatusCode::FORBIDDEN, true),
    ];
    for (uri, expected, second_ran) in cases {
        let (first_before, second_before) = (
            FIRST_RUNS.load(Ordering::SeqCst),
            SECOND_RUNS.load(Ordering::SeqCst),
        );
        assert_eq!(browser.get(uri).await.status, expected, "{uri}");
        assert_eq!(
            FIRST_RUNS.load(Ordering::SeqCst) - first_before,
            1,
            "{uri}: the first operand always runs, once"
        );
        assert_eq!(
            SECOND_RUNS.load(Ordering::SeqCst) - second_before,
            usize::from(second_ran),
            "{uri}: the second operand runs only when the first did not decide"
        );
    }
}

#[get("/ten")]
#[checkpoint(any(
    (session_key = "k0", values = true), (session_key = "k1", values = true),
    (session_key = "k2", values = true), (session_key = "k3", values = true),
    (session_key = "k4", values = true), (session_key = "k5", values = true),
    (session_key = "k6", values = true), (session_key = "k7", values = true),
    (session_key = "k8", values = true), (session_key = "k9", values = [1, 2]),
))]
async fn ten() -> impl Responder {
    "ran"
}

#[get("/ten/all")]
#[checkpoint(all(
    (session_key = "k0", values = true), (session_key = "k1", values = true),
    (session_key = "k2", values = true), (session_key = "k3", values = true),
    (session_key = "k4", values = true), (session_key = "k5", values = true),
    (session_key = "k6", values = true), (session_key = "k7", values = true),
    (session_key = "k8", values = true), (session_key = "k9", values = [1, 2]),
))]
async fn ten_all() -> impl Responder {
    "ran"
}

#[actix_web::test]
async fn more_than_eight_operands_are_each_decisive() {
    let mut browser = browser!(|cfg: &mut web::ServiceConfig| {
        cfg.service(ten).service(ten_all);
    });
    assert_eq!(browser.get("/ten").await.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/ten/all").await.status, StatusCode::FORBIDDEN);
    // Each operand alone passes `any`; each one failing alone fails `all`.
    for index in 0..10 {
        let key = format!("k{index}");
        let pass = if index == 9 { json!(2) } else { json!(true) };
        let fail = if index == 9 { json!(3) } else { json!(false) };
        browser
            .set_session(json!({ key.clone(): pass.clone() }))
            .await;
        assert_eq!(browser.get("/ten").await.status, StatusCode::OK, "{key}");

        let mut all: serde_json::Map<String, serde_json::Value> = (0..9)
            .map(|other| (format!("k{other}"), json!(true)))
            .collect();
        all.insert("k9".into(), json!(1));
        browser.set_session(all.clone().into()).await;
        assert_eq!(browser.get("/ten/all").await.status, StatusCode::OK);
        all.insert(key.clone(), fail);
        browser.set_session(all.into()).await;
        assert_eq!(
            browser.get("/ten/all").await.status,
            StatusCode::FORBIDDEN,
            "{key}"
        );
        // Clear the keys for the next round.
        let cleared: serde_json::Map<String, serde_json::Value> = (0..10)
            .map(|other| (format!("k{other}"), json!(null)))
            .collect();
        browser.set_session(cleared.into()).await;
    }
}

mod keys {
    /// A key read from configuration that is not there.
    pub fn missing() -> String {
        std::env::var("CHECKPOINT_TEST_SURELY_UNSET_KEY").expect("the key is configured")
    }
}

#[get("/panicking-key")]
#[checkpoint(any((session_key = "a", values = true), (api_key = keys::missing())))]
async fn panicking_key() -> impl Responder {
    "ran"
}

#[actix_web::test]
async fn a_panicking_key_fails_the_combination_closed() {
    let mut browser = browser!(|cfg: &mut web::ServiceConfig| {
        cfg.service(panicking_key);
    });
    // Keys are evaluated before the check runs: even with `a` passing, the fault answers.
    browser.set_session(json!({ "a": true })).await;
    let reply = browser.get("/panicking-key").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_ne!(reply.body, "ran");
}

#[get("/needs-session")]
#[checkpoint(any((api_key = "k"), (session_key = "a", values = true)))]
async fn needs_session() -> impl Responder {
    "ran"
}

#[actix_web::test]
async fn a_combination_reading_the_session_fails_closed_without_session_middleware() {
    let app = actix_web::test::init_service(App::new().service(needs_session)).await;
    let request = TestRequest::get()
        .uri("/needs-session")
        .insert_header(("x-api-key", "k"))
        .to_request();
    let response = actix_web::test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
