//! Every action option works with every kind of checkpoint, in the same decision order: one
//! set of handlers per kind, generated from one template, each driven failing and passing.

mod common;

use actix_web::{http::StatusCode, test::TestRequest, web};
use serde_json::json;

/// Passes for `?ok=true`: a predicate that needs no session.
async fn ok_flag(query: web::Query<std::collections::HashMap<String, String>>) -> bool {
    query.get("ok").is_some_and(|value| value == "true")
}

/// One module of handlers guarded by `#[checkpoint_runtime::$attr($($kind)* <action options>)]`.
macro_rules! handlers_for {
    ($module:ident, $attr:ident, [$($kind:tt)*]) => {
        mod $module {
            use actix_web::{http::StatusCode, route, web, HttpRequest, HttpResponse, Responder};

            #[allow(unused_imports)]
            use super::ok_flag;

            fn teapot(_: &HttpRequest) -> HttpResponse {
                HttpResponse::build(StatusCode::IM_A_TEAPOT).body("teapot")
            }

            #[route("/default", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)*)]
            async fn default() -> impl Responder { "ran" }

            #[route("/status", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)* fail_status = 429)]
            async fn status() -> impl Responder { "ran" }

            #[route("/fail-url", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)* fail_url = "/login", message = "go away", message_category = "warning")]
            async fn fail_url() -> impl Responder { "ran" }

            #[route("/fail-json", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)* fail_json = { "error": "json" }, fail_status = 402)]
            async fn fail_json() -> impl Responder { "ran" }

            #[route("/fail-response", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)* fail_response = teapot)]
            async fn fail_response() -> impl Responder { "ran" }

            #[route("/pass-url", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)* pass_url = "/next", message = "welcome back", disable_default_fail)]
            async fn pass_url() -> impl Responder { "ran" }

            #[route("/disable-default-fail", method = "GET", method = "POST")]
            #[checkpoint_runtime::$attr($($kind)* disable_default_fail = true)]
            async fn disable_default_fail() -> impl Responder { "ran" }

            pub fn routes(cfg: &mut web::ServiceConfig) {
                cfg.service(default)
                    .service(status)
                    .service(fail_url)
                    .service(fail_json)
                    .service(fail_response)
                    .service(pass_url)
                    .service(disable_default_fail);
            }
        }
    };
}

handlers_for!(
    session_kind,
    checkpoint,
    [session_key = "ok", values = true,]
);
handlers_for!(api_key_kind, checkpoint, [api_key = "k3y",]);
handlers_for!(
    api_key_query_kind,
    checkpoint,
    [api_key = "k3y", query = "key",]
);
handlers_for!(bearer_kind, checkpoint, [bearer = "t0ken",]);
handlers_for!(predicate_kind, checkpoint, [check = ok_flag,]);
handlers_for!(csrf_kind, include_csrf, []);
handlers_for!(
    any_kind,
    checkpoint,
    [any(
        super::OK_IN_SESSION,
        (api_key = "k3y"),
        (bearer = "t0ken")
    ),]
);
handlers_for!(
    all_kind,
    checkpoint,
    [all((check = ok_flag), (session_key = "ok", values = true)),]
);
handlers_for!(
    not_kind,
    checkpoint,
    [not(any(
        (api_key = "banned", header = "x-ban"),
        (check = ok_flag)
    )),]
);

/// A named checkpoint as an operand: its check counts, its action (a redirect) gives way to the
/// combination's.
const OK_IN_SESSION: checkpoint_runtime::SessionCheckpoint =
    checkpoint_runtime::SessionCheckpoint::new(
        "ok",
        &[checkpoint_runtime::AllowedValue::Bool(true)],
    )
    .action(
        checkpoint_runtime::Action::new()
            .fail_url(checkpoint_runtime::RedirectTarget::Path("/never")),
    );

