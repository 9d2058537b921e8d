// One attribute makes one check: options of two kinds are an error naming both, with the fix.
use checkpoint_runtime::checkpoint;

const API_KEY: &str = "k3y";

async fn is_admin() -> bool {
    true
}

#[checkpoint(session_key = "logged_in", values = true, api_key = API_KEY)]
async fn session_and_api_key() -> &'static str {
    "hi"
}

#[checkpoint(bearer = API_KEY, check = is_admin, fail_status = 401)]
async fn bearer_and_check() -> &'static str {
    "hi"
}

#[checkpoint(api_key = API_KEY, values = ["admin"])]
async fn api_key_and_values() -> &'static str {
    "hi"
}

fn main() {}
