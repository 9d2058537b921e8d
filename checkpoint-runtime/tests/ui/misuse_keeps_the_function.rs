// A rejected attribute still emits the function, so callers and IDEs see no cascade of
// "cannot find function" errors: the only error is the attribute's own.
use actix_web::{web, App};
use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = 2.5)]
async fn handler(path: web::Path<(u32,)>) -> String {
    path.0.to_string()
}

fn main() {
    let _ = App::new().route("/{id}", web::get().to(handler));
}
