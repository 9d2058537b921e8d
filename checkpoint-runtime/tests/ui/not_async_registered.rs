// A handler that is not `async`, registered with actix-web: one error, the teaching one.
use actix_web::{get, web, App};
use checkpoint_runtime::checkpoint;

#[get("/a")]
#[checkpoint(session_key = "k", values = true)]
fn under_get() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true)]
fn by_hand(path: web::Path<String>) -> String {
    path.into_inner()
}

fn main() {
    let _ = App::new()
        .service(under_get)
        .route("/b/{x}", web::get().to(by_hand));
}
