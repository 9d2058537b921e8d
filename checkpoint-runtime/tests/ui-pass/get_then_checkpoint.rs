// `#[get]` above `#[checkpoint]`: the route macro wraps the guarded handler.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{get, App, Responder};
use checkpoint_runtime::checkpoint;

#[get("/admin")]
#[checkpoint(
    session_key = "logged_in",
    values = true,
    fail_url = "/login",
    message = "Log in"
)]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"], fail_status = 401)]
async fn admin_page() -> impl Responder {
    "the admin page"
}

fn main() {
    let _ = App::new().service(admin_page);
}
