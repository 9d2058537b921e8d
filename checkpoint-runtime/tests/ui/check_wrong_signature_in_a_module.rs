// A predicate named by a path with a module: the errors point at the path.
use actix_web::{web, App};
use checkpoint_runtime::checkpoint;

mod predicates {
    pub struct NotAnExtractor;

    pub async fn returns_string() -> String {
        "yes".to_owned()
    }

    pub async fn takes_non_extractor(_arg: NotAnExtractor) -> bool {
        true
    }
}

#[checkpoint(check = predicates::returns_string)]
async fn wrong_output() -> &'static str {
    "hi"
}

#[checkpoint(check = predicates::takes_non_extractor)]
async fn wrong_argument() -> &'static str {
    "hi"
}

fn main() {
    let _ = App::new()
        .route("/a", web::get().to(wrong_output))
        .route("/b", web::get().to(wrong_argument));
}
