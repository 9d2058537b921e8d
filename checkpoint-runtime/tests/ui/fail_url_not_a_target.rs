use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_url = 404)]
async fn integer() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, pass_url = redirect("/home"))]
async fn other_call() -> &'static str {
    "hi"
}

fn main() {}
