use actix_web::Responder;
use checkpoint_runtime::checkpoint;

#[checkpoint(crate = 42, session_key = "k", values = true)]
async fn not_a_path() -> impl Responder {
    "ran"
}

#[checkpoint(crate = checkpoint_runtime, session_key = "k", values = true)]
#[checkpoint(crate = other, session_key = "j", values = true)]
async fn two_paths() -> impl Responder {
    "ran"
}

#[checkpoint(crate =, session_key = "k", values = true)]
async fn no_path() -> impl Responder {
    "ran"
}

fn main() {}
