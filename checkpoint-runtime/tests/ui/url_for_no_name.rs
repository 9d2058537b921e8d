use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_url = url_for())]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
