//! "Remember me", inactive users and revocation stamps (Flask-Login's `remember`, `force`,
//! `is_active`, beyond it Django's session auth hash), through the actix stack on the suite's
//! session store. Tests are named after Flask-Login's `tests/test_login.py` where one exists.

mod common;

use std::{cell::RefCell, collections::HashMap, rc::Rc, time::Duration};

use actix_web::{
    body::MessageBody,
    cookie::{Cookie, CookieJar, Key, SameSite},
    dev::{Service, ServiceResponse},
    get,
    http::StatusCode,
    post, test, web, App, HttpRequest, HttpResponse, Responder,
};
use checkpoint_runtime::{
    confirm_login, flash, fresh_login_required, login_fresh, login_remembered, login_required,
    login_user, logout_user, CheckpointError, CurrentUser, IdentityMiddleware, Login, LoginEvent,
    LoginManager, LoginRequired, RememberMe, SessionProtection, UserLoader,
    DEFAULT_REMEMBER_COOKIE_NAME,
};
use common::Browser;

const REMEMBER: &str = DEFAULT_REMEMBER_COOKIE_NAME;
/// actix-session's session cookie.
const SESSION: &str = common::SESSION_COOKIE;

#[derive(Clone)]
struct User {
    name: String,
    active: bool,
    /// Bumped on a password change or "log out everywhere".
    epoch: u32,
}

/// The app's users, which a test changes while the app runs.
type Users = Rc<RefCell<HashMap<String, User>>>;

fn users() -> Users {
    let user = |name: &str, active| User {
        name: name.to_owned(),
        active,
        epoch: 1,
    };
    Rc::new(RefCell::new(HashMap::from([
        ("ada".to_owned(), user("ada", true)),
        ("creeper".to_owned(), user("creeper", false)),
    ])))
}

fn manager(users: &Users) -> LoginManager {
    let users = Rc::clone(users);
    LoginManager::new().user_loader(
        UserLoader::new(async move |id: &str| users.borrow().get(id).cloned())
            .is_active(|user: &User| user.active)
            .revocation_stamp(|user: &User| user.epoch.to_string()),
    )
}

/// `POST /login/{user}?remember=1&force=1&duration=<seconds>&fresh=0`.
#[post("/login/{user}")]
async fn log_in(
    req: HttpRequest,
    user: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, CheckpointError> {
    let flag = |name: &str| query.get(name).map(String::as_str) == Some("1");
    let mut login = Login::new(user.into_inner())
        .remember(flag("remember"))
        .force(flag("force"))
        .fresh(query.get("fresh").map(String::as_str) != Some("0"));
    if let Some(seconds) = query.get("duration") {
        login = login.duration(Duration::from_secs(seconds.parse().unwrap()));
    }
    Ok(match login.login(&req).await? {
        true => HttpResponse::Ok().body("logged in"),
        false => HttpResponse::Forbidden().body("refused"),
    })
}

#[post("/login-user/{user}")]
async fn log_in_short(
    req: HttpRequest,
    user: web::Path<String>,
) -> Result<&'static str, CheckpointError> {
    login_user(&req, user.into_inner(), true)?;
    Ok("logged in")
}

#[post("/logout")]
async fn log_out(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    logout_user(&req)?;
    Ok("logged out")
}

/// Flask-Login's idiom: `logout_user()`, then `flash("You have been logged out")`; here with a
/// flash before it too.
#[post("/logout-flash")]
async fn log_out_flashing(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    let session = actix_session::SessionExt::get_session(&req);
    flash(&session, "Goodbye", "info")?;
    logout_user(&req)?;
    flash(&session, "You have been logged out", "success")?;
    Ok("logged out")
}

/// A login, then the current user asked for in the same request.
#[post("/login-then-current/{user}")]
async fn log_in_then_current(
    req: HttpRequest,
    user: web::Path<String>,
) -> Result<String, CheckpointError> {
    let logged_in = Login::new(user.into_inner()).login(&req).await?;
    let current = <CurrentUser<User> as actix_web::FromRequest>::extract(&req).await;
    Ok(format!(
        "{logged_in} {:?}",
        current.ok().map(|user| user.name.clone())
    ))
}

