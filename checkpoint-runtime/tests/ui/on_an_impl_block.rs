use checkpoint_runtime::checkpoint;

struct Pages;

#[checkpoint(session_key = "k", values = true)]
impl Pages {
    async fn handler() -> &'static str {
        "hi"
    }
}

fn main() {}
