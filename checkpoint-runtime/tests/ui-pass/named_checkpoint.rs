// A checkpoint declared once as a `const` and named by the attribute.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{web, App, HttpResponse};
use checkpoint_runtime::{checkpoint, url_for, Action, AllowedValue, SessionCheckpoint};

const LOGGED_IN: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_url(url_for("login_page"))
            .message("Login required")
            .message_category("warning"),
    );

mod checkpoints {
    use checkpoint_runtime::{Action, AllowedValue, SessionCheckpoint};

    pub const ADMIN: SessionCheckpoint =
        SessionCheckpoint::new("user_type", &[AllowedValue::Str("admin")])
            .action(Action::new().fail_status(401));
}

// A reference to a checkpoint, and a static, are accepted as well.
const LOGGED_IN_REF: &SessionCheckpoint = &LOGGED_IN;
static LOGGED_IN_STATIC: SessionCheckpoint = LOGGED_IN;

#[checkpoint(LOGGED_IN_REF)]
async fn by_reference() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(LOGGED_IN_STATIC)]
async fn from_a_static() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(LOGGED_IN)]
async fn account() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(LOGGED_IN)]
#[checkpoint(checkpoints::ADMIN)]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = App::new()
        .route("/account", web::get().to(account))
        .route("/admin", web::get().to(admin))
        .route("/ref", web::get().to(by_reference))
        .route("/static", web::get().to(from_a_static));
}
