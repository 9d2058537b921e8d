// Every action option on an API-key checkpoint, as on a session one.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{web, App, HttpRequest, HttpResponse};
use checkpoint_runtime::checkpoint;

const API_KEY: &str = "k3y";

fn denied(_req: &HttpRequest) -> HttpResponse {
    HttpResponse::Forbidden().body("denied")
}

#[checkpoint(
    api_key = API_KEY,
    header = "x-api-key",
    fail_url = url_for("login", "42"),
    pass_url = "/already",
    message = "Key required",
    message_category = "warning",
)]
async fn redirects() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(api_key = API_KEY, query = "key", fail_json = { "error": "bad key", "code": 401 }, fail_status = 401)]
async fn json() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(api_key = API_KEY, fail_response = denied)]
async fn custom() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(api_key = API_KEY, disable_default_fail)]
#[checkpoint(bearer = API_KEY, disable_default_fail = false, fail_status = 400)]
async fn soft() -> &'static str {
    "maybe authorised"
}

fn main() {
    let _ = App::new()
        .route("/redirects", web::get().to(redirects))
        .route("/json", web::get().to(json))
        .route("/custom", web::get().to(custom))
        .route("/soft", web::get().to(soft));
}
