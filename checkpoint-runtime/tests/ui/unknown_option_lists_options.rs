use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "logged_in", values = true, redirect_somewhere = "/login")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
