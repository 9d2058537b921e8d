use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true)]
struct Handler;

fn main() {}
