// A `Checkpoint` whose check does not implement `Check`.
use checkpoint_runtime::{checkpoint, Checkpoint};

const ODD: Checkpoint<u32> = Checkpoint::with_check(7);

#[checkpoint(ODD)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
