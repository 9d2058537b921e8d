//! Every row of the session checkpoint's semantics, through the whole actix stack with cookie
//! sessions carried between requests. Flask-Imp's own session cases are marked "Flask-Imp:".

mod common;

use std::cell::Cell;

use actix_web::{
    get,
    http::{header, StatusCode},
    post, test, web, HttpRequest, HttpResponse, Responder,
};
use checkpoint_runtime::{checkpoint, Action, AllowedValue, RedirectTarget, SessionCheckpoint};
use serde_json::json;

#[get("/login")]
async fn login_page() -> impl Responder {
    "login form"
}

#[get("/users/{id}/home")]
async fn user_home(id: web::Path<u32>) -> impl Responder {
    format!("home of {id}")
}

#[get("/plain")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn plain() -> impl Responder {
    "plain body"
}

#[get("/status-401")]
#[checkpoint(session_key = "logged_in", values = true, fail_status = 401)]
async fn status_401() -> impl Responder {
    "body"
}

#[get("/fail-url")]
#[checkpoint(
    session_key = "logged_in",
    values = true,
    fail_url = "/login",
    message = "Login required"
)]
async fn fail_url() -> impl Responder {
    "body"
}

#[get("/fail-url-for")]
#[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("login_page"),
             message = "Please log in", message_category = "warning")]
async fn fail_url_for() -> impl Responder {
    "body"
}

#[get("/fail-url-for-args")]
#[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("user_home", 7))]
async fn fail_url_for_args() -> impl Responder {
    "body"
}

/// In the attribute, options that would never take effect are compile errors; a checkpoint
/// built by hand may still hold them, and the decision order ignores them as Flask-Imp does.
const JSON_FIRST: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_json(checkpoint_runtime::fail_json!({ "error": "No entry", "code": 1 }))
            .fail_status(401)
            .message("never flashed")
            .pass_url(RedirectTarget::Path("/elsewhere")),
    );

#[get("/fail-json")]
#[checkpoint(JSON_FIRST)]
async fn fail_json() -> impl Responder {
    "json body"
}

fn teapot(req: &HttpRequest) -> HttpResponse {
    HttpResponse::build(StatusCode::IM_A_TEAPOT).body(format!("teapot for {}", req.path()))
}

const RESPONSE_FIRST: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_response(teapot)
            .fail_url(RedirectTarget::Path("/not-used"))
            .fail_status(401),
    );

#[get("/fail-response")]
#[checkpoint(RESPONSE_FIRST)]
async fn fail_response() -> impl Responder {
    "body"
}

#[get("/pass-url")]
#[checkpoint(
    session_key = "logged_in",
    values = true,
    pass_url = "/account",
    message = "Already logged in",
    disable_default_fail
)]
async fn pass_url() -> impl Responder {
    "the login form"
}

#[get("/roles")]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
async fn roles() -> impl Responder {
    "staff only"
}

#[get("/mixed")]
#[checkpoint(session_key = "level", values = [3, -1, "three", false])]
async fn mixed() -> impl Responder {
    "mixed"
}

#[get("/admin")]
#[checkpoint(session_key = "logged_in", values = [true], fail_url = url_for("login_page"), message = "Login required")]
#[checkpoint(session_key = "user_type", values = ["admin"], fail_url = "/", message = "Admins only")]
async fn admin() -> impl Responder {
    "secret"
}

thread_local! {
    // Per thread: each test runs its app on its own thread, in parallel with the others.
    static NOTE_RUNS: Cell<usize> = const { Cell::new(0) };
}

#[derive(serde::Deserialize)]
struct Note {
    text: String,
}

#[post("/notes/{id}")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn post_note(id: web::Path<u32>, note: web::Json<Note>) -> HttpResponse {
    NOTE_RUNS.set(NOTE_RUNS.get() + 1);
    HttpResponse::Created().body(format!("{id}: {}", note.text))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(user_home)
        .service(plain)
        .service(status_401)
        .service(fail_url)
        .service(fail_url_for)
        .service(fail_url_for_args)
        .service(fail_json)
        .service(fail_response)
        .service(pass_url)
        .service(roles)
        .service(mixed)
        .service(admin)
        .service(post_note);
}

