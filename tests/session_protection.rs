//! Session protection (Flask-Login's `session_protection`): a login made by one client (address
//! and `User-Agent`) and used by another loses its freshness (`Basic`, the default) or itself
//! (`Strong`). Through the actix stack on the suite's session store; tests named after
//! Flask-Login's where one exists.

mod common;

use std::{cell::RefCell, net::SocketAddr, rc::Rc};

use actix_web::{
    cookie::Key,
    get,
    http::{header::USER_AGENT, StatusCode},
    post, test, App, HttpRequest, Responder,
};
use checkpoint_runtime::{
    confirm_login, fresh_login_required, login_required, logout_user, CheckpointError,
    ClientAddress, IdentityMiddleware, Login, LoginManager, RememberMe, SessionProtection,
    DEFAULT_REMEMBER_COOKIE_NAME,
};
use common::Browser;

#[post("/login")]
async fn log_in(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    Login::new("ada").remember(true).login(&req).await?;
    Ok("logged in")
}

#[post("/logout")]
async fn log_out(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    logout_user(&req)?;
    Ok("logged out")
}

#[post("/confirm")]
async fn confirm(req: HttpRequest) -> Result<&'static str, CheckpointError> {
    confirm_login(&req)?;
    Ok("confirmed")
}

#[get("/me")]
#[login_required]
async fn me() -> impl Responder {
    "ada"
}

#[get("/fresh")]
#[fresh_login_required]
async fn fresh() -> impl Responder {
    "fresh"
}

/// A client: its address and browser.
#[derive(Clone, Copy)]
struct Client {
    peer: &'static str,
    agent: &'static str,
    forwarded_for: Option<&'static str>,
}

const LAPTOP: Client = Client {
    peer: "10.0.0.1:50000",
    agent: "Firefox/140",
    forwarded_for: None,
};

impl Client {
    fn with_agent(self, agent: &'static str) -> Self {
        Self { agent, ..self }
    }

    fn at(self, peer: &'static str) -> Self {
        Self { peer, ..self }
    }

    fn forwarded_for(self, address: &'static str) -> Self {
        Self {
            forwarded_for: Some(address),
            ..self
        }
    }

    fn request(self, method: &str, uri: &str) -> test::TestRequest {
        let request = match method {
            "POST" => test::TestRequest::post(),
            _ => test::TestRequest::get(),
        };
        let mut request = request
            .uri(uri)
            .peer_addr(self.peer.parse::<SocketAddr>().unwrap())
            .insert_header((USER_AGENT, self.agent));
        if let Some(address) = self.forwarded_for {
            request = request.insert_header(("x-forwarded-for", address));
        }
        request
    }
}

/// The statuses of `/me` and `/fresh` for `client`.
async fn statuses<S, B>(browser: &mut Browser<S>, client: Client) -> (StatusCode, StatusCode)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody + 'static,
{
    let member = browser.send(client.request("GET", "/me")).await.status;
    let fresh_only = browser.send(client.request("GET", "/fresh")).await.status;
    (member, fresh_only)
}

const OK: StatusCode = StatusCode::OK;
const NO: StatusCode = StatusCode::UNAUTHORIZED;

macro_rules! app {
    ($manager:expr) => {
        Browser::new(
            test::init_service(
                App::new()
                    .app_data($manager)
                    .service(log_in)
                    .service(log_out)
                    .service(confirm)
                    .service(me)
                    .service(fresh)
                    .configure(common::session_tools)
                    .wrap(RememberMe::new(Key::from(&[9; 64])))
                    .wrap(IdentityMiddleware::default())
                    .wrap(common::sessions().await),
            )
            .await,
        )
    };
}

/// Logs `ada` in from `client` (remembered), checking the login stands for that client.
macro_rules! logged_in {
    ($browser:expr, $client:expr) => {{
        let reply = $browser.send($client.request("POST", "/login")).await;
        assert_eq!(reply.status, OK, "{}", reply.body);
        assert_eq!(statuses(&mut $browser, $client).await, (OK, OK));
    }};
}

#[actix_web::test]
async fn session_protection_basic_passes_successive_requests() {
    let mut browser = app!(LoginManager::new());
    logged_in!(browser, LAPTOP);
    for _ in 0..3 {
        assert_eq!(statuses(&mut browser, LAPTOP).await, (OK, OK));
    }
    // Another port of the same address is the same client.
    assert_eq!(
        statuses(&mut browser, LAPTOP.at("10.0.0.1:50001")).await,
        (OK, OK)
    );
}

#[actix_web::test]
async fn session_protection_basic_marks_session_unfresh() {
    let mut browser = app!(LoginManager::new().session_protection(SessionProtection::Basic));
    logged_in!(browser, LAPTOP);
    let thief = LAPTOP.with_agent("curl/8");
    assert_eq!(
        statuses(&mut browser, thief).await,
        (OK, NO),
        "logged in, not fresh"
    );
    // As in Flask-Login, the freshness is gone for good, the login's own client included.
    assert_eq!(statuses(&mut browser, LAPTOP).await, (OK, NO));
}

#[actix_web::test]
async fn session_protection_basic_by_address() {
    let mut browser = app!(LoginManager::new());
    logged_in!(browser, LAPTOP);
    assert_eq!(
        statuses(&mut browser, LAPTOP.at("10.9.9.9:50000")).await,
        (OK, NO)
    );
}

