use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_response = |_| actix_web::HttpResponse::Forbidden().finish())]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