#[actix_web::test]
async fn passes_when_the_session_holds_the_value() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "logged_in": true })).await;
    let reply = browser.get("/plain").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "plain body");
}

#[actix_web::test]
async fn flask_imp_default_abort_is_403_with_a_plain_reason() {
    let mut browser = browser!(routes);
    let reply = browser.get("/plain").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, "Forbidden");
    assert!(reply.content_type.unwrap().starts_with("text/plain"));

    let reply = browser.get("/status-401").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, "Unauthorized");
}

#[actix_web::test]
async fn a_json_request_gets_the_json_default_failure() {
    let mut browser = browser!(routes);
    let request = test::TestRequest::get()
        .uri("/status-401")
        .insert_header((header::CONTENT_TYPE, "application/json"));
    let reply = browser.send(request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json(), json!({ "error": "Unauthorized" }));
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
}

#[actix_web::test]
async fn flask_imp_fail_url_redirects_with_a_flash() {
    let mut browser = browser!(routes);
    let reply = browser.get("/fail-url").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location.as_deref(), Some("/login"));
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "Login required".into())]
    );
    assert!(browser.flashes().await.is_empty(), "flashes are consumed");
}

#[actix_web::test]
async fn flask_imp_lazy_url_for_fail_url_resolves_the_route() {
    let mut browser = browser!(routes);
    let reply = browser.get("/fail-url-for").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location.as_deref(), Some("/login"));
    assert_eq!(
        browser.flashes().await,
        [("warning".into(), "Please log in".into())]
    );

    let reply = browser.get("/fail-url-for-args").await;
    assert_eq!(reply.location.as_deref(), Some("/users/7/home"));
    assert!(browser.flashes().await.is_empty(), "no message, no flash");
}

#[actix_web::test]
async fn flask_imp_fail_json_answers_the_object_with_fail_status() {
    let mut browser = browser!(routes);
    let reply = browser.get("/fail-json").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json(), json!({ "error": "No entry", "code": 1 }));
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert!(
        browser.flashes().await.is_empty(),
        "messages flash only on redirects"
    );
}

#[actix_web::test]
async fn fail_json_disables_pass_url() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "logged_in": true })).await;
    let reply = browser.get("/fail-json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "json body");
}

#[actix_web::test]
async fn flask_imp_fail_response_answers_and_wins_over_fail_url() {
    let mut browser = browser!(routes);
    let reply = browser.get("/fail-response").await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(reply.body, "teapot for /fail-response");
}

#[actix_web::test]
async fn flask_imp_pass_url_redirects_when_the_check_passes() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "logged_in": true })).await;
    let reply = browser.get("/pass-url").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location.as_deref(), Some("/account"));
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "Already logged in".into())]
    );
}

#[actix_web::test]
async fn flask_imp_disable_default_fail_runs_the_view() {
    let mut browser = browser!(routes);
    let reply = browser.get("/pass-url").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "the login form");
}

#[actix_web::test]
async fn flask_imp_role_list_admin_passes_guest_is_refused() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "user_type": "admin" })).await;
    assert_eq!(browser.get("/roles").await.status, StatusCode::OK);
    browser.set_session(json!({ "user_type": "editor" })).await;
    assert_eq!(browser.get("/roles").await.status, StatusCode::OK);
    browser.set_session(json!({ "user_type": "guest" })).await;
    assert_eq!(browser.get("/roles").await.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_session_list_passes_when_any_element_is_allowed() {
    let mut browser = browser!(routes);
    browser
        .set_session(json!({ "user_type": ["guest", "editor"] }))
        .await;
    assert_eq!(browser.get("/roles").await.status, StatusCode::OK);
    browser
        .set_session(json!({ "user_type": ["guest", "visitor"] }))
        .await;
    assert_eq!(browser.get("/roles").await.status, StatusCode::FORBIDDEN);
    browser.set_session(json!({ "user_type": [] })).await;
    assert_eq!(browser.get("/roles").await.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn comparison_is_strict_about_json_types() {
    let mut browser = browser!(routes);
    for refused in [
        json!("true"),
        json!(1),
        json!(null),
        json!({ "logged_in": true }),
    ] {
        browser.set_session(json!({ "logged_in": refused })).await;
        assert_eq!(
            browser.get("/plain").await.status,
            StatusCode::FORBIDDEN,
            "{refused}"
        );
    }
    for (value, status) in [
        (json!(3), StatusCode::OK),
        (json!(-1), StatusCode::OK),
        (json!("three"), StatusCode::OK),
        (json!(false), StatusCode::OK),
        (json!("3"), StatusCode::FORBIDDEN),
        (json!(3.0), StatusCode::FORBIDDEN),
        (json!(true), StatusCode::FORBIDDEN),
        (json!(0), StatusCode::FORBIDDEN),
    ] {
        browser.set_session(json!({ "level": value })).await;
        assert_eq!(browser.get("/mixed").await.status, status, "{value}");
    }
}

#[actix_web::test]
async fn stacked_checkpoints_run_top_to_bottom_and_the_first_failure_answers() {
    let mut browser = browser!(routes);
    let reply = browser.get("/admin").await;
    assert_eq!(reply.location.as_deref(), Some("/login"));
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "Login required".into())]
    );

    browser
        .set_session(json!({ "logged_in": true, "user_type": "guest" }))
        .await;
    let reply = browser.get("/admin").await;
    assert_eq!(reply.location.as_deref(), Some("/"));
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "Admins only".into())]
    );

    browser.set_session(json!({ "user_type": "admin" })).await;
    let reply = browser.get("/admin").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "secret");
}

