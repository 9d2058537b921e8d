use checkpoint_runtime::checkpoint;

const REASON: &str = "Unauthorized";

#[checkpoint(session_key = "k", values = true, fail_json = { "error": REASON })]
async fn variable() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_json = { "error": format!("no {}", 1) })]
async fn macro_call() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_json = { "code": 400 + 1 })]
async fn arithmetic() -> &'static str {
    "hi"
}

fn main() {}
