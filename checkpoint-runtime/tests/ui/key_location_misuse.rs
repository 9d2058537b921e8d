// `header` and `query` say where an API key is read: they need `api_key`, and only one of them.
use checkpoint_runtime::checkpoint;

const API_KEY: &str = "k3y";

#[checkpoint(header = "x-token")]
async fn header_without_api_key() -> &'static str {
    "hi"
}

#[checkpoint(bearer = API_KEY, query = "token")]
async fn query_with_bearer() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, header = "x-api-key", query = "api_key")]
async fn header_and_query() -> &'static str {
    "hi"
}

fn main() {}
