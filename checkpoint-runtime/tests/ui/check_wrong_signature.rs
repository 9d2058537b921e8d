// A predicate must return `bool` and take only extractors; the error points at its path.
use actix_web::{web, App};
use checkpoint_runtime::checkpoint;

struct NotAnExtractor;

async fn returns_string() -> String {
    "yes".to_owned()
}

async fn takes_non_extractor(_arg: NotAnExtractor) -> bool {
    true
}

#[checkpoint(check = returns_string)]
async fn wrong_output() -> &'static str {
    "hi"
}

#[checkpoint(check = takes_non_extractor)]
async fn wrong_argument() -> &'static str {
    "hi"
}

fn main() {
    let _ = App::new()
        .route("/a", web::get().to(wrong_output))
        .route("/b", web::get().to(wrong_argument));
}
