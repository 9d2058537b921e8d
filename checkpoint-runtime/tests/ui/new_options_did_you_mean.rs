// The "did you mean" hints know the options of every kind of check.
use checkpoint_runtime::checkpoint;

const API_KEY: &str = "k3y";

#[checkpoint(api_ky = API_KEY)]
async fn api_key() -> &'static str {
    "hi"
}

#[checkpoint(bearr = API_KEY)]
async fn bearer() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, heder = "x-key")]
async fn header() -> &'static str {
    "hi"
}

#[checkpoint(fail_status = 401)]
async fn no_check() -> &'static str {
    "hi"
}

fn main() {}
