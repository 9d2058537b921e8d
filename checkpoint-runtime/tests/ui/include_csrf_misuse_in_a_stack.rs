// Errors in any attribute of a `#[checkpoint]`/`#[include_csrf]` stack, whichever is on top and
// wherever `#[get]` is, are all reported; the handler is still emitted, so the route registers.
use actix_web::{get, App};
use checkpoint_runtime::{checkpoint, include_csrf};

#[get("/a")]
#[include_csrf(form_key = "")]
#[checkpoint(session_key = "k", values = 2.5)]
async fn csrf_on_top() -> &'static str {
    "a"
}

#[checkpoint(api_key = "k", query = "")]
#[get("/b")]
#[include_csrf(values = true)]
async fn checkpoint_on_top() -> &'static str {
    "b"
}

#[include_csrf]
struct NotAHandler;

fn main() {
    let _ = App::new().service(csrf_on_top).service(checkpoint_on_top);
}
