use checkpoint_runtime::checkpoint;

const NAME: &str = "login_page";

#[checkpoint(session_key = "k", values = true, fail_url = url_for(NAME))]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
