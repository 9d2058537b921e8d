// Handlers written by a `macro_rules!` macro, with the checkpoint's tokens passed in: the
// expansion's own locals must not depend on the hygiene of the user's tokens.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{web, App, HttpResponse};
use checkpoint_runtime::{checkpoint, include_csrf, AllowedValue, SessionCheckpoint};

const API_KEY: &str = "k3y";
const LOGGED_IN: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]);

async fn always() -> bool {
    true
}

macro_rules! guarded {
    ($name:ident, $attr:ident, [$($options:tt)*]) => {
        #[$attr($($options)*)]
        async fn $name() -> HttpResponse {
            HttpResponse::Ok().finish()
        }
    };
}

guarded!(named, checkpoint, [LOGGED_IN]);
guarded!(session, checkpoint, [session_key = "k", values = 1]);
guarded!(api_key, checkpoint, [api_key = API_KEY, query = "key"]);
guarded!(bearer, checkpoint, [bearer = String::from(API_KEY)]);
guarded!(predicate, checkpoint, [check = always, fail_status = 401]);
guarded!(csrf, include_csrf, [form_key = "token"]);
guarded!(
    combined,
    checkpoint,
    [
        any(
            LOGGED_IN,
            not((api_key = API_KEY)),
            all((bearer = API_KEY), (check = always))
        ),
        fail_status = 401
    ]
);

macro_rules! guarded_inside {
    ($name:ident) => {
        #[checkpoint(api_key = API_KEY)]
        #[checkpoint(check = always)]
        #[include_csrf]
        #[checkpoint(all(LOGGED_IN, (api_key = API_KEY), (check = always)))]
        async fn $name() -> HttpResponse {
            HttpResponse::Ok().finish()
        }
    };
}

guarded_inside!(written_inside);

fn main() {
    let _ = App::new()
        .route("/named", web::get().to(named))
        .route("/session", web::get().to(session))
        .route("/api-key", web::get().to(api_key))
        .route("/bearer", web::get().to(bearer))
        .route("/predicate", web::get().to(predicate))
        .route("/csrf", web::post().to(csrf))
        .route("/combined", web::get().to(combined))
        .route("/inside", web::post().to(written_inside));
}
