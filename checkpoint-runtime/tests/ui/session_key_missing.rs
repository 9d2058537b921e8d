use checkpoint_runtime::checkpoint;

#[checkpoint(values = true, fail_url = "/login")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
