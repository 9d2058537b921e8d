// `#[login_required]` and `#[fresh_login_required]`: bare, with empty parentheses, by full path,
// stacked with `#[checkpoint]` and `#[include_csrf]` in any order, next to a route attribute in
// either order, with extractors including `CurrentUser`.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_web::{get, post, web, App, HttpResponse, Responder};
use checkpoint_runtime::{
    checkpoint, fresh_login_required, include_csrf, login_required, CurrentUser, LoginManager,
    UserLoader,
};

#[derive(Clone)]
struct User {
    name: String,
}

#[login_required]
async fn bare() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[fresh_login_required()]
async fn empty_parentheses() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/profile")]
#[login_required]
async fn profile(user: CurrentUser<User>) -> impl Responder {
    user.name.clone()
}

#[login_required]
#[get("/maybe")]
async fn maybe(user: Option<CurrentUser<User>>) -> impl Responder {
    user.map_or_else(String::new, |user| user.into_inner().name)
}

#[post("/settings")]
#[checkpoint(session_key = "role", values = "admin")]
#[fresh_login_required]
#[include_csrf]
async fn settings(form: web::Form<Vec<(String, String)>>) -> impl Responder {
    form.len().to_string()
}

#[checkpoint_runtime::fresh_login_required]
#[checkpoint_runtime::login_required]
#[checkpoint_runtime::checkpoint(session_key = "k", values = 1)]
async fn by_full_path() -> Result<HttpResponse, actix_web::Error> {
    Ok(HttpResponse::Ok().finish())
}

fn main() {
    let _ = App::new()
        .app_data(LoginManager::new())
        .app_data(UserLoader::new(async |name: &str| {
            Some(User {
                name: name.to_owned(),
            })
        }))
        .route("/bare", web::get().to(bare))
        .route("/empty", web::get().to(empty_parentheses))
        .service(profile)
        .service(maybe)
        .service(settings)
        .route("/full-path", web::get().to(by_full_path));
}
