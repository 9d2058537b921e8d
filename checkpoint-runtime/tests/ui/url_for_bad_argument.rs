use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_url = url_for("user", id))]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
