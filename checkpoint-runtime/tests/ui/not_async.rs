use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true)]
fn handler() -> &'static str {
    "hi"
}

fn main() {}
