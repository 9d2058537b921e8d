// The expected key must be `AsRef<str>`; the error points at the expression.
use actix_web::{web, App};
use checkpoint_runtime::checkpoint;

mod config {
    pub fn api_key() -> u64 {
        42
    }
}

#[checkpoint(api_key = 42)]
async fn literal() -> &'static str {
    "hi"
}

#[checkpoint(bearer = config::api_key())]
async fn call() -> &'static str {
    "hi"
}

fn main() {
    let _ = App::new()
        .route("/a", web::get().to(literal))
        .route("/b", web::get().to(call));
}
