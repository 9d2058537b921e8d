// `std::env::var` returns a `Result`: the error says what to write instead.
use checkpoint_runtime::checkpoint;

#[checkpoint(api_key = std::env::var("API_KEY"))]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
