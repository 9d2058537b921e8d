// API-key and bearer checkpoints: the key from a header (named or default) or the query string,
// given as a `const`, a literal, or a call evaluated on each request.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{get, web, App, HttpResponse, Responder};
use checkpoint_runtime::checkpoint;

const API_KEY: &str = "k3y";

mod config {
    pub fn api_key() -> String {
        std::env::var("API_KEY").unwrap_or_default()
    }
}

#[checkpoint(api_key = API_KEY)]
async fn default_header() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(api_key = API_KEY, header = "X-Custom-Key")]
async fn named_header() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(api_key = config::api_key(), query = "api_key")]
async fn query_from_config() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/literal")]
#[checkpoint(header = "x-api-key", api_key = "literal-key")]
async fn literal_key() -> impl Responder {
    "ok"
}

#[checkpoint(bearer = API_KEY)]
async fn bearer_const() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(bearer = config::api_key(), fail_status = 401)]
#[get("/bearer")]
async fn bearer_from_config(query: web::Query<Vec<(String, String)>>) -> HttpResponse {
    HttpResponse::Ok().body(query.len().to_string())
}

fn main() {
    let _ = App::new()
        .route("/default", web::get().to(default_header))
        .route("/named", web::get().to(named_header))
        .route("/query", web::get().to(query_from_config))
        .service(literal_key)
        .route("/bearer-const", web::get().to(bearer_const))
        .service(bearer_from_config);
}
