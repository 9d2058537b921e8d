use actix_web::{post, Responder};
use checkpoint_runtime::{checkpoint, include_csrf};

#[post("/comment")]
#[include_csrf]
async fn comment() -> impl Responder {
    "comment"
}

#[post("/settings")]
#[checkpoint(session_key = "role", values = "admin")]
#[include_csrf(fail_status = 400)]
async fn settings() -> impl Responder {
    "settings"
}

fn main() {}
