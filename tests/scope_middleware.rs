//! The same checkpoint values guard a whole scope as middleware, with the attribute's semantics.

mod common;

use actix_web::{http::StatusCode, test, web, App, HttpResponse};
use checkpoint_runtime::{
    fail_json, url_for, Action, AllowedValue, ApiKeyCheck, Checkpoint, SessionCheckpoint, Unmatched,
};
use serde_json::json;

const LOGGED_IN: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_url(url_for("login"))
            .message("Login required"),
    );

const ADMINS: SessionCheckpoint = SessionCheckpoint::new("role", &[AllowedValue::Str("admin")])
    .action(
        Action::new()
            .fail_json(fail_json!({ "error": "admins only" }))
            .fail_status(401),
    );

/// The login page the checkpoints above redirect to.
fn login_page() -> actix_web::Resource {
    web::resource("/login")
        .name("login")
        .to(|| async { "login" })
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page())
        .service(
            web::scope("/admin")
                // The last `.wrap()` runs first: LOGGED_IN, then ADMINS.
                .wrap(ADMINS)
                .wrap(LOGGED_IN)
                .route("/users", web::get().to(|| async { "users" }))
                .route("/echo", web::post().to(|body: String| async move { body })),
        )
        .service(
            web::scope("/api")
                .wrap(Checkpoint::with_check(ApiKeyCheck::header(
                    "x-api-key",
                    String::from("k"),
                )))
                .route("/status", web::get().to(HttpResponse::Ok)),
        );
}

#[actix_web::test]
async fn a_scope_is_guarded_in_wrap_order_with_the_same_actions() {
    let mut browser = browser!(routes);
    let reply = browser.get("/admin/users").await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (StatusCode::FOUND, Some("/login"))
    );
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "Login required".into())]
    );

    browser
        .set_session(json!({ "logged_in": true, "role": "guest" }))
        .await;
    let reply = browser.get("/admin/users").await;
    assert_eq!(
        (reply.status, reply.json()),
        (StatusCode::UNAUTHORIZED, json!({ "error": "admins only" }))
    );

    browser.set_session(json!({ "role": "admin" })).await;
    assert_eq!(browser.get("/admin/users").await.body, "users");
    let echo = test::TestRequest::post()
        .uri("/admin/echo")
        .set_payload("body intact");
    assert_eq!(browser.send(echo).await.body, "body intact");
    assert_eq!(
        browser.get("/login").await.body,
        "login",
        "outside the scope: unguarded"
    );
}

#[actix_web::test]
async fn middleware_built_at_start_up_can_hold_a_configured_key() {
    let mut browser = browser!(routes);
    assert_eq!(
        browser.get("/api/status").await.status,
        StatusCode::FORBIDDEN
    );
    let keyed = test::TestRequest::get()
        .uri("/api/status")
        .insert_header(("x-api-key", "k"));
    assert_eq!(browser.send(keyed).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_session_checkpoint_in_front_of_the_session_middleware_fails_closed() {
    let app = test::init_service(
        App::new()
            .wrap(common::sessions().await)
            .wrap(LOGGED_IN)
            .route("/", web::get().to(|| async { "body ran" })),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

fn guarded_with_fallbacks(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page())
        .service(
            web::scope("/admin")
                .wrap(LOGGED_IN)
                .route("/users", web::get().to(|| async { "users" }))
                .default_service(web::to(|| async { "admin fallback" })),
        )
        .service(
            web::scope("/open-admin")
                .wrap(LOGGED_IN.unmatched(Unmatched::Check))
                .route("/users", web::get().to(|| async { "users" }))
                .default_service(web::to(|| async { "open fallback" })),
        );
}

#[actix_web::test]
async fn an_unmatched_url_in_a_guarded_scope_is_404_and_nothing_inside_runs() {
    // Flask: a blueprint's `before_request` never runs for a URL no route matches.
    let mut browser = browser!(guarded_with_fallbacks);
    for uri in ["/admin/nope", "/admin/users/extra", "/admin"] {
        let reply = browser.get(uri).await;
        assert_eq!(
            (reply.status, reply.location.as_deref()),
            (StatusCode::NOT_FOUND, None),
            "{uri}: not a login redirect"
        );
        assert_ne!(
            reply.body, "admin fallback",
            "{uri}: the default service never runs unchecked"
        );
    }
    assert!(browser.flashes().await.is_empty());
    // A matched URL is checked as ever.
    assert_eq!(browser.get("/admin/users").await.status, StatusCode::FOUND);
    // Logged in, an unmatched URL is still 404: the check is not what answers it.
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(
        browser.get("/admin/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(browser.get("/admin/users").await.body, "users");
}

#[actix_web::test]
async fn unmatched_check_guards_the_default_service_instead() {
    let mut browser = browser!(guarded_with_fallbacks);
    let reply = browser.get("/open-admin/nope").await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (StatusCode::FOUND, Some("/login"))
    );
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/open-admin/nope").await.body, "open fallback");
}
