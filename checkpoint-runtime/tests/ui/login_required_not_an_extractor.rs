// Behind `#[login_required]` too, the handler's own arguments must be extractors, as without it.
use actix_web::{web, App};
use checkpoint_runtime::login_required;

struct NotAnExtractor;

#[login_required]
async fn handler(_arg: NotAnExtractor) -> &'static str {
    "hi"
}

fn main() {
    let _ = App::new().route("/", web::get().to(handler));
}
