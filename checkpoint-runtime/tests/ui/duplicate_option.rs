use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "logged_in", values = true, fail_url = "/a", fail_url = "/b")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