/// A login on a session purged earlier in the request (an identity deadline, say).
#[post("/purged-login")]
async fn purged_login(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    actix_session::SessionExt::get_session(&req).purge();
    Login::new("ada").login(&req).await?;
    Ok("logged in")
}

#[get("/me")]
#[login_required]
async fn me(req: HttpRequest, user: CurrentUser<User>) -> impl Responder {
    format!(
        "{} fresh={} remembered={}",
        user.name,
        login_fresh(&req),
        login_remembered(&req)
    )
}

#[get("/fresh")]
#[fresh_login_required]
async fn fresh() -> impl Responder {
    "fresh"
}

#[post("/confirm")]
#[login_required]
async fn confirm(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    confirm_login(&req)?;
    Ok("confirmed")
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(log_in)
        .service(log_in_short)
        .service(log_out)
        .service(log_out_flashing)
        .service(log_in_then_current)
        .service(purged_login)
        .service(me)
        .service(fresh)
        .service(confirm);
}

/// An app under test, as [`Browser`] drives it.
trait TestService:
    Service<actix_http::Request, Response = ServiceResponse<Self::Body>, Error = actix_web::Error>
{
    type Body: MessageBody + 'static;
}

impl<S, B> TestService for S
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    type Body = B;
}

fn remember_key() -> Key {
    Key::from(&[7; 64])
}

/// A browser on an app with `manager`, remembering with `remember` (when given).
async fn browser_on(
    manager: LoginManager,
    remember: Option<RememberMe>,
) -> Browser<impl TestService> {
    let app = App::new()
        .app_data(manager)
        .configure(routes)
        .configure(common::session_tools)
        .wrap(actix_web::middleware::Condition::new(
            remember.is_some(),
            remember.unwrap_or_else(|| RememberMe::new(remember_key())),
        ))
        .wrap(IdentityMiddleware::default())
        .wrap(common::sessions().await);
    Browser::new(test::init_service(app).await)
}

async fn remembering(users: &Users) -> Browser<impl TestService> {
    browser_on(manager(users), Some(RememberMe::new(remember_key()))).await
}

fn post(uri: &str) -> test::TestRequest {
    test::TestRequest::post().uri(uri)
}

#[actix_web::test]
async fn remember_me() {
    let users = users();
    let mut browser = remembering(&users).await;
    assert_eq!(
        browser.send(post("/login/ada?remember=1")).await.status,
        StatusCode::OK
    );
    let cookie = browser.cookie(REMEMBER).expect("a remember cookie").clone();
    assert!(
        !cookie.value().contains("ada"),
        "the id is not in the clear"
    );
    assert_eq!(
        cookie.max_age(),
        Some(actix_web::cookie::time::Duration::days(365))
    );
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    assert_eq!(cookie.path(), Some("/"));
    assert_eq!(
        browser.get("/me").await.body,
        "ada fresh=true remembered=true"
    );

    // The browser closes: the session cookie is gone, the remember cookie stays.
    browser.forget(SESSION);
    let reply = browser.get("/me").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, "ada fresh=false remembered=true");
    // The restore wrote the login into a new session: later requests are ordinary.
    assert!(browser.cookie(SESSION).is_some(), "a new session");
    browser.forget(REMEMBER);
    assert_eq!(
        browser.get("/me").await.body,
        "ada fresh=false remembered=false"
    );
}