/// Drives one kind's handlers: every action on a failing request (`$fail` turns a request of
/// `$method` into one that fails), then `$prepare` (with the browser in scope), then every
/// handler on a passing request (`$pass`).
macro_rules! drive {
    (
        $module:ident, $method:ident,
        fail: $fail:expr, default: $default_status:expr,
        then: |$browser:ident| $prepare:block,
        pass: $pass:expr
    ) => {{
        let mut $browser = browser!($module::routes);
        let request = |uri: &str| TestRequest::$method().uri(uri);
        let fail = $fail;

        let reply = $browser.send(fail(request("/default"))).await;
        assert_eq!(reply.status, $default_status, "default");
        assert_eq!(reply.body, $default_status.canonical_reason().unwrap());
        // One rule for every kind, the login layer's too: a client that accepts or sends JSON,
        // or an XMLHttpRequest, gets the default failure as JSON.
        for header in [
            ("accept", "application/json"),
            ("accept", "text/html;q=0.5, application/problem+json"),
            ("content-type", "application/json; charset=utf-8"),
            ("x-requested-with", "XMLHttpRequest"),
        ] {
            let reply = $browser.send(fail(request("/default")).insert_header(header)).await;
            assert_eq!(reply.status, $default_status, "{header:?}");
            assert_eq!(reply.json(), json!({ "error": "Unauthorized" }), "{header:?}");
        }
        let reply = $browser.send(fail(request("/status"))).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);

        let reply = $browser.send(fail(request("/fail-url"))).await;
        assert_eq!(reply.status, StatusCode::FOUND);
        assert_eq!(reply.location.as_deref(), Some("/login"));
        assert_eq!($browser.flashes().await, [("warning".into(), "go away".into())]);

        let reply = $browser.send(fail(request("/fail-json"))).await;
        assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
        assert_eq!(reply.json(), json!({ "error": "json" }));
        assert!($browser.flashes().await.is_empty(), "fail_json flashes nothing");

        let reply = $browser.send(fail(request("/fail-response"))).await;
        assert_eq!((reply.status, reply.body.as_str()), (StatusCode::IM_A_TEAPOT, "teapot"));

        assert_eq!($browser.send(fail(request("/pass-url"))).await.body, "ran");
        let reply = $browser.send(fail(request("/disable-default-fail"))).await;
        assert_eq!(reply.body, "ran");

        $prepare
        let pass = $pass;
        for uri in [
            "/default",
            "/status",
            "/fail-url",
            "/fail-json",
            "/fail-response",
            "/disable-default-fail",
        ] {
            let reply = $browser.send(pass(request(uri))).await;
            assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "ran"), "{uri}");
        }
        let reply = $browser.send(pass(request("/pass-url"))).await;
        assert_eq!(reply.status, StatusCode::FOUND);
        assert_eq!(reply.location.as_deref(), Some("/next"));
        assert_eq!($browser.flashes().await, [("message".into(), "welcome back".into())]);
    }};
}

fn unchanged(request: TestRequest) -> TestRequest {
    request
}

/// The same request with `query` as its query string.
fn with_query(request: TestRequest, query: &str) -> TestRequest {
    let http = request.to_http_request();
    TestRequest::default()
        .method(http.method().clone())
        .uri(&format!("{}?{query}", http.path()))
}

#[actix_web::test]
async fn session_checkpoints_take_every_action() {
    drive!(session_kind, get,
        fail: unchanged, default: StatusCode::FORBIDDEN,
        then: |browser| { browser.set_session(json!({ "ok": true })).await; },
        pass: unchanged);
}

#[actix_web::test]
async fn api_key_checkpoints_take_every_action() {
    drive!(api_key_kind, get,
        fail: unchanged, default: StatusCode::FORBIDDEN,
        then: |browser| {},
        pass: |r: TestRequest| r.insert_header(("x-api-key", "k3y")));
}

#[actix_web::test]
async fn query_api_key_checkpoints_take_every_action() {
    drive!(api_key_query_kind, get,
        fail: |r| with_query(r, "key=wrong"), default: StatusCode::FORBIDDEN,
        then: |browser| {},
        pass: |r| with_query(r, "key=k3y"));
}

#[actix_web::test]
async fn bearer_checkpoints_take_every_action() {
    drive!(bearer_kind, get,
        fail: |r: TestRequest| r.insert_header(("authorization", "Basic dDBrZW4=")),
        default: StatusCode::FORBIDDEN,
        then: |browser| {},
        pass: |r: TestRequest| r.insert_header(("authorization", "Bearer t0ken")));
}

#[actix_web::test]
async fn predicate_checkpoints_take_every_action() {
    drive!(predicate_kind, get,
        fail: |r| with_query(r, "ok=false"), default: StatusCode::FORBIDDEN,
        then: |browser| {},
        pass: |r| with_query(r, "ok=true"));
}

#[actix_web::test]
async fn csrf_checkpoints_take_every_action() {
    let token;
    drive!(csrf_kind, post,
        fail: |r: TestRequest| r.insert_header(("x-csrf-token", "forged")),
        default: StatusCode::UNAUTHORIZED,
        then: |browser| {
            // A safe request puts a token in the session; the session tools read it back.
            assert_eq!(browser.get("/default").await.body, "ran");
            token = browser.session_value("csrf").await.as_str().unwrap().to_owned();
        },
        pass: |r: TestRequest| r.insert_header(("x-csrf-token", token.clone())));
}

#[actix_web::test]
async fn any_checkpoints_take_every_action() {
    drive!(any_kind, get,
        fail: |r: TestRequest| r.insert_header(("x-api-key", "wrong")),
        default: StatusCode::FORBIDDEN,
        then: |browser| {},
        pass: |r: TestRequest| r.insert_header(("authorization", "Bearer t0ken")));
}

#[actix_web::test]
async fn all_checkpoints_take_every_action() {
    drive!(all_kind, get,
        // The predicate passes and the session check, second, fails.
        fail: |r| with_query(r, "ok=true"), default: StatusCode::FORBIDDEN,
        then: |browser| { browser.set_session(json!({ "ok": true })).await; },
        pass: |r| with_query(r, "ok=true"));
}

#[actix_web::test]
async fn not_checkpoints_take_every_action() {
    drive!(not_kind, get,
        fail: |r: TestRequest| r.insert_header(("x-ban", "banned")),
        default: StatusCode::FORBIDDEN,
        then: |browser| {},
        pass: |r| with_query(r, "ok=false"));
}
