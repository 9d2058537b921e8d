//! Under a renamed dependency (`guard` for checkpoint-runtime), every kind of checkpoint works
//! when the stack names the runtime with `crate = guard`, and `fail_json!` works as is. Nothing
//! named `checkpoint_runtime` is in scope here, so any path the expansion wrote by that name
//! would fail to compile.

use actix_identity::IdentityMiddleware;
use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, http::StatusCode, post, test, App, Responder};
use guard::{
    checkpoint, fail_json, include_csrf, login_not_required, login_required, Action, AllowedValue,
    FailJson, LoginRequired, SessionCheckpoint,
};

/// The runtime under the path that the `macro_rules!` below names through `$crate`.
use guard as rt;

const DENIED: FailJson = fail_json!({ "error": "denied" });
const ADMIN: SessionCheckpoint = SessionCheckpoint::new("role", &[AllowedValue::Str("admin")])
    .action(Action::new().fail_json(DENIED).fail_status(401));

async fn never() -> bool {
    false
}

#[get("/session")]
#[checkpoint(crate = guard, session_key = "role", values = "admin", fail_json = { "error": "x" })]
async fn session_only() -> impl Responder {
    "ran"
}

#[get("/stack")]
#[checkpoint(crate = guard, api_key = "k3y", fail_status = 404)]
#[checkpoint(bearer = "t0ken")]
#[checkpoint(check = never, fail_url = "/", message = "no")]
async fn stack() -> impl Responder {
    "ran"
}

#[get("/named")]
#[checkpoint(ADMIN, crate = "guard")]
async fn named() -> impl Responder {
    "ran"
}

#[post("/csrf")]
#[include_csrf(crate = guard)]
async fn csrf() -> impl Responder {
    "ran"
}

#[get("/combined")]
#[checkpoint(crate = guard, any(ADMIN, all((api_key = "k3y"), not((check = never)))), fail_status = 409)]
async fn combined() -> impl Responder {
    "ran"
}

#[get("/login")]
#[login_required(crate = guard)]
async fn login() -> impl Responder {
    "ran"
}

#[actix_web::test]
async fn every_kind_finds_the_renamed_runtime() {
    let app = test::init_service(
        App::new()
            .service(session_only)
            .service(stack)
            .service(named)
            .service(csrf)
            .service(login)
            .service(combined)
            .wrap(IdentityMiddleware::default())
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                Key::generate(),
            )),
    )
    .await;
    let status = |uri: &'static str, post: bool| {
        let app = &app;
        async move {
            let request = if post {
                test::TestRequest::post()
            } else {
                test::TestRequest::get()
            };
            test::call_service(app, request.uri(uri).to_request())
                .await
                .status()
        }
    };
    assert_eq!(status("/session", false).await, StatusCode::FORBIDDEN);
    assert_eq!(status("/stack", false).await, StatusCode::NOT_FOUND);
    assert_eq!(status("/named", false).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status("/csrf", true).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status("/login", false).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status("/combined", false).await, StatusCode::CONFLICT);
    assert_eq!(DENIED.as_str(), r#"{"error":"denied"}"#);
}

#[login_not_required(crate = guard)]
#[get("/public")]
async fn public() -> impl Responder {
    "public"
}

/// A handler written by a `macro_rules!` that names the runtime through its own `$crate`.
macro_rules! public_by_macro {
    () => {
        #[login_not_required(crate = $crate::rt)]
        #[get("/public-by-macro")]
        async fn public_by_macro() -> impl Responder {
            "public by macro"
        }
    };
}
public_by_macro!();

#[actix_web::test]
async fn public_routes_find_the_renamed_runtime() {
    let app = test::init_service(
        App::new()
            .service(public)
            .service(public_by_macro)
            .service(login)
            .wrap(LoginRequired::LOGGED_IN)
            .wrap(IdentityMiddleware::default())
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                Key::generate(),
            )),
    )
    .await;
    for (uri, status) in [
        ("/public", StatusCode::OK),
        ("/public-by-macro", StatusCode::OK),
        ("/login", StatusCode::UNAUTHORIZED),
    ] {
        let request = test::TestRequest::get().uri(uri).to_request();
        assert_eq!(
            test::call_service(&app, request).await.status(),
            status,
            "{uri}"
        );
    }
}
