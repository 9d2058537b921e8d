use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_json = ["error"])]
async fn array() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_json = "{\"error\": \"no\"}")]
async fn string() -> &'static str {
    "hi"
}

fn main() {}
