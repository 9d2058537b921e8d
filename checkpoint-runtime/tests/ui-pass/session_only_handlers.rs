// Handlers without arguments guarded only by session checkpoints (the plain-`fn` wrapper):
// public ones in a crate that denies missing docs, several in one module, a raw identifier, a
// generic handler, one inside a function body and one in an `impl` block must all compile
// without a warning.
#![deny(warnings, missing_docs)]
//! A crate whose public handlers are documented.

use actix_web::{web, App, HttpResponse, Responder};
use checkpoint_runtime::checkpoint;

/// Public handlers.
pub mod pages {
    use super::*;

    /// The admin page.
    #[checkpoint(session_key = "user_type", values = ["admin"], fail_status = 403)]
    pub async fn admin() -> impl Responder {
        "admin"
    }

    /// The editor page.
    #[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
    #[checkpoint(session_key = "logged_in", values = true, fail_url = "/login")]
    pub(crate) async fn editor() -> HttpResponse {
        HttpResponse::Ok().body("editor")
    }

    /// A handler named by a raw identifier.
    #[checkpoint(session_key = "logged_in", values = true)]
    pub async fn r#type() -> &'static str {
        "type"
    }

    /// A generic handler.
    #[checkpoint(session_key = "logged_in", values = true)]
    pub async fn generic<T: Default + std::fmt::Debug>() -> String {
        format!("{:?}", T::default())
    }
}

/// Handlers grouped on a type.
pub struct Pages;

impl Pages {
    /// A handler in an `impl` block, registered by hand.
    #[checkpoint(session_key = "logged_in", values = true)]
    pub async fn associated() -> &'static str {
        "associated"
    }
}

fn main() {
    #[checkpoint(session_key = "logged_in", values = true)]
    async fn local() -> &'static str {
        "local"
    }

    let _ = App::new()
        .route("/admin", web::get().to(pages::admin))
        .route("/editor", web::get().to(pages::editor))
        .route("/type", web::get().to(pages::r#type))
        .route("/generic", web::get().to(pages::generic::<u8>))
        .route("/local", web::get().to(local))
        .route("/associated", web::get().to(Pages::associated));
}
