use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_json = { "error": "a", "error": "b" })]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
