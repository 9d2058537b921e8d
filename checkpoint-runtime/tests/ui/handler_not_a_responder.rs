// The handler's return type must still be a `Responder`, as without the checkpoint.
use actix_web::{web, App};
use checkpoint_runtime::checkpoint;

struct NotAResponder;

#[checkpoint(session_key = "k", values = true)]
async fn handler() -> NotAResponder {
    NotAResponder
}

fn main() {
    let _ = App::new().route("/", web::get().to(handler));
}