#[actix_web::test]
async fn login_without_remember_sets_no_cookie_and_does_not_outlive_the_session() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada")).await;
    assert!(browser.cookie(REMEMBER).is_none());
    browser.forget(SESSION);
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn remember_me_is_unfresh() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    assert_eq!(browser.get("/fresh").await.status, StatusCode::OK);
    browser.forget(SESSION);
    assert_eq!(
        browser.get("/fresh").await.status,
        StatusCode::UNAUTHORIZED,
        "a restored login is not fresh"
    );
    // confirm_login() makes it fresh again.
    assert_eq!(browser.send(post("/confirm")).await.status, StatusCode::OK);
    assert_eq!(browser.get("/fresh").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn remember_me_uses_custom_cookie_parameters() {
    let users = users();
    let remember = RememberMe::new(remember_key())
        .cookie_name("keep_me")
        .duration(Duration::from_secs(600))
        .path("/me")
        .domain("example.test")
        .secure(true)
        .http_only(false)
        .same_site(SameSite::Strict);
    let mut browser = browser_on(manager(&users), Some(remember)).await;
    browser.send(post("/login/ada?remember=1")).await;
    let cookie = browser.cookie("keep_me").expect("the named cookie");
    assert_eq!(
        cookie.max_age(),
        Some(actix_web::cookie::time::Duration::seconds(600))
    );
    assert_eq!(cookie.path(), Some("/me"));
    assert_eq!(cookie.domain(), Some("example.test"));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.http_only(), None);
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));
    assert!(browser.cookie(REMEMBER).is_none());
    browser.forget(SESSION);
    assert_eq!(
        browser.get("/me").await.body,
        "ada fresh=false remembered=true"
    );
}

#[actix_web::test]
async fn remember_me_custom_duration_expires_inside_the_cookie() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser
        .send(post("/login/ada?remember=1&duration=60"))
        .await;
    let cookie = browser.cookie(REMEMBER).unwrap();
    assert_eq!(
        cookie.max_age(),
        Some(actix_web::cookie::time::Duration::seconds(60))
    );

    // A cookie whose time is up restores nothing, whatever the browser still sends.
    browser.send(post("/login/ada?remember=1&duration=0")).await;
    let expired = browser.cookie(REMEMBER).unwrap().clone();
    browser.forget(SESSION);
    browser.hold(expired);
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert!(browser.cookie(REMEMBER).is_none(), "cleared");
}

#[actix_web::test]
async fn remember_me_refresh_every_request() {
    let users = users();
    let remember = RememberMe::new(remember_key())
        .duration(Duration::from_secs(1000))
        .refresh_each_request(true);
    let mut browser = browser_on(manager(&users), Some(remember)).await;
    // A login remembered for its own 100 s is renewed for 100 s (Flask-Login keeps
    // `_remember_seconds`); one without a duration of its own for the configured 1000 s.
    for (login, seconds) in [
        ("/login/ada?remember=1&duration=100", 100),
        ("/login/ada?remember=1", 1000),
    ] {
        assert_eq!(
            renewed_max_age(&mut browser, login, "/me").await,
            Some(actix_web::cookie::time::Duration::seconds(seconds)),
            "{login}"
        );
    }
}

/// Without a user loader the check reads the identity's id only for a cookie to renew: it is
/// renewed all the same.
#[actix_web::test]
async fn remember_me_refresh_every_request_without_a_user_loader() {
    let remember = RememberMe::new(remember_key())
        .duration(Duration::from_secs(1000))
        .refresh_each_request(true);
    let mut browser = browser_on(LoginManager::new(), Some(remember)).await;
    assert_eq!(
        renewed_max_age(&mut browser, "/login/ada?remember=1&duration=100", "/fresh").await,
        Some(actix_web::cookie::time::Duration::seconds(100))
    );
}

/// Logs in with `login`, then gets `page` (which must answer 200) with the remember cookie held
/// without its attributes, and gives the `Max-Age` of the remember cookie the browser holds
/// after: one a new `Set-Cookie` gave it.
async fn renewed_max_age(
    browser: &mut Browser<impl TestService>,
    login: &str,
    page: &str,
) -> Option<actix_web::cookie::time::Duration> {
    browser.send(post(login)).await;
    let made = browser.cookie(REMEMBER).unwrap().value().to_owned();
    browser.hold(Cookie::new(REMEMBER, made));
    assert_eq!(browser.get(page).await.status, StatusCode::OK, "{page}");
    browser
        .cookie(REMEMBER)
        .expect("a remember cookie")
        .max_age()
}

#[actix_web::test]
async fn remember_me_no_refresh_every_request() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    let first = browser.cookie(REMEMBER).unwrap().clone();
    browser.get("/me").await;
    assert_eq!(browser.cookie(REMEMBER).unwrap().value(), first.value());
}

