use checkpoint_runtime::checkpoint;

const TEXT: &str = "Log in";

#[checkpoint(session_key = "k", values = true, fail_url = "/", message = TEXT, message_category = 1)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
