use checkpoint_runtime::checkpoint;

const KEY: u64 = 42;

#[checkpoint(any((api_key = KEY), (bearer = "token")))]
async fn handler() -> &'static str { "hi" }

fn main() {}
