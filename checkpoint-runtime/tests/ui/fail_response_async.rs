// `fail_response` takes `fn(&HttpRequest) -> HttpResponse`: an async fn, a function taking the
// request by value, or one returning something else is an error that says so.
use actix_web::{HttpRequest, HttpResponse};
use checkpoint_runtime::checkpoint;

async fn async_denied(_: &HttpRequest) -> HttpResponse {
    HttpResponse::Forbidden().finish()
}

fn by_value(_: HttpRequest) -> HttpResponse {
    HttpResponse::Forbidden().finish()
}

fn returns_str(_: &HttpRequest) -> &'static str {
    "denied"
}

#[checkpoint(session_key = "k", values = true, fail_response = async_denied)]
async fn a() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_response = by_value)]
async fn b() -> &'static str {
    "hi"
}

#[checkpoint(api_key = "k", fail_response = returns_str)]
async fn c() -> &'static str {
    "hi"
}

fn main() {}
