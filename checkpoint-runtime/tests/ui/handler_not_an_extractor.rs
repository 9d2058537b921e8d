// The handler's own arguments must still be extractors, as without the checkpoint.
use actix_web::{web, App};
use checkpoint_runtime::checkpoint;

struct NotAnExtractor;

#[checkpoint(session_key = "k", values = true)]
async fn handler(_arg: NotAnExtractor) -> &'static str {
    "hi"
}

fn main() {
    let _ = App::new().route("/", web::get().to(handler));
}
