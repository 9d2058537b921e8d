// A handler returning `Result<HttpResponse, actix_web::Error>`, with `?` inside.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{error::ErrorBadRequest, web, App, HttpResponse};
use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "logged_in", values = true)]
async fn fallible() -> Result<HttpResponse, actix_web::Error> {
    let number: u32 = "42".parse().map_err(ErrorBadRequest)?;
    Ok(HttpResponse::Ok().body(number.to_string()))
}

fn main() {
    let _ = App::new().route("/", web::get().to(fallible));
}
