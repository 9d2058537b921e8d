use actix_web::{get, Responder};
use checkpoint_runtime::{checkpoint, fresh_login_required, login_not_required, login_required};

#[get("/profile")]
#[login_required]
async fn profile() -> impl Responder {
    "profile"
}

#[get("/admin")]
#[checkpoint(session_key = "role", values = "admin")]
#[fresh_login_required]
async fn admin() -> impl Responder {
    "admin"
}

#[login_not_required]
#[get("/login")]
async fn login_page() -> impl Responder {
    "login"
}

fn main() {}
