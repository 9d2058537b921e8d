// A rejected attribute next to `#[get]`, in either order: only the attribute's own error, the
// route still registers.
use actix_web::{get, App};
use checkpoint_runtime::checkpoint;

#[get("/a")]
#[checkpoint(session_key = "k", values = 2.5)]
async fn below_get() -> &'static str {
    "a"
}

#[checkpoint(session_key = "k", values = 2.5)]
#[get("/b")]
async fn above_get() -> &'static str {
    "b"
}

fn main() {
    let _ = App::new().service(below_get).service(above_get);
}
