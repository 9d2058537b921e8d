use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_json = { error: "Unauthorized" })]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