#[actix_web::test]
async fn logout_stays_logged_out_with_remember_me() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    assert!(browser.cookie(REMEMBER).is_some());
    assert_eq!(browser.send(post("/logout")).await.status, StatusCode::OK);
    assert!(browser.cookie(REMEMBER).is_none(), "the logout cleared it");
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    browser.forget(SESSION);
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_logged_out_client_sending_its_old_remember_cookie_stays_logged_out() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    let kept = browser.cookie(REMEMBER).unwrap().clone();
    browser.send(post("/logout")).await;
    assert!(browser.cookie(REMEMBER).is_none(), "the logout cleared it");
    // The client sends the copy it kept, with the session the logout left it: refused, each
    // time, and cleared again.
    for attempt in 0..2 {
        browser.hold(kept.clone());
        let reply = browser.get("/me").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert!(browser.cookie(REMEMBER).is_none(), "attempt {attempt}");
    }
    // Logged in again without "remember me", the copy does not back the login either.
    browser.send(post("/login/ada")).await;
    browser.hold(kept);
    let reply = browser.get("/me").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "ada fresh=true remembered=false")
    );
    // A login with "remember me" in that session lifts the mark: its new cookie backs the
    // login, and restores it once the session is gone.
    browser.send(post("/login/ada?remember=1")).await;
    assert_eq!(
        browser.get("/me").await.body,
        "ada fresh=true remembered=true"
    );
    browser.forget(SESSION);
    assert_eq!(
        browser.get("/me").await.body,
        "ada fresh=false remembered=true"
    );
}

