use checkpoint_runtime::checkpoint;

const X: u32 = 1;

#[checkpoint(X)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
