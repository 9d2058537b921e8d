// Handlers taking extractors: they run only once every checkpoint has passed.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_session::Session;
use actix_web::{post, web, App, HttpRequest, HttpResponse};
use checkpoint_runtime::{checkpoint, FlashMessages};
use serde::Deserialize;

#[derive(Deserialize)]
struct Comment {
    text: String,
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn user_page(path: web::Path<(u32,)>) -> HttpResponse {
    HttpResponse::Ok().body(path.into_inner().0.to_string())
}

#[post("/users/{id}/comments")]
#[checkpoint(session_key = "logged_in", values = true, fail_json = { "error": "log in" })]
async fn comment(
    path: web::Path<(u32,)>,
    body: web::Json<Comment>,
    req: HttpRequest,
    session: Session,
    flashes: FlashMessages,
) -> HttpResponse {
    let _ = (req, session, flashes);
    HttpResponse::Created().body(format!("{}: {}", path.0, body.text))
}

fn main() {
    let _ = App::new()
        .route("/users/{id}", web::get().to(user_page))
        .service(comment);
}
