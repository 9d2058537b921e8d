//! The rewritten handler keeps its shape: name, docs, attributes, arguments and return type, in
//! either order with the route attribute or registered by hand; the named form behaves exactly
//! as the inline one.

mod common;

use actix_web::{error, get, http::StatusCode, test, web, HttpRequest, HttpResponse, Responder};
use checkpoint_runtime::{checkpoint, fail_json, url_for, Action, AllowedValue, SessionCheckpoint};
use serde_json::json;

/// Route attribute above the checkpoint.
#[get("/route-first/{name}")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn route_first(name: web::Path<String>, req: HttpRequest) -> impl Responder {
    format!("{name} at {}", req.path())
}

/// Checkpoint above the route attribute.
#[checkpoint(session_key = "logged_in", values = true)]
#[get("/checkpoint-first/{name}")]
#[allow(clippy::unused_async)]
async fn checkpoint_first(name: web::Path<String>) -> impl Responder {
    format!("{name} first")
}

/// Registered by hand with `web::get().to(...)`; returns a `Result`.
#[checkpoint(session_key = "logged_in", values = true)]
pub(crate) async fn by_hand(
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, error::Error> {
    match query.first() {
        Some((key, value)) if key == "fail" => Err(error::ErrorBadRequest(value.clone())),
        _ => Ok(HttpResponse::Ok().body("by hand")),
    }
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn returns_response(body: String) -> HttpResponse {
    HttpResponse::Accepted().body(body)
}

const LOGGED_IN: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_url(url_for("login"))
            .message("Login required")
            .message_category("warning"),
    );

const STAFF: SessionCheckpoint = SessionCheckpoint::new(
    "user_type",
    &[AllowedValue::Str("admin"), AllowedValue::Str("editor")],
)
.action(
    Action::new()
        .fail_json(fail_json!({ "error": "staff only" }))
        .fail_status(401),
);

#[get("/named")]
#[checkpoint(LOGGED_IN)]
#[checkpoint(STAFF)]
async fn named() -> impl Responder {
    "named"
}

#[get("/inline")]
#[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("login"),
             message = "Login required", message_category = "warning")]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"],
             fail_json = { "error": "staff only" }, fail_status = 401)]
async fn inline() -> impl Responder {
    "inline"
}

#[get("/login")]
async fn login() -> impl Responder {
    "login"
}

/// What `greeting` says, chosen by a type parameter.
trait Greeting {
    const TEXT: &'static str;
}

struct English;

impl Greeting for English {
    const TEXT: &'static str = "hello";
}

/// A generic handler without arguments, guarded only by session checkpoints: the plain-`fn`
/// wrapper, instantiated per type.
#[checkpoint(session_key = "logged_in", values = true)]
async fn greeting<G: Greeting>() -> &'static str {
    G::TEXT
}

async fn second_key_holds(session: actix_session::Session) -> bool {
    session.get::<bool>("b").ok().flatten() == Some(true)
}

/// Session checkpoints split by one that waits (`check`): the first runs before it, the others
/// after it, in order, each with its own failure.
#[get("/split")]
#[checkpoint(session_key = "a", values = true, fail_status = 401)]
#[checkpoint(check = second_key_holds, fail_status = 402)]
#[checkpoint(session_key = "c", values = true, fail_status = 404)]
#[checkpoint(
    session_key = "d",
    values = true,
    fail_url = "/login",
    message = "d is missing"
)]
async fn split() -> impl Responder {
    "split"
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(route_first)
        .service(checkpoint_first)
        .route("/by-hand", web::get().to(by_hand))
        .route("/returns-response", web::post().to(returns_response))
        .service(named)
        .service(inline)
        .service(login)
        .route("/greeting", web::get().to(greeting::<English>))
        .service(split);
}

#[actix_web::test]
async fn both_attribute_orders_and_hand_registration_are_guarded() {
    let mut browser = browser!(routes);
    for uri in ["/route-first/ann", "/checkpoint-first/ann", "/by-hand"] {
        assert_eq!(
            browser.get(uri).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    let post = test::TestRequest::post()
        .uri("/returns-response")
        .set_payload("hi");
    assert_eq!(browser.send(post).await.status, StatusCode::FORBIDDEN);

    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(
        browser.get("/route-first/ann").await.body,
        "ann at /route-first/ann"
    );
    assert_eq!(browser.get("/checkpoint-first/bob").await.body, "bob first");
    assert_eq!(browser.get("/by-hand").await.body, "by hand");
    let reply = browser.get("/by-hand?fail=nope").await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "the handler's own error passes through"
    );
    assert_eq!(reply.body, "nope");
    let post = test::TestRequest::post()
        .uri("/returns-response")
        .set_payload("hi");
    let reply = browser.send(post).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::ACCEPTED, "hi")
    );
}

