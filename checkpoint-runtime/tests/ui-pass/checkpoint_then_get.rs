// `#[checkpoint]` above `#[get]`: the checkpoint keeps the route attribute on its wrapper.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{get, App, Responder};
use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("login_page"))]
#[get("/admin")]
async fn admin_page() -> impl Responder {
    "the admin page"
}

#[get("/login")]
async fn login_page() -> impl Responder {
    "log in"
}

fn main() {
    let _ = App::new().service(admin_page).service(login_page);
}
