//! Faults fail closed: the handler does not run, the answer is a 500 (or the configured
//! failure), a line is logged, and the worker keeps serving.

mod common;

use std::cell::Cell;

use actix_web::{
    cookie::{Cookie, CookieJar},
    get,
    http::StatusCode,
    test, web, App, HttpRequest, HttpResponse, Responder,
};
use checkpoint_runtime::checkpoint;
use serde_json::json;

thread_local! {
    // Per thread: each test runs its app on its own thread, in parallel with the others.
    static BODY_RUNS: Cell<usize> = const { Cell::new(0) };
}

fn body_ran() {
    BODY_RUNS.set(BODY_RUNS.get() + 1);
}

#[get("/guarded")]
#[checkpoint(session_key = "logged_in", values = true, disable_default_fail)]
async fn guarded() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/to-nowhere")]
#[checkpoint(session_key = "logged_in", values = true, fail_url = url_for("no_such_route"),
             message = "lost")]
async fn to_nowhere() -> impl Responder {
    body_ran();
    "body ran"
}

fn explodes(_: &HttpRequest) -> HttpResponse {
    panic!("fail_response blew up")
}

#[get("/explodes")]
#[checkpoint(session_key = "logged_in", values = true, fail_response = explodes)]
async fn panicking_fail_response() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/strict")]
#[checkpoint(session_key = "logged_in", values = true)]
async fn strict() -> impl Responder {
    body_ran();
    "body ran"
}

async fn panicking_predicate() -> bool {
    panic!("the check blew up")
}

#[get("/check-explodes")]
#[checkpoint(check = panicking_predicate, disable_default_fail)]
async fn panicking_check() -> impl Responder {
    body_ran();
    "body ran"
}

/// The usual way to get a key from the environment, with the variable unset.
fn key_from_the_environment() -> String {
    std::env::var("CHECKPOINT_TEST_UNSET_VARIABLE").unwrap()
}

#[get("/key-explodes")]
#[checkpoint(api_key = std::env::var("CHECKPOINT_TEST_UNSET_VARIABLE").unwrap(),
             disable_default_fail)]
async fn panicking_api_key() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/token-explodes")]
#[checkpoint(bearer = key_from_the_environment(), disable_default_fail)]
async fn panicking_bearer() -> impl Responder {
    body_ran();
    "body ran"
}

#[get("/healthy")]
async fn healthy() -> impl Responder {
    "fine"
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(guarded)
        .service(to_nowhere)
        .service(panicking_fail_response)
        .service(strict)
        .service(panicking_check)
        .service(panicking_api_key)
        .service(panicking_bearer)
        .service(healthy);
}

fn logged_since(before: usize, needle: &str) -> bool {
    common::logged_lines()[before..]
        .iter()
        .any(|line| line.starts_with("ERROR") && line.contains(needle))
}

#[actix_web::test]
async fn a_missing_session_middleware_fails_closed_and_is_logged() {
    common::record_logs();
    let app = test::init_service(App::new().configure(routes)).await;
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();

    let res = test::call_service(&app, test::TestRequest::get().uri("/guarded").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        test::read_body(res).await,
        "Internal Server Error",
        "no details leak"
    );
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "disable_default_fail must not run it"
    );
    assert!(logged_since(logged, "SessionMiddleware"));
}

#[actix_web::test]
async fn the_same_route_with_the_middleware_runs_the_view() {
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let reply = browser.get("/guarded").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "body ran")
    );
    assert_eq!(BODY_RUNS.get(), runs + 1);
}

#[actix_web::test]
async fn url_for_an_unknown_route_fails_closed_and_flashes_nothing() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    let reply = browser.get("/to-nowhere").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(BODY_RUNS.get(), runs);
    assert!(logged_since(logged, "no_such_route"));
    assert!(browser.flashes().await.is_empty());

    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/to-nowhere").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_panicking_fail_response_is_a_500_and_the_worker_survives() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    for _ in 0..3 {
        let reply = browser.get("/explodes").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(BODY_RUNS.get(), runs);
    assert!(logged_since(logged, "fail_response"));
    assert_eq!(browser.get("/healthy").await.body, "fine");
}

