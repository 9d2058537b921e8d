use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_response = responses::denied)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
