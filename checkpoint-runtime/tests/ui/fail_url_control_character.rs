use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_url = "/login\r\nSet-Cookie: a=b")]
async fn handler() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, pass_url = "")]
async fn empty() -> &'static str {
    "hi"
}

fn main() {}
