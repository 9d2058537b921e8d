// Header names are checked at compile time; query parameter names must not be empty.
use checkpoint_runtime::checkpoint;

const API_KEY: &str = "k3y";

#[checkpoint(api_key = API_KEY, header = "x api key")]
async fn space_in_header() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, header = "x-api-key:")]
async fn colon_in_header() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, header = "")]
async fn empty_header() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, header = x_api_key)]
async fn header_not_a_string() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, query = "")]
async fn empty_query() -> &'static str {
    "hi"
}

fn main() {}
