// `#[include_csrf]` takes its two keys and the action options; the options of other checks say
// which attribute to stack instead.
use checkpoint_runtime::include_csrf;

const API_KEY: &str = "k3y";

async fn is_admin() -> bool {
    true
}

#[include_csrf(session_key = "csrf", values = true)]
async fn values() -> &'static str {
    "hi"
}

#[include_csrf(api_key = API_KEY, header = "x-api-key")]
async fn api_key() -> &'static str {
    "hi"
}

#[include_csrf(bearer = API_KEY, check = is_admin, fail_status = 403)]
async fn bearer_and_check() -> &'static str {
    "hi"
}

#[include_csrf(LOGGED_IN)]
async fn a_name() -> &'static str {
    "hi"
}

fn main() {}
