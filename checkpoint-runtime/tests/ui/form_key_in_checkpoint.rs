// `form_key` belongs to `#[include_csrf]`; no "missing check" error is piled on.
use checkpoint_runtime::checkpoint;

#[checkpoint(form_key = "csrf")]
async fn handler() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "csrf", values = "x", form_key = "csrf")]
async fn with_a_session_check() -> &'static str {
    "hi"
}

fn main() {}
