// `api_key` and `bearer` need the expected key: an expression, not nothing.
use checkpoint_runtime::checkpoint;

#[checkpoint(api_key =, header = "x-api-key")]
async fn api_key_without_value() -> &'static str {
    "hi"
}

#[checkpoint(bearer =)]
async fn bearer_without_value() -> &'static str {
    "hi"
}

#[checkpoint(api_key, fail_status = 401)]
async fn bare_api_key() -> &'static str {
    "hi"
}

fn main() {}
