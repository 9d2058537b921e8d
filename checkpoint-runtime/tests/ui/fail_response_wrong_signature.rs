use actix_web::HttpResponse;
use checkpoint_runtime::checkpoint;

fn denied() -> HttpResponse {
    HttpResponse::Forbidden().finish()
}

#[checkpoint(session_key = "k", values = true, fail_response = denied)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
