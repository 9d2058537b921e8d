// `fail_json!` builds a checked `FailJson` constant for a hand-written `Action`.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{web, App, HttpResponse};
use checkpoint_runtime::{
    checkpoint, fail_json, Action, AllowedValue, FailJson, SessionCheckpoint,
};

const DENIED: FailJson = fail_json!({
    "error": "Unauthorized",
    "code": 401,
    "retry": false,
    "details": [1, -2, 2.5, null, {"nested": "yes"}],
});

const API_KEY: SessionCheckpoint = SessionCheckpoint::new("api", &[AllowedValue::Int(1)])
    .action(Action::new().fail_json(DENIED).fail_status(401));

#[checkpoint(API_KEY)]
async fn api() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    assert_eq!(fail_json!({}).as_str(), "{}");
    let _ = App::new().route("/api", web::get().to(api));
}
