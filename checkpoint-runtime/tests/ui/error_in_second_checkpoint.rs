use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "logged_in", values = true)]
#[checkpoint(session_key = "role", values = ["admin"], message_categroy = "warning")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
