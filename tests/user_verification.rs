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
fn loader(calls: Rc<Cell<u32>>) -> impl AsyncFn(&str) -> Option<User> {
    move |id: &str| {
        calls.set(calls.get() + 1);
        let known = ["ada", "robot"].contains(&id);
        std::future::ready(known.then(|| User {
            name: id.to_owned(),
        }))
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

/// Three looks at the current user in one request, one after the other, without a login check.
#[get("/three")]
async fn three(req: HttpRequest) -> impl Responder {
    use actix_web::FromRequest;
    let mut names = Vec::new();
    for _ in 0..3 {
        let user = Option::<CurrentUser<User>>::extract(&req).await.unwrap();
        names.push(user.map_or("stranger".to_owned(), |user| user.name.clone()));
    }
    names.join(" ")
}

/// A login attempt that fails after the loader found its user (the session was purged earlier
/// in the request: an identity deadline, say), then a look at who is logged in.
#[get("/failed-login-then-who")]
async fn failed_login_then_who(req: HttpRequest) -> impl Responder {
    use actix_web::FromRequest;
    actix_session::SessionExt::get_session(&req).purge();
    let login = checkpoint_runtime::Login::new("mallory").login(&req).await;
    let who = Option::<CurrentUser<User>>::extract(&req).await.unwrap();
    let who = who.map_or("nobody".to_owned(), |user| user.name.clone());
    format!("login ok: {}, current user: {who}", login.is_ok())
}

#[actix_web::test]
async fn a_refused_user_is_not_served_to_a_later_look() {
    // `sleepy` exists but is not active: anonymous to the first look, which keeps the user
    // loaded (unverified) in the request, and to the second and third, which judge it again. A
    // `Login` whose write fails leaves its user unverified too.
    let users = checkpoint_runtime::UserLoader::new(async |id: &str| {
        ["ada", "sleepy", "mallory"].contains(&id).then(|| User {
            name: id.to_owned(),
        })
    })
    .is_active(|user: &User| user.name != "sleepy");
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().user_loader(users))
            .service(three)
            .service(failed_login_then_who)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    for (who, expected) in [
        ("ada", "ada ada ada"),
        ("sleepy", "stranger stranger stranger"),
    ] {
        let cookie = TestSession::new()
            .logged_in(who)
            .cookie(common::sessions().await)
            .await;
        let request = test::TestRequest::get().uri("/three").cookie(cookie);
        let body = test::call_and_read_body(&app, request.to_request()).await;
        assert_eq!(body, expected, "as {who}");
    }
    let request = test::TestRequest::get().uri("/failed-login-then-who");
    let body = test::call_and_read_body(&app, request.to_request()).await;
    assert_eq!(body, "login ok: false, current user: nobody");
}

#[actix_web::test]
async fn interleaved_requests_each_get_their_own_user() {
    // A loader that waits (a database): the requests of four users, sent at once on one worker
    // thread, wait on it in turn, and their login checks hand over their users in between.
    let users = async |id: &str| {
        actix_web::rt::task::yield_now().await;
        actix_web::rt::task::yield_now().await;
        Some(User {
            name: id.to_owned(),
        })
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

/// The user twice: handed over by the check, then looked up again.
#[get("/me-twice")]
#[login_required]
async fn me_twice(user: CurrentUser<User>, again: Option<CurrentUser<User>>) -> impl Responder {
    let again = again.map_or("nobody".to_owned(), |again| again.name.clone());
    format!("{} {again}", user.name)
}

/// Pending as many times as it holds, then ready (waking itself each time).
struct Yields(u32);

impl std::future::Future for Yields {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 == 0 {
            return std::task::Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[actix_web::test]
async fn interleaved_dropped_and_recycled_requests_keep_their_users() {
    // Twelve users' requests at once, polled in turn by hand, round after round: the loader
    // waits a pseudo-random number of polls, and some requests are dropped part-way (a client
    // gone), so that the next rounds' requests reuse their pooled heads, the handoff's keys.
    let seed = Rc::new(Cell::new(7_u32));
    let next = {
        let seed = Rc::clone(&seed);
        move || {
            seed.set(seed.get().wrapping_mul(1_103_515_245).wrapping_add(12_345));
            seed.get() >> 8
        }
    };
    let loader_next = next.clone();
    let users = async move |id: &str| {
        Yields(loader_next() % 4).await;
        Some(User {
            name: id.to_owned(),
        })
    };
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().user_loader(users))
            .service(me_twice)
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    let names: Vec<String> = (0..12).map(|i| format!("user{i}")).collect();
    let mut cookies = Vec::new();
    for name in &names {
        let cookie = TestSession::new()
            .logged_in(name.as_str())
            .cookie(common::sessions().await)
            .await;
        cookies.push(cookie);
    }
    let mut answered = 0;
    for _ in 0..60 {
        type Reply<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = String> + 'a>>;
        let mut live: Vec<(usize, u32, Reply<'_>)> = Vec::new();
        for (i, cookie) in cookies.iter().enumerate() {
            // Dropped after that many polls; 5: never.
            let dropped_after = next() % 6;
            let request = test::TestRequest::get()
                .uri("/me-twice")
                .cookie(cookie.clone())
                .to_request();
            let app = &app;
            let reply = Box::pin(async move {
                let body = test::call_and_read_body(app, request).await;
                String::from_utf8(body.to_vec()).unwrap()
            });
            live.push((i, dropped_after, reply));
        }
        let mut polls = 0;
        while !live.is_empty() {
            polls += 1;
            // One poll of each live request, with this task's waker; then the runtime runs (the
            // session store's I/O, on Redis).
            std::future::poll_fn(|cx| {
                let mut k = 0;
                while k < live.len() {
                    let (i, dropped_after, reply) = &mut live[k];
                    if *dropped_after < 5 && polls > *dropped_after {
                        drop(live.remove(k));
                        continue;
                    }
                    if let std::task::Poll::Ready(body) = reply.as_mut().poll(cx) {
                        let name = &names[*i];
                        assert_eq!(body, format!("{name} {name}"), "the request of {name}");
                        answered += 1;
                        drop(live.remove(k));
                        continue;
                    }
                    k += 1;
                }
                std::task::Poll::Ready(())
            })
            .await;
            actix_web::rt::task::yield_now().await;
        }
    }
    assert!(answered > 60, "only {answered} requests answered");
}