#[actix_web::test]
async fn checks_run_before_the_handlers_extractors() {
    let mut browser = browser!(routes);
    let runs_before = NOTE_RUNS.get();
    let malformed = test::TestRequest::post()
        .uri("/notes/1")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{ not json");
    let reply = browser.send(malformed).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "the checkpoint answers, not web::Json"
    );
    assert_eq!(reply.json(), json!({ "error": "Unauthorized" }));
    let bad_path = test::TestRequest::post().uri("/notes/not-a-number");
    assert_eq!(browser.send(bad_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(NOTE_RUNS.get(), runs_before, "the body never ran");
}

#[actix_web::test]
async fn after_a_pass_the_handler_gets_its_extractors_and_their_errors() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "logged_in": true })).await;
    let good = test::TestRequest::post()
        .uri("/notes/5")
        .set_json(json!({ "text": "hello" }));
    let reply = browser.send(good).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body, "5: hello");

    let malformed = test::TestRequest::post()
        .uri("/notes/5")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{ not json");
    assert_eq!(
        browser.send(malformed).await.status,
        StatusCode::BAD_REQUEST
    );
    let bad_path = test::TestRequest::post()
        .uri("/notes/x")
        .set_json(json!({ "text": "hello" }));
    assert_eq!(browser.send(bad_path).await.status, StatusCode::NOT_FOUND);
}

/// Handlers written by a `macro_rules!` macro: its `$value:expr`, `$status:expr` and `$name:path`
/// fragments reach the attribute wrapped in invisible groups, and read as what they hold.
macro_rules! role_page {
    ($handler:ident, $path:literal, $key:expr, $value:expr, $status:expr) => {
        #[get($path)]
        #[checkpoint(session_key = $key, values = $value, fail_status = $status)]
        async fn $handler() -> impl Responder {
            $path
        }
    };
    ($handler:ident, $path:literal, $named:path) => {
        #[get($path)]
        #[checkpoint($named)]
        async fn $handler() -> impl Responder {
            $path
        }
    };
}

const EDITOR: SessionCheckpoint = SessionCheckpoint::new("role", &[AllowedValue::Str("editor")]);

role_page!(macro_admin, "/macro/admin", "role", ["admin", "owner"], 401);
role_page!(macro_editor, "/macro/editor", EDITOR);

#[actix_web::test]
async fn attributes_written_by_a_macro_rules_macro_take_its_fragments() {
    let mut browser = browser!(|cfg: &mut web::ServiceConfig| {
        cfg.service(macro_admin).service(macro_editor);
    });
    assert_eq!(
        browser.get("/macro/admin").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.get("/macro/editor").await.status,
        StatusCode::FORBIDDEN
    );
    browser.set_session(json!({ "role": "owner" })).await;
    assert_eq!(browser.get("/macro/admin").await.status, StatusCode::OK);
    browser.set_session(json!({ "role": "editor" })).await;
    assert_eq!(browser.get("/macro/editor").await.status, StatusCode::OK);
}
