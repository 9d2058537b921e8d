//! API-key, bearer, custom-check and CSRF checkpoints through the whole actix stack, with the
//! action options; Flask-Imp's own cases are marked "Flask-Imp:".

mod common;

use actix_session::Session;
use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceResponse},
    get,
    http::{header, StatusCode},
    post, test, web, HttpRequest, HttpResponse, Responder,
};
use checkpoint_runtime::{checkpoint, include_csrf};
use serde_json::json;

mod config {
    /// Read from configuration at request time, not a literal in the attribute.
    pub fn api_key() -> String {
        String::from("k3y-from-config")
    }
}

const BEARER_TOKEN: &str = "t0ken";

#[get("/key/header")]
#[checkpoint(api_key = config::api_key(), header = "x-api-key",
             fail_json = { "error": "bad key" }, fail_status = 401)]
async fn key_in_header() -> impl Responder {
    "key ok"
}

#[get("/key/default")]
#[checkpoint(api_key = "plain-key")]
async fn key_default_header() -> impl Responder {
    "default header ok"
}

#[get("/key/query")]
#[checkpoint(api_key = config::api_key(), query = "api_key", fail_status = 401)]
async fn key_in_query() -> impl Responder {
    "query ok"
}

#[get("/key/redirect")]
#[checkpoint(api_key = config::api_key(), fail_url = "/login", message = "Key required",
             message_category = "error")]
async fn key_redirect() -> impl Responder {
    "key redirect ok"
}

#[get("/bearer")]
#[checkpoint(bearer = BEARER_TOKEN, fail_status = 401)]
async fn bearer() -> impl Responder {
    "bearer ok"
}

async fn logged_in(session: Session) -> bool {
    matches!(session.get::<bool>("logged_in"), Ok(Some(true)))
}

async fn owns_account(id: web::Path<u32>, session: Session) -> bool {
    matches!(session.get::<u32>("account"), Ok(Some(owned)) if owned == *id)
}

fn teapot(_: &HttpRequest) -> HttpResponse {
    HttpResponse::build(StatusCode::IM_A_TEAPOT).finish()
}

#[get("/callable/default")]
#[checkpoint(check = logged_in)]
async fn callable_default() -> impl Responder {
    "callable ok"
}

#[get("/callable/fail-url")]
#[checkpoint(check = logged_in, fail_url = "/login", message = "Log in first")]
async fn callable_fail_url() -> impl Responder {
    "callable ok"
}

#[get("/callable/fail-json")]
#[checkpoint(check = logged_in, fail_json = { "error": "nope" }, fail_status = 401)]
async fn callable_fail_json() -> impl Responder {
    "callable ok"
}

#[get("/callable/fail-response")]
#[checkpoint(check = logged_in, fail_response = teapot)]
async fn callable_fail_response() -> impl Responder {
    "callable ok"
}

#[get("/callable/pass-url")]
#[checkpoint(check = logged_in, pass_url = "/account", disable_default_fail)]
async fn callable_pass_url() -> impl Responder {
    "login form"
}

#[get("/accounts/{id}")]
#[checkpoint(check = owns_account)]
async fn account(id: web::Path<u32>) -> impl Responder {
    format!("account {id}")
}

#[get("/form")]
#[include_csrf]
async fn form(session: Session) -> impl Responder {
    let token = session
        .get::<String>("csrf")
        .ok()
        .flatten()
        .unwrap_or_default();
    HttpResponse::Ok().body(token)
}

#[derive(serde::Deserialize)]
struct Comment {
    text: String,
}

#[post("/form")]
#[include_csrf]
async fn submit(comment: web::Form<Comment>) -> impl Responder {
    format!("got {}", comment.text)
}

#[post("/raw")]
#[include_csrf(session_key = "csrf", form_key = "token")]
async fn submit_raw(body: web::Bytes) -> impl Responder {
    format!("{} bytes", body.len())
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(key_in_header)
        .service(key_default_header)
        .service(key_in_query)
        .service(key_redirect)
        .service(bearer)
        .service(callable_default)
        .service(callable_fail_url)
        .service(callable_fail_json)
        .service(callable_fail_response)
        .service(callable_pass_url)
        .service(account)
        .service(form)
        .service(submit)
        .service(submit_raw);
}

fn get(uri: &str) -> test::TestRequest {
    test::TestRequest::get().uri(uri)
}