/// A session cookie as the cookie store writes it (an encrypted JSON map of JSON texts), with
/// text that is not JSON under `logged_in`: only a store can hold such a value.
fn cookie_with_undecodable_value() -> Cookie<'static> {
    let mut jar = CookieJar::new();
    let state = json!({ "logged_in": "tru" }).to_string();
    jar.private_mut(&common::session_key())
        .add(Cookie::new("id", state));
    jar.get("id").expect("just added").clone()
}

#[actix_web::test]
async fn an_undecodable_session_value_fails_the_check_with_a_warning() {
    common::record_logs();
    let app =
        test::init_service(App::new().wrap(common::cookie_sessions()).configure(routes)).await;
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();

    let request = test::TestRequest::get()
        .uri("/strict")
        .cookie(cookie_with_undecodable_value());
    let res = test::call_service(&app, request.to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(BODY_RUNS.get(), runs);
    assert!(common::logged_lines()[logged..]
        .iter()
        .any(|line| line.starts_with("WARN") && line.contains("logged_in")));

    // `disable_default_fail` is the configured failure: the view runs, as for a visitor.
    let request = test::TestRequest::get()
        .uri("/guarded")
        .cookie(cookie_with_undecodable_value());
    let res = test::call_service(&app, request.to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(BODY_RUNS.get(), runs + 1);
}

#[actix_web::test]
async fn a_tampered_truncated_or_foreign_session_cookie_never_passes() {
    let mut browser = browser!(routes);
    browser.set_session(json!({ "logged_in": true })).await;
    assert_eq!(browser.get("/strict").await.body, "body ran");
    let genuine = browser.cookie("id").expect("a session cookie").clone();
    let runs = BODY_RUNS.get();

    let value = genuine.value().to_owned();
    let mut flipped = value.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let mut foreign_jar = CookieJar::new();
    let state = if common::redis_url().is_some() {
        // A Redis cookie names a session key; seal the genuine one with another key.
        let mut jar = CookieJar::new();
        jar.add_original(genuine.clone());
        let key = common::session_key();
        let sealed = jar.private(&key).get("id");
        sealed.unwrap().value().to_owned()
    } else {
        json!({ "logged_in": "true" }).to_string()
    };
    foreign_jar
        .private_mut(&actix_web::cookie::Key::generate())
        .add(Cookie::new("id", state));
    let foreign = foreign_jar.get("id").unwrap().value().to_owned();

    for (forged, what) in [
        (String::from_utf8(flipped).unwrap(), "one character changed"),
        (value[..value.len() / 2].to_owned(), "truncated"),
        (foreign, "sealed with another key"),
        (String::new(), "empty"),
    ] {
        let request = test::TestRequest::get()
            .uri("/strict")
            .cookie(Cookie::new("id", forged));
        let app =
            test::init_service(App::new().wrap(common::sessions().await).configure(routes)).await;
        let res = test::call_service(&app, request.to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{what}");
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "the body never ran on a forged cookie"
    );
}

#[actix_web::test]
async fn a_panicking_check_is_a_500_and_the_worker_survives() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    for _ in 0..3 {
        let reply = browser.get("/check-explodes").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "not even disable_default_fail runs it"
    );
    assert!(logged_since(logged, "check"));
    assert_eq!(browser.get("/healthy").await.body, "fine");
}

#[actix_web::test]
async fn a_panicking_key_expression_is_a_500_and_the_worker_survives() {
    common::record_logs();
    let mut browser = browser!(routes);
    let runs = BODY_RUNS.get();
    let logged = common::logged_lines().len();
    for uri in ["/key-explodes", "/token-explodes", "/key-explodes"] {
        let request = test::TestRequest::get()
            .uri(uri)
            .insert_header(("x-api-key", "k"))
            .insert_header(("authorization", "Bearer k"));
        let reply = browser.send(request).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(
            reply.body, "Internal Server Error",
            "{uri}: no details leak"
        );
    }
    assert_eq!(
        BODY_RUNS.get(),
        runs,
        "not even disable_default_fail runs it"
    );
    assert!(logged_since(logged, "expected key"));
    assert_eq!(browser.get("/healthy").await.body, "fine");
}

mod without_session_middleware {
    use actix_web::{get, post, Responder};
    use checkpoint_runtime::{checkpoint, include_csrf};

    use super::body_ran;

    async fn always() -> bool {
        true
    }

    #[get("/key")]
    #[checkpoint(api_key = "k3y", fail_url = "/login", message = "Key required")]
    pub async fn key() -> impl Responder {
        body_ran();
        "body ran"
    }

    #[get("/bearer")]
    #[checkpoint(bearer = "t0ken", fail_status = 401)]
    pub async fn bearer() -> impl Responder {
        body_ran();
        "body ran"
    }

    #[get("/check")]
    #[checkpoint(check = always, pass_url = "/next", message = "Welcome")]
    pub async fn check() -> impl Responder {
        body_ran();
        "body ran"
    }

    #[post("/csrf")]
    #[include_csrf]
    pub async fn csrf() -> impl Responder {
        body_ran();
        "body ran"
    }
}

#[actix_web::test]
async fn every_kind_without_session_middleware_fails_closed_or_answers_its_failure() {
    use without_session_middleware as routes_of;
    let app = test::init_service(
        App::new()
            .service(routes_of::key)
            .service(routes_of::bearer)
            .service(routes_of::check)
            .service(routes_of::csrf),
    )
    .await;
    let runs = BODY_RUNS.get();
    let status = |request: test::TestRequest| {
        let app = &app;
        async move { test::call_service(app, request.to_request()).await.status() }
    };
    // A redirect that would flash, and a CSRF check (it reads the session), cannot work
    // without the middleware: 500. A failure that needs no session is answered as configured.
    assert_eq!(
        status(test::TestRequest::get().uri("/key")).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        status(test::TestRequest::get().uri("/bearer")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(test::TestRequest::get().uri("/check")).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let csrf = test::TestRequest::post()
        .uri("/csrf")
        .insert_header(("x-csrf-token", "t"));
    assert_eq!(status(csrf).await, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(BODY_RUNS.get(), runs, "no handler body ran");
}

/// Every placement of `SessionMiddleware` and actix-identity's `IdentityMiddleware` (each present
/// or absent, in both orders, at app and at scope level), for every kind of checkpoint and the
/// login layer: each cell works, or answers `500` with a log line that says the fix.
mod middleware_matrix {
    use actix_identity::IdentityMiddleware;
    use actix_web::{http::StatusCode, test, web, App};
    use checkpoint_runtime::{LoginManager, RedirectTarget};

    use crate::common;

    /// A module of one handler per kind, under `/$module`, so that each cell has handlers (and
    /// the probes they remember the middleware in) of its own.
    macro_rules! cell_routes {
        ($module:ident) => {
            mod $module {
                use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
                use checkpoint_runtime::{
                    checkpoint, include_csrf, login_required, login_user, AllowedValue,
                    CheckpointError, SessionCheckpoint,
                };

                async fn always() -> bool {
                    true
                }

                const NAMED: SessionCheckpoint =
                    SessionCheckpoint::new("ok", &[AllowedValue::Bool(true)]);

                #[get("/page")]
                async fn page() -> impl Responder {
                    "page"
                }

                #[get("/session")]
                #[checkpoint(session_key = "ok", values = true, fail_url = url_for("page"), message = "no")]
                async fn session() -> impl Responder {
                    "ran"
                }

                #[get("/quiet")]
                #[checkpoint(session_key = "ok", values = true)]
                async fn quiet() -> impl Responder {
                    "ran"
                }

                #[get("/key")]
                #[checkpoint(api_key = "k")]
                async fn key() -> impl Responder {
                    "ran"
                }

                #[get("/bearer")]
                #[checkpoint(bearer = "t")]
                async fn bearer() -> impl Responder {
                    "ran"
                }

                #[get("/predicate")]
                #[checkpoint(check = always)]
                async fn predicate() -> impl Responder {
                    "ran"
                }

                #[get("/csrf")]
                #[include_csrf]
                async fn csrf() -> impl Responder {
                    "ran"
                }

                #[get("/named")]
                #[checkpoint(NAMED)]
                async fn named() -> impl Responder {
                    "ran"
                }

                #[get("/login")]
                #[login_required]
                async fn login() -> impl Responder {
                    "ran"
                }

                #[post("/log-in")]
                async fn log_in(req: HttpRequest) -> Result<HttpResponse, CheckpointError> {
                    login_user(&req, "alice", true)?;
                    Ok(HttpResponse::NoContent().finish())
                }

                pub const PREFIX: &str = concat!("/", stringify!($module));

                pub fn routes(cfg: &mut web::ServiceConfig) {
                    cfg.service(
                        web::scope(PREFIX)
                            .service(page)
                            .service(session)
                            .service(quiet)
                            .service(key)
                            .service(bearer)
                            .service(predicate)
                            .service(csrf)
                            .service(named)
                            .service(login)
                            .service(log_in),
                    );
                }
            }
        };
    }

    /// The app of one cell: `$routes` behind the middleware listed (in registration order: the
    /// last runs first), on the app or on a scope around the routes; driven, then returned to be
    /// kept alive until the test ends. An app seen losing session writes is known by the address
    /// of its resource map, which a later app on the same thread could reuse once the first is
    /// dropped, inheriting its mark.
    macro_rules! cell {
        ($module:ident, app, [$($middleware:expr),*], sessions: $sessions:expr, identities: $identities:expr) => {{
            cell_routes!($module);
            let app = test::init_service(
                App::new().app_data(manager($module::PREFIX))
                    $(.wrap($middleware))*
                    .configure($module::routes),
            )
            .await;
            let mut browser = common::Browser::new(app);
            check(&mut browser, $module::PREFIX, $sessions, $identities).await;
            browser
        }};
        ($module:ident, scope, [$($middleware:expr),*], sessions: $sessions:expr, identities: $identities:expr) => {{
            cell_routes!($module);
            let app = test::init_service(
                App::new().app_data(manager($module::PREFIX)).service(
                    web::scope("")
                        $(.wrap($middleware))*
                        .configure($module::routes),
                ),
            )
            .await;
            let mut browser = common::Browser::new(app);
            check(&mut browser, $module::PREFIX, $sessions, $identities).await;
            browser
        }};
    }

    fn manager(prefix: &'static str) -> LoginManager {
        LoginManager::new().login_view(RedirectTarget::Path(String::leak(format!("{prefix}/page"))))
    }

    /// Whether an error line naming `request` and saying `fix` was logged.
    fn logged(request: &str, fix: &str) -> bool {
        common::logged_lines()
            .iter()
            .any(|line| line.starts_with("ERROR") && line.contains(request) && line.contains(fix))
    }

    /// Drives one cell: what works works; what cannot answers `500` with the fix in the log.
    async fn check<S, B>(
        browser: &mut common::Browser<S>,
        prefix: &str,
        sessions: bool,
        identities: bool,
    ) where
        S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
        B: actix_web::body::MessageBody + 'static,
    {
        let cell = format!("{prefix} (sessions {sessions}, identities {identities})");
        let get = |path: &str| test::TestRequest::get().uri(&format!("{prefix}{path}"));
        let status = |reply: &common::Reply| reply.status;

        // Checks that never touch the session work in every cell.
        let key = browser
            .send(get("/key").insert_header(("x-api-key", "k")))
            .await;
        let bearer = browser
            .send(get("/bearer").insert_header(("authorization", "Bearer t")))
            .await;
        let predicate = browser.send(get("/predicate")).await;
        for (reply, kind) in [(key, "api_key"), (bearer, "bearer"), (predicate, "check")] {
            assert_eq!(
                (reply.status, reply.body.as_str()),
                (StatusCode::OK, "ran"),
                "{cell}: {kind}"
            );
        }

        let fails_closed = |reply: &common::Reply, path: &str, fix: &str| {
            assert_eq!(
                status(reply),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{cell}: {path}"
            );
            assert!(
                logged(&format!("{prefix}{path}"), fix),
                "{cell}: {path} logs {fix:?}"
            );
        };
        let session_kinds = ["/session", "/quiet", "/csrf", "/named"];
        match (sessions, identities) {
            (true, _) => {
                let reply = browser.send(get("/session")).await;
                assert_eq!(
                    reply.location.as_deref(),
                    Some(format!("{prefix}/page").as_str()),
                    "{cell}"
                );
                assert_eq!(
                    browser.send(get("/quiet")).await.status,
                    StatusCode::FORBIDDEN,
                    "{cell}"
                );
                assert_eq!(
                    browser.send(get("/csrf")).await.status,
                    StatusCode::OK,
                    "{cell}"
                );
                assert_eq!(
                    browser.send(get("/named")).await.status,
                    StatusCode::FORBIDDEN,
                    "{cell}"
                );
            }
            (false, false) => {
                for path in session_kinds {
                    fails_closed(&browser.send(get(path)).await, path, "no SessionMiddleware");
                }
            }
            (false, true) => {
                // Before any write, nothing tells actix-identity's stand-in session from a real
                // one: a read-only check denies, as nothing can be stored for it to pass.
                assert_eq!(
                    browser.send(get("/quiet")).await.status,
                    StatusCode::FORBIDDEN,
                    "{cell}"
                );
                // The first write (a flash) is lost, and logged as such...
                let reply = browser.send(get("/session")).await;
                assert_eq!(reply.status, StatusCode::FOUND, "{cell}");
                assert!(
                    logged(
                        &format!("GET {prefix}/session"),
                        "no SessionMiddleware saved it"
                    ),
                    "{cell}"
                );
                // ... and from then on the app fails closed.
                for path in session_kinds {
                    fails_closed(&browser.send(get(path)).await, path, "no SessionMiddleware");
                }
            }
        }

        let login = browser.send(get("/login")).await;
        let log_in = browser
            .send(test::TestRequest::post().uri(&format!("{prefix}/log-in")))
            .await;
        match (sessions, identities) {
            (true, true) => {
                assert_eq!(login.status, StatusCode::FOUND, "{cell}");
                assert_eq!(log_in.status, StatusCode::NO_CONTENT, "{cell}");
                let reply = browser.send(get("/login")).await;
                assert_eq!(
                    (reply.status, reply.body.as_str()),
                    (StatusCode::OK, "ran"),
                    "{cell}: logged in"
                );
            }
            (true, false) => {
                fails_closed(&login, "/login", "no IdentityMiddleware");
                fails_closed(&log_in, "/log-in", "no IdentityMiddleware");
            }
            (false, _) => {
                fails_closed(&login, "/login", "no SessionMiddleware");
                fails_closed(&log_in, "/log-in", "no SessionMiddleware");
            }
        }
    }

    #[actix_web::test]
    async fn both_middleware_in_either_order_work_at_app_and_scope_level() {
        common::record_logs();
        let _app0 = cell!(both_sessions_first_app, app, [IdentityMiddleware::default(), common::sessions().await], sessions: true, identities: true);
        let _app1 = cell!(both_identities_first_app, app, [common::sessions().await, IdentityMiddleware::default()], sessions: true, identities: true);
        let _app2 = cell!(both_sessions_first_scope, scope, [IdentityMiddleware::default(), common::sessions().await], sessions: true, identities: true);
        let _app3 = cell!(both_identities_first_scope, scope, [common::sessions().await, IdentityMiddleware::default()], sessions: true, identities: true);
    }

    #[actix_web::test]
    async fn sessions_without_identities_fail_closed_for_logins() {
        common::record_logs();
        let _app4 = cell!(sessions_only_app, app, [common::sessions().await], sessions: true, identities: false);
        let _app5 = cell!(sessions_only_scope, scope, [common::sessions().await], sessions: true, identities: false);
    }

    #[actix_web::test]
    async fn neither_middleware_fails_closed() {
        common::record_logs();
        let _app6 = cell!(neither_app, app, [], sessions: false, identities: false);
        let _app7 = cell!(neither_scope, scope, [], sessions: false, identities: false);
    }

    #[actix_web::test]
    async fn identities_without_sessions_fail_closed_once_a_write_is_seen_lost() {
        common::record_logs();
        let _app8 = cell!(identities_only_app, app, [IdentityMiddleware::default()], sessions: false, identities: true);
        let _app9 = cell!(identities_only_scope, scope, [IdentityMiddleware::default()], sessions: false, identities: true);
    }
}
