use checkpoint_runtime::checkpoint;

struct Pages;

impl Pages {
    #[checkpoint(session_key = "k", values = true)]
    async fn handler(&self) -> &'static str {
        "hi"
    }
}

fn main() {}
