use checkpoint_runtime::checkpoint;

#[checkpoint(LOGGED_IN)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
