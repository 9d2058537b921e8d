// `#[include_csrf]`: bare, with options, stacked above and below `#[checkpoint]`, next to a
// route attribute in either order.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{get, post, web, App, HttpResponse, Responder};
use checkpoint_runtime::{checkpoint, include_csrf};

#[include_csrf]
async fn bare() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[include_csrf()]
async fn empty_parentheses() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[include_csrf(
    session_key = "csrf_token",
    form_key = "_token",
    fail_url = "/form",
    message = "Expired form"
)]
async fn with_options() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[post("/csrf-above")]
#[include_csrf(form_key = "token")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn csrf_above_checkpoint(form: web::Form<Vec<(String, String)>>) -> impl Responder {
    form.len().to_string()
}

#[checkpoint(session_key = "logged_in", values = true)]
#[include_csrf]
#[post("/csrf-below")]
async fn csrf_below_checkpoint() -> impl Responder {
    "ok"
}

#[include_csrf(fail_status = 403)]
#[get("/csrf-over-get")]
async fn csrf_over_get() -> impl Responder {
    "ok"
}

#[checkpoint_runtime::include_csrf(session_key = "csrf")]
#[checkpoint_runtime::checkpoint(session_key = "k", values = 1)]
#[checkpoint_runtime::include_csrf(session_key = "other")]
async fn by_full_path() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = App::new()
        .route("/bare", web::post().to(bare))
        .route("/empty", web::post().to(empty_parentheses))
        .route("/options", web::post().to(with_options))
        .service(csrf_above_checkpoint)
        .service(csrf_below_checkpoint)
        .service(csrf_over_get)
        .route("/full-path", web::post().to(by_full_path));
}
