use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "level", values = [1, 2.5])]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
