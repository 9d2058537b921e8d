use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "roles", values = ["admin", ["editor"]])]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
