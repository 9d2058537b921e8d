use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_status = "401")]
async fn string() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_status = StatusCode::UNAUTHORIZED)]
async fn constant() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_status = 401u16)]
async fn suffix() -> &'static str {
    "hi"
}

fn main() {}
