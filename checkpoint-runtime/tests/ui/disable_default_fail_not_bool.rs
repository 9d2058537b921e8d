use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, disable_default_fail = "yes")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