#[actix_web::test]
async fn flask_imp_api_key_in_header_passes_missing_or_wrong_gets_the_json() {
    let mut browser = browser!(routes);
    let reply = browser
        .send(get("/key/header").insert_header(("x-api-key", "k3y-from-config")))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "key ok")
    );
    for request in [
        get("/key/header"),
        get("/key/header").insert_header(("x-api-key", "wrong")),
        get("/key/header").insert_header(("x-api-key", "")),
        get("/key/header?x-api-key=k3y-from-config"),
    ] {
        let reply = browser.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json(), json!({ "error": "bad key" }));
    }
    let reply = browser
        .send(get("/key/default").insert_header(("X-API-Key", "plain-key")))
        .await;
    assert_eq!(reply.body, "default header ok");
    assert_eq!(
        browser.get("/key/default").await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn flask_imp_api_key_in_query_passes_and_fails() {
    let mut browser = browser!(routes);
    assert_eq!(
        browser.get("/key/query?api_key=k3y-from-config").await.body,
        "query ok"
    );
    assert_eq!(
        browser.get("/key/query?api_key=nope").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.get("/key/query").await.status,
        StatusCode::UNAUTHORIZED
    );
    let header_only = get("/key/query").insert_header(("x-api-key", "k3y-from-config"));
    assert_eq!(
        browser.send(header_only).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn an_api_key_failure_can_redirect_with_a_flash() {
    let mut browser = browser!(routes);
    let reply = browser.get("/key/redirect").await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (StatusCode::FOUND, Some("/login"))
    );
    assert_eq!(
        browser.flashes().await,
        [("error".into(), "Key required".into())]
    );
}

#[actix_web::test]
async fn flask_imp_bearer_passes_and_wrong_missing_or_basic_fail() {
    let mut browser = browser!(routes);
    let with =
        |value: &str| get("/bearer").insert_header((header::AUTHORIZATION, value.to_owned()));
    assert_eq!(browser.send(with("Bearer t0ken")).await.body, "bearer ok");
    assert_eq!(browser.send(with("bearer t0ken")).await.body, "bearer ok");
    for refused in [
        with("Bearer wrong"),
        get("/bearer"),
        with("Basic dDBrZW4="),
        with("Bearer "),
    ] {
        assert_eq!(browser.send(refused).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn flask_imp_callable_with_each_action() {
    let mut browser = browser!(routes);
    assert_eq!(
        browser.get("/callable/default").await.status,
        StatusCode::FORBIDDEN
    );
    let reply = browser.get("/callable/fail-url").await;
    assert_eq!(reply.location.as_deref(), Some("/login"));
    assert_eq!(
        browser.flashes().await,
        [("message".into(), "Log in first".into())]
    );
    let reply = browser.get("/callable/fail-json").await;
    assert_eq!(
        (reply.status, reply.json()),
        (StatusCode::UNAUTHORIZED, json!({ "error": "nope" }))
    );
    assert_eq!(
        browser.get("/callable/fail-response").await.status,
        StatusCode::IM_A_TEAPOT
    );
    assert_eq!(browser.get("/callable/pass-url").await.body, "login form");

    browser.set_session(json!({ "logged_in": true })).await;
    for uri in [
        "/callable/default",
        "/callable/fail-url",
        "/callable/fail-json",
        "/callable/fail-response",
    ] {
        assert_eq!(browser.get(uri).await.body, "callable ok", "{uri}");
    }
    let reply = browser.get("/callable/pass-url").await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (StatusCode::FOUND, Some("/account"))
    );
}

#[actix_web::test]
async fn flask_imp_url_argument_predicate_passes_and_fails() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "account": 7 })).await;
    assert_eq!(browser.get("/accounts/7").await.body, "account 7");
    assert_eq!(
        browser.get("/accounts/8").await.status,
        StatusCode::FORBIDDEN
    );
    // An argument that does not extract fails the check rather than answering 404 or 400.
    assert_eq!(
        browser.get("/accounts/seven").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn csrf_token<S, B>(browser: &mut common::Browser<S>) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let reply = browser.get("/form").await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.body
}

#[actix_web::test]
async fn flask_imp_csrf_get_sets_a_token_and_a_post_with_it_passes() {
    let mut browser = browser!(routes);
    let token = csrf_token(&mut browser).await;
    assert_eq!(token.len(), 64);
    assert_eq!(
        csrf_token(&mut browser).await,
        token,
        "the token lasts for the session"
    );

    let post = test::TestRequest::post()
        .uri("/form")
        .set_form([("text", "hello"), ("csrf", token.as_str())]);
    let reply = browser.send(post).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "got hello")
    );

    let by_header = test::TestRequest::post()
        .uri("/raw")
        .insert_header(("X-CSRF-Token", token.as_str()))
        .set_payload("0123456789");
    assert_eq!(browser.send(by_header).await.body, "10 bytes");
}

