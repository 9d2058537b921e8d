// `#[login_not_required]` alone, stacked above or below other attributes of the crate (above the
// route attribute), with a route name and with `#[route]`; no warnings.
#![deny(warnings)]
use actix_web::{get, post, route, web, App, Responder};
use checkpoint_runtime::{checkpoint, include_csrf, login_not_required, LoginRequired};

#[login_not_required]
#[get("/login")]
async fn login_page() -> impl Responder {
    "login"
}

#[login_not_required]
#[include_csrf]
#[post("/login")]
async fn log_in() -> impl Responder {
    "logged in"
}

#[checkpoint(api_key = "k")]
#[login_not_required]
#[get("/api", name = "api_root")]
async fn api(path: web::Path<()>) -> impl Responder {
    let () = path.into_inner();
    "api"
}

#[login_not_required]
#[route("/either", method = "GET", method = "POST")]
async fn either() -> impl Responder {
    "either"
}

mod nested {
    use super::*;

    #[login_not_required]
    #[get("/nested")]
    pub(crate) async fn page() -> impl Responder {
        "nested"
    }
}

fn main() {
    let _ = App::new()
        .service(login_page)
        .service(log_in)
        .service(api)
        .service(either)
        .service(nested::page)
        .wrap(LoginRequired::LOGGED_IN);
}
