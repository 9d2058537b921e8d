// Options that could never take effect beside the others are errors, each on its name.
use actix_web::{HttpRequest, HttpResponse};
use checkpoint_runtime::{checkpoint, include_csrf};

fn teapot(_: &HttpRequest) -> HttpResponse {
    HttpResponse::ImATeapot().finish()
}

// `fail_json` answers every failure and never redirects.
#[checkpoint(session_key = "k", values = true, fail_json = { "error": "no" }, pass_url = "/",
             message = "hi", message_category = "info", fail_url = "/login",
             fail_response = teapot, disable_default_fail)]
async fn json_first() -> &'static str {
    "hi"
}

// `fail_response` answers every failure: `fail_url`, `fail_status` and the fallback are dead.
#[checkpoint(api_key = "k", fail_response = teapot, fail_url = "/login", fail_status = 401,
             disable_default_fail)]
async fn response_first() -> &'static str {
    "hi"
}

// `fail_url` answers every failure; a message needs a redirect; a category needs a message.
#[include_csrf(fail_url = "/", disable_default_fail, fail_status = 400)]
#[checkpoint(bearer = "t", message = "never shown")]
#[checkpoint(session_key = "k", values = 1, message_category = "warning")]
async fn redirects() -> &'static str {
    "hi"
}

fn main() {}