#[actix_web::test]
async fn a_copy_the_session_disowned_is_cleared_not_refreshed() {
    let users = users();
    let remember = RememberMe::new(remember_key()).refresh_each_request(true);
    let mut browser = browser_on(manager(&users), Some(remember)).await;
    browser.send(post("/login/ada?remember=1")).await;
    let kept = browser.cookie(REMEMBER).unwrap().clone();
    // Logged in again without "remember me": the session disowns remember cookies.
    browser.send(post("/login/ada")).await;
    browser.hold(kept);
    let reply = browser.get("/me").await;
    assert_eq!(reply.body, "ada fresh=true remembered=false");
    assert!(
        browser.cookie(REMEMBER).is_none(),
        "the copy is cleared, not renewed"
    );
    browser.forget(SESSION);
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_logout_without_a_remember_cookie_leaves_no_session() {
    let users = users();
    let mut browser = remembering(&users).await;
    let reply = browser.send(post("/logout")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(browser.cookie(SESSION).is_none(), "no session made for it");
}

#[actix_web::test]
async fn log_out_everywhere_revokes_a_replayed_remember_cookie() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    let stolen = browser.cookie(REMEMBER).unwrap().clone();
    browser.send(post("/logout")).await;

    // Replayed after a plain logout by another client (without the session the logout marked),
    // the copy still restores: nothing on the server knows it.
    let mut thief = remembering(&users).await;
    thief.hold(stolen.clone());
    assert_eq!(thief.get("/me").await.status, StatusCode::OK);

    // "Log out everywhere": the app bumps the user's stamp.
    users.borrow_mut().get_mut("ada").unwrap().epoch += 1;
    let mut replay = remembering(&users).await;
    replay.hold(stolen);
    assert_eq!(replay.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay.cookie(REMEMBER).is_none(),
        "the dead cookie is cleared"
    );
    // The thief's session, restored before the bump, ends too.
    assert_eq!(thief.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_password_change_ends_every_session_of_the_user() {
    let users = users();
    let mut laptop = remembering(&users).await;
    let mut phone = remembering(&users).await;
    laptop.send(post("/login/ada")).await;
    phone.send(post("/login/ada")).await;
    assert_eq!(phone.get("/me").await.status, StatusCode::OK);
    users.borrow_mut().get_mut("ada").unwrap().epoch += 1;
    assert_eq!(laptop.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.get("/me").await.status, StatusCode::UNAUTHORIZED);
    // A new login records the new stamp.
    laptop.send(post("/login/ada")).await;
    assert_eq!(laptop.get("/me").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_session_login_that_recorded_no_stamp_does_not_stand() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada")).await;
    browser
        .set_session(serde_json::json!({ checkpoint_runtime::STAMP_KEY: null }))
        .await;
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn login_inactive_user() {
    let users = users();
    let mut browser = remembering(&users).await;
    let reply = browser.send(post("/login/creeper?remember=1")).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::FORBIDDEN, "refused")
    );
    assert!(browser.cookie(REMEMBER).is_none());
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    let reply = browser.send(post("/login/nobody")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "an unknown user");
}

#[actix_web::test]
async fn login_inactive_user_forced() {
    let users = users();
    let mut browser = remembering(&users).await;
    let reply = browser.send(post("/login/creeper?force=1")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        browser.get("/me").await.body,
        "creeper fresh=true remembered=false"
    );
}

#[actix_web::test]
async fn a_user_deactivated_after_login_is_anonymous() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    users.borrow_mut().get_mut("ada").unwrap().active = false;
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    browser.forget(SESSION);
    assert_eq!(
        browser.get("/me").await.status,
        StatusCode::UNAUTHORIZED,
        "nor does the remember cookie restore an inactive user"
    );
}

#[actix_web::test]
async fn hostile_remember_cookies_are_anonymous_never_500() {
    let users = users();
    let mut genuine = remembering(&users).await;
    genuine.send(post("/login/ada?remember=1")).await;
    let value = genuine.cookie(REMEMBER).unwrap().value().to_owned();

    // The same payload made with another key: what an attacker who guessed the format makes.
    let mut foreign = browser_on(manager(&users), Some(RememberMe::new(Key::generate()))).await;
    foreign.send(post("/login/ada?remember=1")).await;
    let foreign_value = foreign.cookie(REMEMBER).unwrap().value().to_owned();

    let mut flipped = value.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let hostile = [
        String::new(),
        "ada".to_owned(),
        "ada|0123456789abcdef".to_owned(),
        r#"["ada",99999999999,"1"]"#.to_owned(),
        value[..value.len() / 2].to_owned(),
        String::from_utf8(flipped).unwrap(),
        foreign_value,
        "%00%ff".repeat(500),
        "A".repeat(8000),
    ];
    common::record_logs();
    for cookie in hostile {
        let mut browser = remembering(&users).await;
        browser.hold(Cookie::new(REMEMBER, cookie.clone()));
        let reply = browser.get("/me").await;
        assert!(browser.cookie(REMEMBER).is_none(), "{cookie:?} is cleared");
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{cookie:?}: {}",
            reply.body
        );
    }
    // Made with the app's key, so they decrypt: content that is not a remembered login, and a
    // login whose expiry (inside the encrypted value) has passed.
    let sealed = |content: &str| {
        let mut jar = CookieJar::new();
        jar.private_mut(&remember_key())
            .add(Cookie::new(REMEMBER, content.to_owned()));
        jar.get(REMEMBER).unwrap().value().to_owned()
    };
    for cookie in [sealed("ada"), sealed(r#"["ada",1,"1",60]"#)] {
        let mut browser = remembering(&users).await;
        browser.hold(Cookie::new(REMEMBER, cookie.clone()));
        assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
        assert!(browser.cookie(REMEMBER).is_none(), "{cookie:?} is cleared");
    }
    let lines = common::logged_lines();
    for reason in [
        "the remember cookie does not decrypt",
        "the remember cookie's content is malformed",
        "the remember cookie expired",
    ] {
        assert!(
            lines.iter().any(|line| line.contains(reason)),
            "{reason}: {lines:?}"
        );
    }
    // The genuine one, for contrast, restores.
    let mut browser = remembering(&users).await;
    browser.hold(Cookie::new(REMEMBER, value));
    assert_eq!(browser.get("/me").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn remember_without_the_middleware_fails_closed_and_says_why() {
    common::record_logs();
    let users = users();
    let mut browser = browser_on(manager(&users), None).await;
    let reply = browser.send(post("/login/ada?remember=1")).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        browser.get("/me").await.status,
        StatusCode::UNAUTHORIZED,
        "nothing half-done"
    );
    assert!(common::logged_lines()
        .iter()
        .any(|line| line.contains("no RememberMe middleware wraps this route")));
}

#[actix_web::test]
async fn login_user_refuses_an_app_whose_loader_checks_users() {
    common::record_logs();
    let users = users();
    let mut browser = remembering(&users).await;
    let reply = browser.send(post("/login-user/ada")).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert!(common::logged_lines()
        .iter()
        .any(|line| line.contains("Login::new(id).login(&req).await")));

    // Without checks on users, login_user serves.
    let plain = LoginManager::new().user_loader(async |id: &str| {
        Some(User {
            name: id.to_owned(),
            active: true,
            epoch: 0,
        })
    });
    let mut browser = browser_on(plain, Some(RememberMe::new(remember_key()))).await;
    assert_eq!(
        browser.send(post("/login-user/ada")).await.status,
        StatusCode::OK
    );
    assert_eq!(browser.get("/me").await.status, StatusCode::OK);
}

/// What an [`event_recorder`] hook recorded: each event as `name` or `name:id`.
type Recorded = Rc<RefCell<Vec<String>>>;

/// An event hook recording each event, and what it recorded.
fn event_recorder() -> (Recorded, impl Fn(&HttpRequest, &LoginEvent<'_>) + 'static) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = Rc::clone(&seen);
    let hook = move |_: &HttpRequest, event: &LoginEvent<'_>| {
        let name = event.name();
        record.borrow_mut().push(match event.id() {
            Some(id) => format!("{name}:{id}"),
            None => name.to_owned(),
        });
    };
    (seen, hook)
}

/// Without a user loader the login check does not read the identity's id (it needs only to know
/// that the session has one); the events that name it still do.
#[actix_web::test]
async fn the_events_name_the_identity_without_a_user_loader_too() {
    for mode in [SessionProtection::Basic, SessionProtection::Strong] {
        let (seen, record) = event_recorder();
        let manager = LoginManager::new()
            .session_protection(mode)
            .on_event(record);
        let mut browser = browser_on(manager, None).await;
        let take = || std::mem::take(&mut *seen.borrow_mut());

        browser.send(post("/login/ada?fresh=0")).await;
        assert_eq!(take(), ["user_logged_in:ada"]);
        assert_eq!(browser.get("/fresh").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(take(), ["user_accessed", "user_needs_refresh:ada"]);
        assert_eq!(browser.send(post("/confirm")).await.status, StatusCode::OK);
        assert_eq!(take(), ["user_accessed", "user_login_confirmed"]);
        let other = test::TestRequest::get()
            .uri("/fresh")
            .insert_header(("user-agent", "curl/8"));
        assert_eq!(
            browser.send(other).await.status,
            StatusCode::UNAUTHORIZED,
            "{mode:?}"
        );
        let refused = match mode {
            SessionProtection::Basic => "user_needs_refresh:ada",
            SessionProtection::Strong => "user_unauthorized",
        };
        assert_eq!(
            take(),
            ["user_accessed", "session_protected:ada", refused],
            "{mode:?}"
        );
    }
}

#[actix_web::test]
async fn every_login_event_reaches_the_hooks_in_order_and_the_log() {
    common::record_logs();
    let users = users();
    let (seen, record) = event_recorder();
    let manager = manager(&users)
        .request_loader(|req: &HttpRequest| {
            let token = req.headers().get("x-token").cloned();
            std::future::ready(token.map(|_| "ada".to_owned()))
        })
        .on_event(record)
        .on_event(|_: &HttpRequest, event: &LoginEvent<'_>| {
            assert!(
                !matches!(event, LoginEvent::LoginConfirmed),
                "a hook that panics"
            );
        });
    let mut browser = browser_on(manager, Some(RememberMe::new(remember_key()))).await;
    let take = || std::mem::take(&mut *seen.borrow_mut());

    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(take(), ["user_accessed", "user_unauthorized"]);
    browser.send(post("/login/ada?remember=1&fresh=0")).await;
    assert_eq!(take(), ["user_logged_in:ada"]);
    assert_eq!(browser.get("/fresh").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(take(), ["user_accessed", "user_needs_refresh:ada"]);
    // The second hook panics on this one: reported, and the request goes on.
    assert_eq!(browser.send(post("/confirm")).await.status, StatusCode::OK);
    assert_eq!(take(), ["user_accessed", "user_login_confirmed"]);
    // Another client: session protection (Basic) takes the freshness (once:
    // it is gone then).
    for expected in [
        &["user_accessed", "session_protected:ada"][..],
        &["user_accessed"],
    ] {
        let other = test::TestRequest::get()
            .uri("/me")
            .insert_header(("user-agent", "curl/8"));
        assert_eq!(browser.send(other).await.status, StatusCode::OK);
        assert_eq!(take(), expected);
    }
    browser.forget(SESSION);
    assert_eq!(browser.get("/me").await.status, StatusCode::OK);
    assert_eq!(
        take()[..2],
        ["user_accessed", "user_loaded_from_cookie:ada"]
    );
    browser.send(post("/logout")).await;
    assert_eq!(take(), ["user_logged_out:ada"]);
    let token = test::TestRequest::get()
        .uri("/me")
        .insert_header(("x-token", "t"));
    assert_eq!(browser.send(token).await.status, StatusCode::OK);
    assert_eq!(
        take()[..2],
        ["user_accessed", "user_loaded_from_request:ada"]
    );

    let lines = common::logged_lines();
    for name in [
        "user_unauthorized",
        "user_logged_in",
        "user_loaded_from_cookie",
        "session_protected",
    ] {
        assert!(
            lines
                .iter()
                .any(|line| line.contains(&format!("login event {name}"))),
            "{name} is logged at debug"
        );
    }
    assert!(lines
        .iter()
        .any(|line| line.contains("a login event hook panicked")));
}

#[actix_web::test]
async fn logout_then_flash_reaches_the_next_page() {
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    browser
        .set_session(serde_json::json!({ "cart": ["tea"] }))
        .await;
    let old_session = browser.cookie(SESSION).unwrap().value().to_owned();
    assert_eq!(
        browser.send(post("/logout-flash")).await.status,
        StatusCode::OK
    );
    assert_ne!(
        browser
            .cookie(SESSION)
            .map(|cookie| cookie.value().to_owned()),
        Some(old_session),
        "the session is renewed"
    );
    assert!(browser.cookie(REMEMBER).is_none());
    assert_eq!(
        browser.flashes().await,
        [
            ("info".to_owned(), "Goodbye".to_owned()),
            ("success".to_owned(), "You have been logged out".to_owned())
        ]
    );
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        browser.session_value("cart").await,
        serde_json::Value::Null,
        "nothing else of the old session is left"
    );
}

#[actix_web::test]
async fn a_user_refused_by_login_is_never_the_current_user() {
    let users = users();
    let mut browser = remembering(&users).await;
    let reply = browser.send(post("/login-then-current/creeper")).await;
    assert_eq!(
        reply.body, "false None",
        "an inactive user, loaded and refused"
    );
    let reply = browser.send(post("/login-then-current/ada")).await;
    assert_eq!(reply.body, "true Some(\"ada\")");
    // Logged in as ada, a refused login of creeper leaves ada the current user.
    let reply = browser.send(post("/login-then-current/creeper")).await;
    assert_eq!(reply.body, "false Some(\"ada\")");
}

#[actix_web::test]
async fn a_login_on_a_purged_session_fails_and_says_why() {
    common::record_logs();
    let users = users();
    let mut browser = remembering(&users).await;
    let reply = browser.send(post("/purged-login")).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(common::logged_lines()
        .iter()
        .any(|line| line.contains("the session was purged earlier in this request")));
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_logout_outside_remember_me_keeps_the_cookie_from_restoring() {
    let users = users();
    let app = App::new()
        .app_data(manager(&users))
        .configure(common::session_tools)
        .service(log_out)
        .service(
            web::scope("/app")
                .wrap(RememberMe::new(remember_key()))
                .service(log_in)
                .service(me),
        )
        .wrap(IdentityMiddleware::default())
        .wrap(common::sessions().await);
    let mut browser = Browser::new(test::init_service(app).await);
    browser.send(post("/app/login/ada?remember=1")).await;
    assert!(browser.cookie(REMEMBER).is_some());
    assert_eq!(browser.send(post("/logout")).await.status, StatusCode::OK);
    assert!(
        browser.cookie(REMEMBER).is_some(),
        "outside RememberMe the cookie cannot be cleared"
    );
    let reply = browser.get("/app/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert!(
        browser.cookie(REMEMBER).is_none(),
        "cleared on the way through RememberMe"
    );
}

/// A handler with neither a login attribute nor `CurrentUser`: only the scope's `LoginRequired`
/// checks its requests.
#[get("/page")]
async fn scope_page() -> impl Responder {
    "page"
}

#[actix_web::test]
async fn behind_the_scope_middleware_alone_deactivated_and_revoked_users_are_refused() {
    let users = users();
    let app = App::new()
        .app_data(manager(&users))
        .service(log_in)
        .service(
            web::scope("/guarded")
                .wrap(LoginRequired::LOGGED_IN)
                .service(scope_page),
        )
        .wrap(RememberMe::new(remember_key()))
        .wrap(IdentityMiddleware::default())
        .wrap(common::sessions().await);
    let mut browser = Browser::new(test::init_service(app).await);
    browser.send(post("/login/ada?remember=1")).await;
    let reply = browser.get("/guarded/page").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "page")
    );

    users.borrow_mut().get_mut("ada").unwrap().active = false;
    assert_eq!(
        browser.get("/guarded/page").await.status,
        StatusCode::UNAUTHORIZED,
        "deactivated"
    );
    users.borrow_mut().get_mut("ada").unwrap().active = true;
    assert_eq!(browser.get("/guarded/page").await.status, StatusCode::OK);

    users.borrow_mut().get_mut("ada").unwrap().epoch += 1;
    assert_eq!(
        browser.get("/guarded/page").await.status,
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
    assert!(
        browser.cookie(REMEMBER).is_none(),
        "the revoked remember cookie is cleared"
    );
}

#[actix_web::test]
async fn a_user_loader_with_checks_outside_the_manager_fails_closed() {
    common::record_logs();
    let loader = UserLoader::new(async |id: &str| {
        Some(User {
            name: id.to_owned(),
            active: true,
            epoch: 0,
        })
    })
    .revocation_stamp(|user: &User| user.epoch.to_string());
    let app = App::new()
        .app_data(loader)
        .app_data(LoginManager::new())
        .configure(routes)
        .wrap(IdentityMiddleware::default())
        .wrap(common::sessions().await);
    let mut browser = Browser::new(test::init_service(app).await);
    browser.send(post("/login-user/ada")).await;
    assert_eq!(
        browser.get("/me").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert!(common::logged_lines()
        .iter()
        .any(|line| line.contains("register it on the LoginManager")));
}

#[actix_web::test]
async fn a_request_without_a_remember_cookie_gets_no_remember_cookie() {
    let users = users();
    let app = test::init_service(
        App::new()
            .app_data(manager(&users))
            .configure(routes)
            .wrap(RememberMe::new(remember_key()))
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await),
    )
    .await;
    for request in [
        test::TestRequest::get().uri("/me"),
        test::TestRequest::post().uri("/login/ada"),
    ] {
        let response = test::call_service(&app, request.to_request()).await;
        let names: Vec<String> = response
            .response()
            .cookies()
            .map(|cookie| cookie.name().to_owned())
            .collect();
        assert!(!names.iter().any(|name| name == REMEMBER), "{names:?}");
    }
}

#[actix_web::test]
async fn a_remember_cookie_outlives_a_user_store_that_is_down_for_a_while() {
    // Flask-Login clears no cookie on a failed load; a revoked one goes (see above).
    let users = users();
    let mut browser = remembering(&users).await;
    browser.send(post("/login/ada?remember=1")).await;
    browser.forget(SESSION);
    let ada = users.borrow_mut().remove("ada").unwrap();
    assert_eq!(browser.get("/me").await.status, StatusCode::UNAUTHORIZED);
    assert!(
        browser.cookie(REMEMBER).is_some(),
        "kept while the user cannot be loaded"
    );
    users.borrow_mut().insert("ada".to_owned(), ada);
    assert_eq!(
        browser.get("/me").await.body,
        "ada fresh=false remembered=true"
    );
}
