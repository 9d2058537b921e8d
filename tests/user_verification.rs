//! With a user loader on the `LoginManager` (Flask-Login's `@login_manager.user_loader`), every
//! login check loads the user once per request: a login whose user is gone is anonymous, and
//! `CurrentUser` takes the user the check loaded instead of loading it again.

mod common;

use std::{cell::Cell, rc::Rc};

use actix_identity::IdentityMiddleware;
use actix_web::{get, http::StatusCode, test, web, App, HttpRequest, Responder};
use checkpoint_runtime::{
    login_required, testing::TestSession, CurrentUser, LoginManager, LoginRequired,
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

/// Behind `LoginRequired` as middleware and the attribute: checked twice, loaded once.
#[get("/twice")]
#[login_required]
async fn twice(user: CurrentUser<User>) -> impl Responder {
    format!("hello again {}", user.name)
}

#[get("/anyone")]
async fn anyone(user: Option<CurrentUser<User>>) -> impl Responder {
    match user {
        Some(user) => format!("hello {}", user.name),
        None => "hello stranger".to_owned(),
    }
}

/// A loader that knows `ada` (and, through the request loader, `robot`), counting its calls.
fn loader(calls: Rc<Cell<u32>>) -> impl Fn(String) -> std::future::Ready<Option<User>> {
    move |id: String| {
        calls.set(calls.get() + 1);
        let known = ["ada", "robot"].contains(&id.as_str());
        std::future::ready(known.then_some(User { name: id }))
    }
}

/// The status and body of `uri` as `who` (nobody when `None`), with the loader's call count.
async fn get(
    uri: &str,
    who: Option<&str>,
    header: Option<(&str, &str)>,
) -> (StatusCode, String, u32) {
    let calls = Rc::new(Cell::new(0));
    let manager = LoginManager::new()
        .user_loader(loader(Rc::clone(&calls)))
        .request_loader(|req: &HttpRequest| {
            let token = req.headers().get("x-token").cloned();
            async move { token.map(|token| String::from_utf8_lossy(token.as_bytes()).into_owned()) }
        });
    let app = test::init_service(
        App::new()
            .app_data(manager)
            .service(me)
            .service(anyone)
            .service(web::scope("").wrap(LoginRequired::LOGGED_IN).service(twice))
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let mut request = test::TestRequest::get().uri(uri);
    if let Some(who) = who {
        let cookie = TestSession::new()
            .logged_in(who)
            .cookie(common::sessions().await)
            .await;
        request = request.cookie(cookie);
    }
    if let Some(header) = header {
        request = request.insert_header(header);
    }
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let body = String::from_utf8_lossy(&test::read_body(response).await).into_owned();
    (status, body, calls.get())
}

#[actix_web::test]
async fn a_login_whose_user_is_gone_is_anonymous() {
    assert_eq!(get("/me", Some("ada"), None).await.0, StatusCode::OK);
    // `ghost` is logged in, but the loader finds no such user (a deleted account).
    let (status, _, calls) = get("/me", Some("ghost"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(calls, 1);
    assert_eq!(
        get("/twice", Some("ghost"), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/anyone", Some("ghost"), None).await.1,
        "hello stranger"
    );
}

#[actix_web::test]
async fn the_user_is_loaded_once_per_request() {
    assert_eq!(
        get("/me", Some("ada"), None).await,
        (StatusCode::OK, "hello ada".to_owned(), 1)
    );
    // The middleware's check and the attribute's: one load, taken by `CurrentUser`.
    assert_eq!(
        get("/twice", Some("ada"), None).await,
        (StatusCode::OK, "hello again ada".to_owned(), 1)
    );
    // No check: `CurrentUser` loads it itself.
    assert_eq!(
        get("/anyone", Some("ada"), None).await,
        (StatusCode::OK, "hello ada".to_owned(), 1)
    );
}

#[actix_web::test]
async fn a_gone_user_falls_back_to_the_request_loader() {
    // The session's user is gone; the request's token stands for a user that exists.
    assert_eq!(
        get("/me", Some("ghost"), Some(("x-token", "robot"))).await,
        (StatusCode::OK, "hello robot".to_owned(), 2)
    );
    // A token for nobody the loader knows: anonymous.
    assert_eq!(
        get("/me", None, Some(("x-token", "nobody"))).await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// Logs out, then asks for the current user again: nobody.
#[get("/logout-then-who")]
#[login_required]
async fn logout_then_who(req: HttpRequest) -> impl Responder {
    use actix_web::FromRequest;
    checkpoint_runtime::logout_user(&req).unwrap();
    let who = Option::<CurrentUser<User>>::extract(&req).await.unwrap();
    match who {
        Some(user) => format!("still {}", user.name),
        None => "nobody".to_owned(),
    }
}

#[actix_web::test]
async fn after_a_logout_in_the_request_the_loaded_user_is_not_served() {
    let calls = Rc::new(Cell::new(0));
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().user_loader(loader(Rc::clone(&calls))))
            .service(logout_then_who)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let cookie = TestSession::new()
        .logged_in("ada")
        .cookie(common::sessions().await)
        .await;
    let request = test::TestRequest::get()
        .uri("/logout-then-who")
        .cookie(cookie)
        .to_request();
    let body = test::call_and_read_body(&app, request).await;
    assert_eq!(body, "nobody");
}

/// Two looks at the current user in one request, without a login check.
#[get("/both")]
async fn both(
    first: Option<CurrentUser<User>>,
    second: Option<CurrentUser<User>>,
) -> impl Responder {
    let name =
        |user: Option<CurrentUser<User>>| user.map_or("stranger".to_owned(), |u| u.name.clone());
    format!("{} {}", name(first), name(second))
}

#[actix_web::test]
async fn a_refused_user_is_not_served_to_a_second_look() {
    // `sleepy` exists but is not active: anonymous to the first look, which keeps the user
    // loaded (unverified) in the request, and to the second, which judges it again.
    let users = checkpoint_runtime::UserLoader::new(|id: String| async move {
        ["ada", "sleepy"]
            .contains(&id.as_str())
            .then_some(User { name: id })
    })
    .is_active(|user: &User| user.name != "sleepy");
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().user_loader(users))
            .service(both)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    for (who, expected) in [("ada", "ada ada"), ("sleepy", "stranger stranger")] {
        let cookie = TestSession::new()
            .logged_in(who)
            .cookie(common::sessions().await)
            .await;
        let request = test::TestRequest::get().uri("/both").cookie(cookie);
        let body = test::call_and_read_body(&app, request.to_request()).await;
        assert_eq!(body, expected, "as {who}");
    }
}

#[actix_web::test]
async fn interleaved_requests_each_get_their_own_user() {
    // A loader that waits (a database): the requests of four users, sent at once on one worker
    // thread, wait on it in turn, and their login checks hand over their users in between.
    let users = |id: String| async move {
        actix_web::rt::task::yield_now().await;
        actix_web::rt::task::yield_now().await;
        Some(User { name: id })
    };
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().user_loader(users))
            .service(me)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let names = ["ada", "bob", "cyd", "dee"];
    let mut requests = Vec::new();
    for name in names {
        let cookie = TestSession::new()
            .logged_in(name)
            .cookie(common::sessions().await)
            .await;
        requests.push(
            test::TestRequest::get()
                .uri("/me")
                .cookie(cookie)
                .to_request(),
        );
    }
    let bodies = futures_util::future::join_all(
        requests
            .into_iter()
            .map(|request| test::call_and_read_body(&app, request)),
    )
    .await;
    for (name, body) in names.iter().zip(bodies) {
        assert_eq!(body, format!("hello {name}"), "the request of {name}");
    }
}
