//! `testing::TestSession` (the `test-util` feature): requests sent as a given user, fresh or not,
//! with session values seeded, without a login route; on the cookie store and on Redis.

mod common;

use actix_identity::IdentityMiddleware;
use actix_web::{get, http::StatusCode, test, App, Responder};
use checkpoint_runtime::{
    checkpoint, fresh_login_required, login_required, testing::TestSession, CurrentUser, UserLoader,
};

#[derive(Clone)]
struct User {
    name: String,
}

#[get("/me")]
#[login_required]
async fn me(user: CurrentUser<User>) -> impl Responder {
    format!("hello {}", user.name)
}

#[get("/admin")]
#[login_required]
#[checkpoint(session_key = "role", values = "admin")]
async fn admin() -> impl Responder {
    "admin"
}

#[get("/password")]
#[fresh_login_required]
async fn password() -> impl Responder {
    "change it"
}

/// The session's mark against remember cookies, if any.
#[get("/remember-mark")]
async fn remember_mark(session: actix_session::Session) -> impl Responder {
    let mark = session.get::<String>(checkpoint_runtime::REMEMBER_KEY);
    format!("{:?}", mark.ok().flatten())
}

/// The status and body of `uri` with `cookie`, or without a cookie.
async fn get(
    uri: &str,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> (StatusCode, String) {
    let app = test::init_service(
        App::new()
            .app_data(UserLoader::new(async |id: &str| {
                Some(User {
                    name: id.to_owned(),
                })
            }))
            .service(me)
            .service(admin)
            .service(password)
            .service(remember_mark)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let mut request = test::TestRequest::get().uri(uri);
    if let Some(cookie) = cookie {
        request = request.cookie(cookie);
    }
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let body = test::read_body(response).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[actix_web::test]
async fn requests_go_as_the_user_the_test_session_logs_in() {
    assert_eq!(get("/me", None).await.0, StatusCode::UNAUTHORIZED);

    let ada = TestSession::new().logged_in("ada");
    let cookie = ada.cookie(common::sessions().await).await;
    assert_eq!(
        get("/me", Some(cookie.clone())).await,
        (StatusCode::OK, "hello ada".to_owned())
    );
    assert_eq!(
        get("/password", Some(cookie.clone())).await.0,
        StatusCode::OK
    );
    // A browser logged in where `RememberMe` runs: no mark against remember cookies.
    assert_eq!(get("/remember-mark", Some(cookie.clone())).await.1, "None");
    // No role in the session: the checkpoint refuses.
    assert_eq!(get("/admin", Some(cookie)).await.0, StatusCode::FORBIDDEN);

    let as_admin = ada
        .insert("role", "admin")
        .cookie(common::sessions().await)
        .await;
    assert_eq!(
        get("/admin", Some(as_admin)).await,
        (StatusCode::OK, "admin".to_owned())
    );
}

#[actix_web::test]
async fn a_login_not_fresh_is_refused_where_a_fresh_one_is_required() {
    let cookie = TestSession::new()
        .logged_in_not_fresh("bob")
        .cookie(common::sessions().await)
        .await;
    assert_eq!(
        get("/me", Some(cookie.clone())).await,
        (StatusCode::OK, "hello bob".to_owned())
    );
    assert_eq!(
        get("/password", Some(cookie)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn values_alone_are_seeded_without_a_login() {
    let cookie = TestSession::new()
        .insert("role", "admin")
        .cookie(common::sessions().await)
        .await;
    // The role is there, the login is not: `#[login_required]` runs first and refuses.
    assert_eq!(
        get("/admin", Some(cookie)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
#[should_panic(expected = "set no cookie")]
async fn an_empty_test_session_says_it_set_no_cookie() {
    TestSession::new().cookie(common::sessions().await).await;
}

#[actix_web::test]
async fn a_login_for_an_app_with_revocation_stamps_carries_the_users_stamp() {
    let app = test::init_service(
        App::new()
            .app_data(
                checkpoint_runtime::LoginManager::new().user_loader(
                    UserLoader::new(async |id: &str| {
                        Some(User {
                            name: id.to_owned(),
                        })
                    })
                    .revocation_stamp(|_: &User| "epoch-7".to_owned()),
                ),
            )
            .service(me)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let status = |cookie| {
        let request = test::TestRequest::get().uri("/me").cookie(cookie);
        let app = &app;
        async move { test::call_service(app, request.to_request()).await.status() }
    };
    let unstamped = TestSession::new()
        .logged_in("ada")
        .cookie(common::sessions().await)
        .await;
    assert_eq!(status(unstamped).await, StatusCode::UNAUTHORIZED);
    let stale = TestSession::new()
        .logged_in("ada")
        .revocation_stamp("epoch-6")
        .cookie(common::sessions().await)
        .await;
    assert_eq!(status(stale).await, StatusCode::UNAUTHORIZED);
    let stamped = TestSession::new()
        .logged_in("ada")
        .revocation_stamp("epoch-7")
        .cookie(common::sessions().await)
        .await;
    assert_eq!(status(stamped).await, StatusCode::OK);
}
