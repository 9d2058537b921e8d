// A guarded handler registered with `web::get().to(handler)`, and every inline option.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{web, App, HttpRequest, HttpResponse};
use checkpoint_runtime::checkpoint;

fn denied(_req: &HttpRequest) -> HttpResponse {
    HttpResponse::Forbidden().body("denied")
}

#[checkpoint(
    session_key = "level",
    values = [1, -2, 9223372036854775807, -9223372036854775808, "x", false],
    fail_url = url_for("user", "42", 7),
    pass_url = "/already",
    message = "Not allowed",
    message_category = "warning",
)]
async fn all_redirects() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(session_key = "k", values = "v", fail_json = { "error": "nope", "n": [1, 2.5] }, fail_status = 599)]
async fn json() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(session_key = "k", values = "v", fail_response = denied)]
async fn custom() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(session_key = "k", values = "v", disable_default_fail)]
#[checkpoint(
    session_key = "j",
    values = 1,
    disable_default_fail = false,
    fail_status = 400
)]
pub async fn soft() -> &'static str {
    "maybe logged in"
}

fn main() {
    let _ = App::new()
        .route("/all", web::get().to(all_redirects))
        .route("/json", web::get().to(json))
        .route("/custom", web::post().to(custom))
        .route("/soft", web::get().to(soft));
}
