use checkpoint_runtime::checkpoint;

#[checkpoint("not a checkpoint")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
