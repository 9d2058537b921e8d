use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = logged_in, values = true)]
async fn handler() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "", values = true)]
async fn empty() -> &'static str {
    "hi"
}

fn main() {}