#[actix_web::test]
async fn the_named_form_behaves_exactly_as_the_inline_form() {
    for uri in ["/named", "/inline"] {
        let mut browser = browser!(routes);
        let reply = browser.get(uri).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{uri}");
        assert_eq!(reply.location.as_deref(), Some("/login"));
        assert_eq!(
            browser.flashes().await,
            [("warning".into(), "Login required".into())]
        );

        browser
            .set_session(json!({ "logged_in": true, "user_type": "guest" }))
            .await;
        let reply = browser.get(uri).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(reply.json(), json!({ "error": "staff only" }));

        browser
            .set_session(json!({ "user_type": ["guest", "editor"] }))
            .await;
        let reply = browser.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.body, &uri[1..]);
    }
}

#[actix_web::test]
async fn the_handler_keeps_its_name_and_visibility() {
    // `by_hand` is `pub(crate)` and still named `by_hand`: this compiles only if so.
    let _handler: fn(HttpRequest, web::Payload) -> _ = by_hand;
}

#[actix_web::test]
async fn a_generic_handler_is_guarded_per_instantiation() {
    let mut browser = browser!(routes);
    assert_eq!(browser.get("/greeting").await.status, StatusCode::FORBIDDEN);
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/greeting").await.body, "hello");
}

#[actix_web::test]
async fn session_checkpoints_around_one_that_waits_keep_their_order() {
    let mut browser = browser!(routes);
    let mut session = json!({});
    for (key, refused) in [
        ("a", StatusCode::UNAUTHORIZED),
        ("b", StatusCode::PAYMENT_REQUIRED),
        ("c", StatusCode::NOT_FOUND),
    ] {
        browser.set_session(session.clone()).await;
        assert_eq!(browser.get("/split").await.status, refused, "without {key}");
        session[key] = json!(true);
    }
    browser.set_session(session.clone()).await;
    let reply = browser.get("/split").await;
    assert_eq!(reply.location.as_deref(), Some("/login"), "without d");
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "d is missing".into())]
    );
    session["d"] = json!(true);
    browser.set_session(session).await;
    let reply = browser.get("/split").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "split")
    );
}

/// A body that returns early (`?`, `return`) with a nameable return type: it runs as an `async`
/// block of its own inside the wrapper.
#[checkpoint(session_key = "logged_in", values = true)]
async fn parse_number(text: web::Path<String>) -> Result<HttpResponse, error::Error> {
    let number: u32 = text.parse().map_err(error::ErrorBadRequest)?;
    if number == 0 {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(HttpResponse::Ok().body((number * 2).to_string()))
}

/// The same with an `impl Trait` return type, which cannot be named: the handler is called as
/// an inner function.
#[checkpoint(session_key = "logged_in", values = true)]
async fn parse_number_opaque(text: web::Path<String>) -> impl Responder {
    let Ok(number) = text.parse::<u32>() else {
        return HttpResponse::BadRequest().finish();
    };
    HttpResponse::Ok().body((number * 2).to_string())
}

/// `#[login_required]` alone before a body that returns early with an `impl Trait` type.
#[checkpoint_runtime::login_required]
async fn parse_number_logged_in(text: web::Path<String>) -> impl Responder {
    if text.is_empty() {
        return HttpResponse::BadRequest().finish();
    }
    HttpResponse::Ok().body(text.into_inner())
}

#[actix_web::test]
async fn bodies_that_return_early_keep_their_returns_and_errors() {
    async fn log_in(req: HttpRequest) -> Result<HttpResponse, checkpoint_runtime::CheckpointError> {
        checkpoint_runtime::login_user(&req, "ann", true)?;
        Ok(HttpResponse::NoContent().finish())
    }
    let mut browser = common::Browser::new(
        test::init_service(
            actix_web::App::new()
                .wrap(checkpoint_runtime::IdentityMiddleware::default())
                .wrap(common::sessions().await)
                .configure(common::session_tools)
                .route("/log-in", web::post().to(log_in))
                .route("/double/{text}", web::get().to(parse_number))
                .route("/opaque/{text}", web::get().to(parse_number_opaque))
                .route("/logged-in/{text}", web::get().to(parse_number_logged_in)),
        )
        .await,
    );
    for uri in ["/double/21", "/opaque/21"] {
        assert_eq!(
            browser.get(uri).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    assert_eq!(
        browser.get("/logged-in/ann").await.status,
        StatusCode::UNAUTHORIZED,
        "no login"
    );
    let logged_in = browser.send(test::TestRequest::post().uri("/log-in")).await;
    assert_eq!(logged_in.status, StatusCode::NO_CONTENT);
    assert_eq!(browser.get("/logged-in/ann").await.body, "ann");
    browser.set_session(json!({ "logged_in": true })).await;
    for (uri, status, body) in [
        ("/double/21", StatusCode::OK, "42"),
        ("/double/0", StatusCode::NO_CONTENT, ""),
        ("/opaque/21", StatusCode::OK, "42"),
        ("/opaque/x", StatusCode::BAD_REQUEST, ""),
    ] {
        let reply = browser.get(uri).await;
        assert_eq!((reply.status, reply.body.as_str()), (status, body), "{uri}");
    }
    let reply = browser.get("/double/x").await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "the `?` error passes through"
    );
    assert!(reply.body.contains("invalid digit"), "{}", reply.body);
}
