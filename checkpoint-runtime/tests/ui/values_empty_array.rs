use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "roles", values = [])]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
