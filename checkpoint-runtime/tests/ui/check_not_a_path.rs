// `check` names an async fn; a call, a closure or a literal is refused with the fix.
use checkpoint_runtime::checkpoint;

async fn is_ok() -> bool {
    true
}

#[checkpoint(check = is_ok())]
async fn a_call() -> &'static str {
    "hi"
}

#[checkpoint(check = |req: actix_web::HttpRequest| async move { req.path() == "/" })]
async fn a_closure() -> &'static str {
    "hi"
}

#[checkpoint(check = "is_ok")]
async fn a_string() -> &'static str {
    "hi"
}

#[checkpoint(check =)]
async fn nothing() -> &'static str {
    "hi"
}

fn main() {}