#[actix_web::test]
async fn flask_imp_csrf_wrong_or_missing_field_is_401() {
    let mut browser = browser!(routes);
    let token = csrf_token(&mut browser).await;
    for fields in [
        vec![("text", "hello"), ("csrf", "0".repeat(64).leak() as &str)],
        vec![("text", "hello")],
        vec![("text", "hello"), ("csrf", "")],
    ] {
        let post = test::TestRequest::post().uri("/form").set_form(fields);
        let reply = browser.send(post).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let wrong_name = test::TestRequest::post()
        .uri("/raw")
        .set_form([("csrf", token.as_str())]);
    assert_eq!(
        browser.send(wrong_name).await.status,
        StatusCode::UNAUTHORIZED,
        "form_key is `token`"
    );
    let right_name = test::TestRequest::post()
        .uri("/raw")
        .set_form([("token", token.as_str())]);
    assert_eq!(browser.send(right_name).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn flask_imp_csrf_without_a_session_token_is_401() {
    let mut browser = browser!(routes);
    let post = test::TestRequest::post()
        .uri("/form")
        .set_form([("text", "hello"), ("csrf", "anything")]);
    assert_eq!(browser.send(post).await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn csrf_tokens_differ_between_sessions() {
    let mut first = browser!(routes);
    let mut second = browser!(routes);
    let (a, b) = (csrf_token(&mut first).await, csrf_token(&mut second).await);
    assert_ne!(a, b);
    let cross = test::TestRequest::post()
        .uri("/form")
        .set_form([("text", "x"), ("csrf", a.as_str())]);
    assert_eq!(second.send(cross).await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn csrf_reads_multipart_forms_and_hands_the_body_on() {
    let mut browser = browser!(routes);
    let token = csrf_token(&mut browser).await;
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n\
         payload\r\n--XyZ--\r\n"
    );
    let post = |body: String| {
        test::TestRequest::post()
            .uri("/raw")
            .insert_header((header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ"))
            .set_payload(body)
    };
    let length = body.len();
    let reply = browser.send(post(body.clone())).await;
    assert_eq!(
        reply.body,
        format!("{length} bytes"),
        "the handler saw the whole body"
    );
    let forged = body.replace(&token, &"f".repeat(64));
    assert_eq!(
        browser.send(post(forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn csrf_refuses_a_body_over_the_limit() {
    let mut browser = browser!(routes);
    let token = csrf_token(&mut browser).await;
    let huge = "x".repeat(300 * 1024);
    let post = test::TestRequest::post()
        .uri("/form")
        .set_form([("text", huge.as_str()), ("csrf", token.as_str())]);
    assert_eq!(browser.send(post).await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn every_csrf_failure_is_logged_with_its_reason() {
    common::record_logs();
    let logged = |needle: &str| {
        common::logged_lines().iter().any(|line| {
            (line.starts_with("DEBUG") || line.starts_with("INFO"))
                && line.contains("CSRF check failed for POST /form")
                && line.contains(needle)
        })
    };
    let mut browser = browser!(routes);
    let post = |fields: Vec<(&'static str, String)>| {
        test::TestRequest::post().uri("/form").set_form(fields)
    };
    let text = || ("text", "hello".to_owned());

    let no_session = browser.send(post(vec![text(), ("csrf", "x".into())])).await;
    assert_eq!(no_session.status, StatusCode::UNAUTHORIZED);
    assert!(logged("the session holds no token"));

    let token = csrf_token(&mut browser).await;
    browser.send(post(vec![text()])).await;
    assert!(logged("no token sent") && logged("\"csrf\""));
    let json = test::TestRequest::post()
        .uri("/form")
        .set_json(json!({ "csrf": token }));
    browser.send(json).await;
    assert!(logged("not a form"));
    browser
        .send(post(vec![text(), ("csrf", "f".repeat(64))]))
        .await;
    assert!(logged("not the session's"));
    let huge = ("text", "x".repeat(300 * 1024));
    browser.send(post(vec![huge, ("csrf", token)])).await;
    assert!(logged("exceeds the 262144 bytes"));
}