#[actix_web::test]
async fn session_protection_strong_deletes_session() {
    let mut browser = app!(LoginManager::new().session_protection(SessionProtection::Strong));
    logged_in!(browser, LAPTOP);
    assert!(browser.cookie(DEFAULT_REMEMBER_COOKIE_NAME).is_some());
    let thief = LAPTOP.with_agent("curl/8");
    assert_eq!(statuses(&mut browser, thief).await, (NO, NO));
    assert!(
        browser.cookie(DEFAULT_REMEMBER_COOKIE_NAME).is_none(),
        "the remember cookie is cleared too"
    );
    // The login is gone, for its own client as well.
    assert_eq!(statuses(&mut browser, LAPTOP).await, (NO, NO));
}

/// A login restored from the remember cookie, its session gone, by another client than the one
/// that logged in: session protection acts on a session's login only, so the restore stands
/// (not fresh, as every restore; `Strong` would end it on the restoring client's next request
/// had the restore not recorded that client), and once the login is confirmed there a third
/// client is protected against.
async fn restored_elsewhere(protection: SessionProtection) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&events);
    let manager = LoginManager::new()
        .session_protection(protection)
        .on_event(move |_, event| seen.borrow_mut().push(event.name()));
    let mut browser = app!(manager);
    logged_in!(browser, LAPTOP);
    browser.forget(common::SESSION_COOKIE);
    let phone = LAPTOP.with_agent("Mobile Safari/18").at("10.0.0.7:40000");
    assert_eq!(statuses(&mut browser, phone).await, (OK, NO));
    assert_eq!(statuses(&mut browser, phone).await, (OK, NO), "it stands");
    let protected = || {
        events
            .borrow()
            .iter()
            .filter(|name| **name == "session_protected")
            .count()
    };
    assert!(events.borrow().contains(&"user_loaded_from_cookie"));
    assert_eq!(
        protected(),
        0,
        "the restore is not taken for another client"
    );
    // The password typed again on the phone: fresh there.
    browser.send(phone.request("POST", "/confirm")).await;
    assert_eq!(statuses(&mut browser, phone).await, (OK, OK));

    let other = phone.with_agent("curl/8");
    let expected = match protection {
        SessionProtection::Basic => (OK, NO),
        SessionProtection::Strong => (NO, NO),
    };
    assert_eq!(
        statuses(&mut browser, other).await,
        expected,
        "protected again"
    );
    assert_eq!(protected(), 1, "another client than the phone");
    if protection == SessionProtection::Strong {
        assert!(browser.cookie(DEFAULT_REMEMBER_COOKIE_NAME).is_none());
        assert_eq!(statuses(&mut browser, phone).await, (NO, NO), "gone");
    }
}

#[actix_web::test]
async fn session_protection_basic_skips_when_remember_me() {
    restored_elsewhere(SessionProtection::Basic).await;
}

#[actix_web::test]
async fn session_protection_strong_skips_when_remember_me() {
    restored_elsewhere(SessionProtection::Strong).await;
}

#[actix_web::test]
async fn session_protection_strong_passes_the_same_client() {
    let mut browser = app!(LoginManager::new().session_protection(SessionProtection::Strong));
    logged_in!(browser, LAPTOP);
    assert_eq!(statuses(&mut browser, LAPTOP).await, (OK, OK));
}

#[actix_web::test]
async fn session_protection_off_lets_any_client_use_the_login() {
    let mut browser = app!(LoginManager::new().no_session_protection());
    logged_in!(browser, LAPTOP);
    let elsewhere = LAPTOP.with_agent("curl/8").at("10.9.9.9:1");
    assert_eq!(statuses(&mut browser, elsewhere).await, (OK, OK));
}

#[actix_web::test]
async fn a_spoofed_forwarded_for_is_not_the_client_by_default() {
    let mut browser = app!(LoginManager::new());
    let proxied = LAPTOP.forwarded_for("203.0.113.7");
    logged_in!(browser, proxied);
    // A client sending its own X-Forwarded-For changes nothing: the peer is the address.
    assert_eq!(
        statuses(&mut browser, LAPTOP.forwarded_for("198.51.100.1")).await,
        (OK, OK)
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
    let mut browser = app!(LoginManager::new().client_address(ClientAddress::Forwarded));
    let proxy = LAPTOP.at("192.0.2.1:443");
    logged_in!(browser, proxy.forwarded_for("203.0.113.7"));
    // The same client through another proxy connection: the same.
    assert_eq!(
        statuses(
            &mut browser,
            proxy.at("192.0.2.1:444").forwarded_for("203.0.113.7")
        )
        .await,
        (OK, OK)
    );
    // Another client through the proxy: not fresh.
    assert_eq!(
        statuses(&mut browser, proxy.forwarded_for("198.51.100.1")).await,
        (OK, NO)
    );
}

#[actix_web::test]
async fn hostile_user_agents_and_forwarded_headers_never_fail_open_nor_500() {
    let mut browser = app!(LoginManager::new()
        .session_protection(SessionProtection::Strong)
        .client_address(ClientAddress::Forwarded));
    logged_in!(browser, LAPTOP);
    let long = Box::leak("x".repeat(16 * 1024).into_boxed_str());
    for (agent, forwarded) in [
        ("", "203.0.113.7"),
        (long, "203.0.113.7"),
        ("Firefox/140", "not an address"),
        ("Firefox/140", "[::1]:80, 10.0.0.1"),
        ("Firefox/140", ",,,"),
    ] {
        let client = LAPTOP.with_agent(agent).forwarded_for(forwarded);
        let seen = statuses(&mut browser, client).await;
        assert_eq!(
            seen,
            (NO, NO),
            "{:?} {forwarded:?}",
            &agent[..agent.len().min(20)]
        );
        logged_in!(browser, LAPTOP);
    }
}
