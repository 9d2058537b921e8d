// `check = path` names an async fn of extractors returning bool.
// The expansion must not warn: users build with `deny(warnings)`.
#![deny(warnings)]
use actix_session::Session;
use actix_web::{web, App, HttpRequest, HttpResponse};
use checkpoint_runtime::checkpoint;

async fn is_admin(session: Session) -> bool {
    session.get::<String>("role").ok().flatten().as_deref() == Some("admin")
}

async fn even_id(path: web::Path<u32>) -> bool {
    path.into_inner().is_multiple_of(2)
}

mod predicates {
    use actix_web::{http::header::ContentType, web::Header, HttpRequest};

    pub async fn local_with_content_type(
        req: HttpRequest,
        json: Option<Header<ContentType>>,
    ) -> bool {
        req.peer_addr().is_some_and(|peer| peer.ip().is_loopback()) && json.is_some()
    }

    pub async fn always() -> bool {
        true
    }
}

#[checkpoint(check = is_admin, fail_url = "/login", message = "Admins only")]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[checkpoint(check = even_id, fail_status = 404)]
async fn item(path: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(path.into_inner().to_string())
}

#[checkpoint(check = predicates::always)]
#[checkpoint(check = predicates::local_with_content_type, disable_default_fail)]
async fn local(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().body(req.path().to_owned())
}

fn main() {
    let _ = App::new()
        .route("/admin", web::get().to(admin))
        .route("/items/{id}", web::get().to(item))
        .route("/local", web::get().to(local));
}
