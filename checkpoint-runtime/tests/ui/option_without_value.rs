use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "logged_in", values)]
async fn handler() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "logged_in", values = true, fail_url =)]
async fn empty_value() -> &'static str {
    "hi"
}

fn main() {}
