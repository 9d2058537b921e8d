//! Per-request cost through the whole actix stack with cookie sessions: the same handler with no
//! check, with the check written by hand, with the equivalent `#[checkpoint]`, and with
//! actix-web-grants' `#[protect]`, for a bool value, a list of strings and a stack of three; and
//! the same bool check as middleware around the app (`.wrap(CHECKPOINT)`), against a
//! hand-written `from_fn` middleware; and `#[include_csrf]` on a small multipart form, against
//! the same handler unchecked; and handlers with arguments (`Path`, `Json`, `Data` and `Session`,
//! `CurrentUser`), unchecked, checked by hand and checkpointed (`shapes`).
//!
//! Every variant is its own app with one route, behind the same `SessionMiddleware`, called with
//! the same session cookie (all checks pass), so the variants differ only in the check.
//!
//! `cargo bench --bench full_stack` times them with divan. With `CHECKPOINT_CALLGRIND=GROUP` the
//! binary instead drives the variants of one group for `bench/callgrind.sh` to count
//! instructions (see [`count_group`]).

use std::collections::HashSet;

use actix_session::{storage::CookieSessionStore, Session, SessionExt, SessionMiddleware};
use actix_web::{
    body::MessageBody,
    cookie::{Cookie, Key},
    dev::{Service, ServiceRequest, ServiceResponse},
    middleware::{from_fn, Next},
    rt::{System, SystemRunner},
    test, web, App, HttpResponse,
};
use actix_web_grants::{protect, GrantsMiddleware};
use checkpoint_runtime::{
    checkpoint, include_csrf, login_not_required, login_user, AllowedValue, IdentityMiddleware,
    Login, LoginRequired, RememberMe, SessionCheckpoint, Unmatched,
};

fn main() {
    if let Ok(rounds) = std::env::var("CHECKPOINT_PAIRED") {
        let rounds = rounds.parse().expect("CHECKPOINT_PAIRED=ROUNDS");
        return paired_ratios(rounds);
    }
    match std::env::var("CHECKPOINT_CALLGRIND") {
        Ok(group) => count_group(&group),
        Err(_) => divan::main(),
    }
}

/// The paired wall-clock mode (`CHECKPOINT_PAIRED=ROUNDS`, `GROUP=<group>` for one group): in each round, every variant of a
/// group serves a batch of 100 requests, in an order that rotates from round to round, and each
/// variant's time is divided by the no-check and hand-written times of the same round
/// (`TWIN=<variant>` divides by that variant's instead of the group's second, as the
/// `login_default` group's `e_hand_written_user` is the twin of its last three). Printed:
/// the median ratios over the rounds. Pairing within a round cancels the machine's drift, which
/// shifts separate divan runs by several percent.
fn paired_ratios(rounds: usize) {
    const BATCH: usize = 100;
    println!("paired wall clock: median over {rounds} rounds of per-round ratios ({BATCH} requests per variant per round)");
    let only = std::env::var("GROUP").ok();
    let twin = std::env::var("TWIN").ok();
    if twin.is_some() && only.is_none() {
        eprintln!("TWIN names a variant of one group: give GROUP too");
        std::process::exit(2);
    }
    println!(
        "{:<32} {:>10} {:>10} {:>10}",
        "variant",
        "ns/req",
        "/no_check",
        format!("/{}", twin.as_deref().unwrap_or("hand"))
    );
    for (group, variants, request, seed) in GROUPS {
        if only.as_deref().is_some_and(|only| only != *group) {
            continue;
        }
        let twin = match twin.as_deref() {
            None => 1,
            Some(twin) => match variants.iter().position(|(name, _)| *name == twin) {
                Some(index) => index,
                None => {
                    eprintln!("TWIN={twin}: no such variant in {group}");
                    std::process::exit(2);
                }
            },
        };
        let (system, cookie, runners) = build_group(variants, *request, *seed);
        let mut times = vec![Vec::with_capacity(rounds); runners.len()];
        for round in 0..rounds {
            for offset in 0..runners.len() {
                let variant = (round + offset) % runners.len();
                let requests = (0..BATCH).map(|_| request(&cookie)).collect();
                let start = std::time::Instant::now();
                runners[variant](&system, requests);
                times[variant].push(start.elapsed().as_nanos() as f64 / BATCH as f64);
            }
        }
        let median = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        for (variant, (name, _)) in variants.iter().enumerate() {
            let ratio = |base: usize| {
                median(
                    (0..rounds)
                        .map(|round| times[variant][round] / times[base][round])
                        .collect(),
                )
            };
            println!(
                "{:<32} {:>10.0} {:>10.4} {:>10.4}",
                format!("{group}::{name}"),
                median(times[variant].clone()),
                ratio(0),
                ratio(twin)
            );
        }
    }
}

/// The callgrind mode: builds every variant of `group` in one process (so all share the cookie,
/// the allocator's state and the hash seeds), then sends `CHECKPOINT_CALLGRIND_REQUESTS`
/// requests to each in turn, `CHECKPOINT_CALLGRIND_ROUNDS` times. `bench/callgrind.sh` counts
/// each call of `measured_requests` separately. `list` prints the groups and their variants.
fn count_group(group: &str) {
    let setting = |name, default| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    if group == "list" {
        for (group, variants, _, _) in GROUPS {
            println!(
                "{group} {}",
                variants
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        return;
    }
    let (_, variants, request, seed) = GROUPS
        .iter()
        .find(|(known, _, _, _)| *known == group)
        .unwrap_or_else(|| panic!("no group {group:?}; try CHECKPOINT_CALLGRIND=list"));
    let (requests, rounds) = (
        setting("CHECKPOINT_CALLGRIND_REQUESTS", 1000),
        setting("CHECKPOINT_CALLGRIND_ROUNDS", 5),
    );
    let (system, cookie, runners) = build_group(variants, *request, *seed);
    for _ in 0..rounds {
        for run in &runners {
            run(&system, (0..requests).map(|_| request(&cookie)).collect());
        }
    }
}

/// Every variant of a group, built in one process (so all share the cookie, the allocator's
/// state and the hash seeds), with the system that runs them and the session cookie (of a
/// logged-in identity too when `login`).
fn build_group(
    variants: &[Variant],
    request: MakeRequest,
    seed: Seed,
) -> (SystemRunner, Cookie<'static>, Vec<Runner>) {
    let system = System::new();
    let cookie = session_cookie(&system, seed);
    let runners = variants
        .iter()
        .map(|(_, build)| build(&system, &cookie, request))
        .collect();
    (system, cookie, runners)
}

/// What a group's requests carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seed {
    /// A session cookie under which every check of this file passes.
    Session,
    /// The same session, with a logged-in identity (`login_user`).
    Login,
    /// A remember cookie alone (`Login::remember`), no session: each request restores the login.
    Remembered,
}

/// What the requests of a group carry unless its module says otherwise.
const SEED: Seed = Seed::Session;

/// Builds a group's request, carrying the session cookie.
type MakeRequest = fn(&Cookie<'static>) -> actix_http::Request;

/// Sends the requests it is given to one variant's app.
type Runner = Box<dyn Fn(&SystemRunner, Vec<actix_http::Request>)>;

fn session_key() -> Key {
    Key::from(&[7; 64])
}

fn remember_key() -> Key {
    Key::from(&[8; 64])
}

fn cookie_sessions() -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), session_key())
        .cookie_secure(false)
        .build()
}

/// The cookie a group's requests carry (see [`Seed`]).
fn session_cookie(system: &SystemRunner, seed: Seed) -> Cookie<'static> {
    async fn log_in(session: Session) -> HttpResponse {
        let stored = session
            .insert("logged_in", true)
            .and(session.insert("user_type", "editor"))
            .and(session.insert("plan", "team"))
            .and(session.insert("csrf", CSRF_TOKEN));
        match stored {
            Ok(()) => HttpResponse::NoContent().finish(),
            Err(_) => HttpResponse::InternalServerError().finish(),
        }
    }
    async fn log_in_identity(req: actix_web::HttpRequest, session: Session) -> HttpResponse {
        if login_user(&req, "ada", true).is_err() {
            return HttpResponse::InternalServerError().finish();
        }
        log_in(session).await
    }
    async fn remembered(req: actix_web::HttpRequest) -> HttpResponse {
        match Login::new("ada").remember(true).login(&req).await {
            Ok(true) => HttpResponse::NoContent().finish(),
            _ => HttpResponse::InternalServerError().finish(),
        }
    }
    system.block_on(async {
        let app = test::init_service(
            App::new()
                .wrap(IdentityMiddleware::default())
                .wrap(cookie_sessions())
                .wrap(RememberMe::new(remember_key()))
                .route(
                    "/login",
                    match seed {
                        Seed::Session => web::post().to(log_in),
                        Seed::Login => web::post().to(log_in_identity),
                        Seed::Remembered => web::post().to(remembered),
                    },
                ),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
        let wanted = match seed {
            Seed::Remembered => checkpoint_runtime::DEFAULT_REMEMBER_COOKIE_NAME,
            Seed::Session | Seed::Login => "id",
        };
        let cookie = response
            .response()
            .cookies()
            .find(|cookie| cookie.name() == wanted)
            .expect("the cookie")
            .into_owned();
        cookie
    })
}

fn request(cookie: &Cookie<'static>) -> actix_http::Request {
    test::TestRequest::get()
        .uri("/")
        .cookie(cookie.clone())
        .to_request()
}

/// The session cookie's request, with the API key `k3y` in `x-api-key`.
fn key_request(cookie: &Cookie<'static>) -> actix_http::Request {
    test::TestRequest::get()
        .uri("/")
        .cookie(cookie.clone())
        .insert_header(("x-api-key", "k3y"))
        .to_request()
}

/// The session's CSRF token, as `#[include_csrf]` would have made it.
const CSRF_TOKEN: &str = "5f1e0c9a7b3d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f";

/// A small multipart form: the token and two fields, as a browser sends them.
fn form_request(cookie: &Cookie<'static>) -> actix_http::Request {
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nA short note.\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{CSRF_TOKEN}\r\n\
         --XyZ--\r\n"
    );
    test::TestRequest::post()
        .uri("/")
        .cookie(cookie.clone())
        .insert_header(("content-type", "multipart/form-data; boundary=XyZ"))
        .set_payload(body)
        .to_request()
}

fn forbidden() -> HttpResponse {
    HttpResponse::Forbidden().finish()
}

fn page() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

async fn no_check() -> HttpResponse {
    page()
}

// A bool value: `logged_in` must be `true`.

async fn bool_hand_written(session: Session) -> HttpResponse {
    if !matches!(session.get::<bool>("logged_in"), Ok(Some(true))) {
        return forbidden();
    }
    page()
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn bool_checkpoint() -> HttpResponse {
    page()
}

async fn bool_grants_extract(req: &ServiceRequest) -> Result<HashSet<String>, actix_web::Error> {
    let mut grants = HashSet::new();
    if matches!(req.get_session().get::<bool>("logged_in"), Ok(Some(true))) {
        grants.insert("LOGGED_IN".to_owned());
    }
    Ok(grants)
}

#[protect("LOGGED_IN")]
async fn bool_grants() -> HttpResponse {
    page()
}

/// The floor under any check that reads actix-session in the handler: the `Session` extractor
/// and a borrow of its entries, no key looked up.
async fn session_floor(session: Session) -> HttpResponse {
    std::hint::black_box(session.entries().len());
    page()
}

// The bool check as middleware around the app.

const LOGGED_IN: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]);

/// The middleware written by hand: the session's `logged_in` must be `true`.
async fn hand_written_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !matches!(req.get_session().get::<bool>("logged_in"), Ok(Some(true))) {
        return Ok(req.into_response(forbidden()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

// A list of strings: `user_type` must be "admin" or "editor".

fn is_editor_or_admin(session: &Session) -> bool {
    matches!(session.get::<String>("user_type"),
             Ok(Some(role)) if ["admin", "editor"].contains(&role.as_str()))
}

async fn list_hand_written(session: Session) -> HttpResponse {
    if !is_editor_or_admin(&session) {
        return forbidden();
    }
    page()
}

#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
async fn list_checkpoint() -> HttpResponse {
    page()
}

async fn list_grants_extract(req: &ServiceRequest) -> Result<HashSet<String>, actix_web::Error> {
    let mut grants = HashSet::new();
    if let Ok(Some(role)) = req.get_session().get::<String>("user_type") {
        grants.insert(role);
    }
    Ok(grants)
}

#[protect(any("admin", "editor"))]
async fn list_grants() -> HttpResponse {
    page()
}

// A stack of three: logged in, an admin or editor, on the "pro" or "team" plan.

/// The three checks written by hand, one after the other.
fn stack_holds(session: &Session) -> bool {
    matches!(session.get::<bool>("logged_in"), Ok(Some(true)))
        && is_editor_or_admin(session)
        && matches!(session.get::<String>("plan"),
                    Ok(Some(plan)) if ["pro", "team"].contains(&plan.as_str()))
}

async fn stack_hand_written(session: Session) -> HttpResponse {
    if !stack_holds(&session) {
        return forbidden();
    }
    page()
}

#[checkpoint(session_key = "logged_in", values = true)]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
#[checkpoint(session_key = "plan", values = ["pro", "team"])]
async fn stack_checkpoint() -> HttpResponse {
    page()
}

async fn stack_grants_extract(req: &ServiceRequest) -> Result<HashSet<String>, actix_web::Error> {
    let session = req.get_session();
    let mut grants = HashSet::new();
    if matches!(session.get::<bool>("logged_in"), Ok(Some(true))) {
        grants.insert("LOGGED_IN".to_owned());
    }
    if let Ok(Some(role)) = session.get::<String>("user_type") {
        grants.insert(format!("ROLE_{role}"));
    }
    if let Ok(Some(plan)) = session.get::<String>("plan") {
        grants.insert(format!("PLAN_{plan}"));
    }
    Ok(grants)
}

#[protect(all(
    "LOGGED_IN",
    any("ROLE_admin", "ROLE_editor"),
    any("PLAN_pro", "PLAN_team")
))]
async fn stack_grants() -> HttpResponse {
    page()
}

// A combination: logged in, and an admin or on the "team" plan (the user is an editor on the
// "team" plan, so all three checks run).

async fn combined_hand_written(session: Session) -> HttpResponse {
    let logged_in = matches!(session.get::<bool>("logged_in"), Ok(Some(true)));
    let admin = || matches!(session.get::<String>("user_type"), Ok(Some(role)) if role == "admin");
    let team = || matches!(session.get::<String>("plan"), Ok(Some(plan)) if plan == "team");
    if !(logged_in && (admin() || team())) {
        return forbidden();
    }
    page()
}

#[checkpoint(all(
    (session_key = "logged_in", values = true),
    any((session_key = "user_type", values = "admin"), (session_key = "plan", values = "team")),
))]
async fn combined_checkpoint() -> HttpResponse {
    page()
}

// The same with an API key in place of the admin role (not sent, so the plan decides): a
// combination of a session check and a request check, which runs as a future.

async fn mixed_hand_written(req: actix_web::HttpRequest, session: Session) -> HttpResponse {
    let logged_in = matches!(session.get::<bool>("logged_in"), Ok(Some(true)));
    let key = || {
        req.headers()
            .get("x-api-key")
            .is_some_and(|key| key.as_bytes() == b"k3y")
    };
    let team = || matches!(session.get::<String>("plan"), Ok(Some(plan)) if plan == "team");
    if !(logged_in && (key() || team())) {
        return forbidden();
    }
    page()
}

#[checkpoint(all(
    (session_key = "logged_in", values = true),
    any((api_key = "k3y"), (session_key = "plan", values = "team")),
))]
async fn mixed_checkpoint() -> HttpResponse {
    page()
}

// An API key in the `x-api-key` header, alone: the path every check that is not a session
// check takes (a future), for comparison with the mixed combination.

async fn api_key_hand_written(req: actix_web::HttpRequest) -> HttpResponse {
    let key = req.headers().get("x-api-key");
    if key.is_none_or(|key| key.as_bytes() != b"k3y") {
        return forbidden();
    }
    page()
}

#[checkpoint(api_key = "k3y")]
async fn api_key_checkpoint() -> HttpResponse {
    page()
}

#[protect(all("LOGGED_IN", any("ROLE_admin", "PLAN_team")))]
async fn combined_grants() -> HttpResponse {
    page()
}

/// Sends `requests` (built beforehand) to `app`: the only function `bench/callgrind.sh` counts.
#[inline(never)]
fn measured_requests<S, B>(system: &SystemRunner, app: &S, requests: Vec<actix_http::Request>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    for request in requests {
        let response = system.block_on(test::call_service(app, request));
        assert!(response.status().is_success());
    }
}

/// One scenario: a divan benchmark named `$bench` and a callgrind entry `$count`.
macro_rules! scenario {
    ($bench:ident, $count:ident, $app:expr) => {
        #[divan::bench(sample_count = 3000, sample_size = 4)]
        fn $bench(bencher: divan::Bencher) {
            let system = System::new();
            let app = system.block_on(test::init_service($app));
            let cookie = session_cookie(&system, SEED);
            // The first request to a checkpointed handler probes for the session middleware.
            let warm_up = system.block_on(test::call_service(&app, REQUEST(&cookie)));
            assert!(warm_up.status().is_success(), "{}", warm_up.status());
            bencher
                .with_inputs(|| REQUEST(&cookie))
                .bench_local_values(|request| {
                    system.block_on(test::call_service(&app, request)).status()
                });
        }

        pub(crate) fn $count(
            system: &SystemRunner,
            cookie: &Cookie<'static>,
            request: MakeRequest,
        ) -> Runner {
            let app = system.block_on(test::init_service($app));
            let warm_up = system.block_on(test::call_service(&app, request(cookie)));
            assert!(warm_up.status().is_success(), "{}", warm_up.status());
            Box::new(move |system, requests| measured_requests(system, &app, requests))
        }
    };
}

/// An app behind the cookie-session middleware.
macro_rules! app {
    () => {
        App::new().wrap(cookie_sessions())
    };
}

mod bool_value {
    use super::*;

    const REQUEST: MakeRequest = request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/", web::get().to(bool_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/", web::get().to(bool_checkpoint))
    );
    scenario!(
        d_grants_protect,
        grants_count,
        App::new()
            .wrap(GrantsMiddleware::with_extractor(bool_grants_extract))
            .wrap(cookie_sessions())
            .route("/", web::get().to(bool_grants))
    );
    scenario!(
        e_session_floor,
        session_floor_count,
        app!().route("/", web::get().to(session_floor))
    );
}

mod string_list {
    use super::*;

    const REQUEST: MakeRequest = request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/", web::get().to(list_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/", web::get().to(list_checkpoint))
    );
    scenario!(
        d_grants_protect,
        grants_count,
        App::new()
            .wrap(GrantsMiddleware::with_extractor(list_grants_extract))
            .wrap(cookie_sessions())
            .route("/", web::get().to(list_grants))
    );
}

mod three_stacked {
    use super::*;

    const REQUEST: MakeRequest = request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/", web::get().to(stack_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/", web::get().to(stack_checkpoint))
    );
    scenario!(
        d_grants_protect,
        grants_count,
        App::new()
            .wrap(GrantsMiddleware::with_extractor(stack_grants_extract))
            .wrap(cookie_sessions())
            .route("/", web::get().to(stack_grants))
    );
}

mod middleware {
    use super::*;

    const REQUEST: MakeRequest = request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        App::new()
            .wrap(from_fn(hand_written_middleware))
            .wrap(cookie_sessions())
            .route("/", web::get().to(no_check))
    );
    // The default: a URL no route matches is answered 404 unchecked, which costs a look-up in
    // the app's resource map on every request.
    scenario!(
        c_checkpoint,
        checkpoint_count,
        App::new()
            .wrap(LOGGED_IN)
            .wrap(cookie_sessions())
            .route("/", web::get().to(no_check))
    );
    scenario!(
        d_checkpoint_unmatched_checked,
        unmatched_checked_count,
        App::new()
            .wrap(LOGGED_IN.unmatched(Unmatched::Check))
            .wrap(cookie_sessions())
            .route("/", web::get().to(no_check))
    );
}

mod combined {
    use super::*;

    const REQUEST: MakeRequest = request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/", web::get().to(combined_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/", web::get().to(combined_checkpoint))
    );
    scenario!(
        d_grants_protect,
        grants_count,
        App::new()
            .wrap(GrantsMiddleware::with_extractor(stack_grants_extract))
            .wrap(cookie_sessions())
            .route("/", web::get().to(combined_grants))
    );
    scenario!(
        e_hand_written_mixed,
        hand_written_mixed_count,
        app!().route("/", web::get().to(mixed_hand_written))
    );
    scenario!(
        f_checkpoint_mixed,
        checkpoint_mixed_count,
        app!().route("/", web::get().to(mixed_checkpoint))
    );
}

mod api_key {
    use super::*;

    const REQUEST: MakeRequest = key_request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/", web::get().to(api_key_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/", web::get().to(api_key_checkpoint))
    );
}

// Login required by default: `LoginRequired` around the app, a logged-in identity.

/// Requires an identity, as `LoginRequired` does (without its answers).
async fn identity_required_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_identity::IdentityExt;
    if req.get_identity().is_err() {
        return Ok(req.into_response(forbidden()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[login_not_required]
#[actix_web::get("/")]
async fn public_page() -> HttpResponse {
    page()
}

/// The user of the login group.
struct User {
    name: String,
}

/// The in-memory user store both user variants load from.
fn find_user(id: &str) -> Option<User> {
    (id == "ada").then(|| User {
        name: id.to_owned(),
    })
}

/// The login check and user load written by hand: the identity, then the user, once.
async fn user_hand_written(identity: Option<actix_identity::Identity>) -> HttpResponse {
    let Some(user) = identity
        .and_then(|identity| identity.id().ok())
        .and_then(|id| find_user(&id))
    else {
        return HttpResponse::Unauthorized().finish();
    };
    HttpResponse::Ok().body(user.name)
}

#[checkpoint_runtime::login_required]
async fn user_login_required(user: checkpoint_runtime::CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().body(user.into_inner().name)
}

/// The manager with the user loader, as `LoginManager::user_loader` has every check verify.
fn manager_with_loader() -> checkpoint_runtime::LoginManager {
    checkpoint_runtime::LoginManager::new().user_loader(async |id: &str| find_user(id))
}

/// An app behind the cookie-session, identity and remember-me middleware.
macro_rules! remembering_app {
    () => {
        App::new()
            .wrap(RememberMe::new(remember_key()))
            .wrap(IdentityMiddleware::default())
            .wrap(cookie_sessions())
    };
}

/// An app behind the cookie-session and identity middleware.
macro_rules! login_app {
    () => {
        App::new()
            .wrap(IdentityMiddleware::default())
            .wrap(cookie_sessions())
    };
}

mod login_default {
    use super::*;

    const REQUEST: MakeRequest = request;
    const SEED: Seed = Seed::Login;

    scenario!(
        a_no_check,
        no_check_count,
        login_app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        App::new()
            .wrap(from_fn(identity_required_middleware))
            .wrap(IdentityMiddleware::default())
            .wrap(cookie_sessions())
            .route("/", web::get().to(no_check))
    );
    scenario!(
        c_login_required,
        login_required_count,
        App::new()
            .wrap(LoginRequired::LOGGED_IN)
            .wrap(IdentityMiddleware::default())
            .wrap(cookie_sessions())
            .route("/", web::get().to(no_check))
    );
    scenario!(
        d_login_required_public_route,
        public_route_count,
        App::new()
            .wrap(LoginRequired::LOGGED_IN)
            .wrap(IdentityMiddleware::default())
            .wrap(cookie_sessions())
            .service(public_page)
    );
    scenario!(
        e_hand_written_user,
        hand_written_user_count,
        login_app!().route("/", web::get().to(user_hand_written))
    );
    scenario!(
        f_login_required_current_user,
        login_required_user_count,
        login_app!()
            .app_data(manager_with_loader())
            .route("/", web::get().to(user_login_required))
    );
    scenario!(
        g_current_user_unprotected,
        unprotected_user_count,
        login_app!()
            .app_data(manager_with_loader().no_session_protection())
            .route("/", web::get().to(user_login_required))
    );
    scenario!(
        h_current_user_remember_me,
        remember_me_user_count,
        remembering_app!()
            .app_data(manager_with_loader())
            .route("/", web::get().to(user_login_required))
    );
}

/// The login check alone, no user loader: `#[login_required]` on a handler without arguments
/// against `Option<Identity>` checked in the handler.
async fn identity_hand_written(identity: Option<actix_identity::Identity>) -> HttpResponse {
    match identity {
        Some(_) => page(),
        None => HttpResponse::Unauthorized().finish(),
    }
}

#[checkpoint_runtime::login_required]
async fn identity_login_required() -> HttpResponse {
    page()
}

mod login_alone {
    use super::*;

    const REQUEST: MakeRequest = request;
    const SEED: Seed = Seed::Login;

    scenario!(
        a_no_check,
        no_check_count,
        login_app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        login_app!().route("/", web::get().to(identity_hand_written))
    );
    scenario!(
        c_login_required,
        login_required_count,
        login_app!().route("/", web::get().to(identity_login_required))
    );
    scenario!(
        d_login_required_unprotected,
        unprotected_count,
        login_app!()
            .app_data(checkpoint_runtime::LoginManager::new().no_session_protection())
            .route("/", web::get().to(identity_login_required))
    );
}

/// Requests carrying a remember cookie and no session: each restores the login into a new
/// session (what happens once per browser session).
mod remember_restore {
    use super::*;

    const REQUEST: MakeRequest = request;
    const SEED: Seed = Seed::Remembered;

    scenario!(
        a_no_check,
        no_check_count,
        remembering_app!().route("/", web::get().to(no_check))
    );
    scenario!(
        b_restore_current_user,
        restore_count,
        remembering_app!()
            .app_data(manager_with_loader())
            .route("/", web::get().to(user_login_required))
    );
}

// `#[include_csrf]` on a small multipart form.

async fn form_unchecked(body: web::Bytes) -> HttpResponse {
    std::hint::black_box(body.len());
    page()
}

#[include_csrf]
async fn form_checked(body: web::Bytes) -> HttpResponse {
    std::hint::black_box(body.len());
    page()
}

mod csrf_form {
    use super::*;

    const REQUEST: MakeRequest = form_request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/", web::post().to(form_unchecked))
    );
    // The second variant is the checkpoint itself: its `/hand` ratio is 1 by construction.
    scenario!(
        b_include_csrf,
        include_csrf_count,
        app!().route("/", web::post().to(form_checked))
    );
}

// Handlers with arguments.
#[path = "full_stack/shapes.rs"]
mod shapes;

type Variant = (
    &'static str,
    fn(&SystemRunner, &Cookie<'static>, MakeRequest) -> Runner,
);

/// Each group: its name, its variants, its request, and whether its session holds a logged-in
/// identity.
const GROUPS: &[(&str, &[Variant], MakeRequest, Seed)] = &[
    (
        "bool_value",
        &[
            ("a_no_check", bool_value::no_check_count),
            ("b_hand_written", bool_value::hand_written_count),
            ("c_checkpoint", bool_value::checkpoint_count),
            ("d_grants_protect", bool_value::grants_count),
            ("e_session_floor", bool_value::session_floor_count),
        ],
        request,
        Seed::Session,
    ),
    (
        "string_list",
        &[
            ("a_no_check", string_list::no_check_count),
            ("b_hand_written", string_list::hand_written_count),
            ("c_checkpoint", string_list::checkpoint_count),
            ("d_grants_protect", string_list::grants_count),
        ],
        request,
        Seed::Session,
    ),
    (
        "three_stacked",
        &[
            ("a_no_check", three_stacked::no_check_count),
            ("b_hand_written", three_stacked::hand_written_count),
            ("c_checkpoint", three_stacked::checkpoint_count),
            ("d_grants_protect", three_stacked::grants_count),
        ],
        request,
        Seed::Session,
    ),
    (
        "middleware",
        &[
            ("a_no_check", middleware::no_check_count),
            ("b_hand_written", middleware::hand_written_count),
            ("c_checkpoint", middleware::checkpoint_count),
            (
                "d_checkpoint_unmatched_checked",
                middleware::unmatched_checked_count,
            ),
        ],
        request,
        Seed::Session,
    ),
    (
        "combined",
        &[
            ("a_no_check", combined::no_check_count),
            ("b_hand_written", combined::hand_written_count),
            ("c_checkpoint", combined::checkpoint_count),
            ("d_grants_protect", combined::grants_count),
            ("e_hand_written_mixed", combined::hand_written_mixed_count),
            ("f_checkpoint_mixed", combined::checkpoint_mixed_count),
        ],
        request,
        Seed::Session,
    ),
    (
        "api_key",
        &[
            ("a_no_check", api_key::no_check_count),
            ("b_hand_written", api_key::hand_written_count),
            ("c_checkpoint", api_key::checkpoint_count),
        ],
        key_request,
        Seed::Session,
    ),
    (
        "login_default",
        &[
            ("a_no_check", login_default::no_check_count),
            ("b_hand_written", login_default::hand_written_count),
            ("c_login_required", login_default::login_required_count),
            (
                "d_login_required_public_route",
                login_default::public_route_count,
            ),
            (
                "e_hand_written_user",
                login_default::hand_written_user_count,
            ),
            (
                "f_login_required_current_user",
                login_default::login_required_user_count,
            ),
            (
                "g_current_user_unprotected",
                login_default::unprotected_user_count,
            ),
            (
                "h_current_user_remember_me",
                login_default::remember_me_user_count,
            ),
        ],
        request,
        Seed::Login,
    ),
    (
        "login_alone",
        &[
            ("a_no_check", login_alone::no_check_count),
            ("b_hand_written", login_alone::hand_written_count),
            ("c_login_required", login_alone::login_required_count),
            (
                "d_login_required_unprotected",
                login_alone::unprotected_count,
            ),
        ],
        request,
        Seed::Login,
    ),
    (
        "remember_restore",
        &[
            ("a_no_check", remember_restore::no_check_count),
            ("b_restore_current_user", remember_restore::restore_count),
        ],
        request,
        Seed::Remembered,
    ),
    (
        "csrf_form",
        &[
            ("a_no_check", csrf_form::no_check_count),
            ("b_include_csrf", csrf_form::include_csrf_count),
        ],
        form_request,
        Seed::Session,
    ),
    (
        "shape_path",
        &[
            ("a_no_check", shapes::path::no_check_count),
            ("b_hand_written", shapes::path::hand_written_count),
            ("c_checkpoint", shapes::path::checkpoint_count),
        ],
        shapes::item_request,
        Seed::Session,
    ),
    (
        "shape_path_json",
        &[
            ("a_no_check", shapes::path_json::no_check_count),
            ("b_hand_written", shapes::path_json::hand_written_count),
            ("c_checkpoint", shapes::path_json::checkpoint_count),
        ],
        shapes::note_request,
        Seed::Session,
    ),
    (
        "shape_data_session",
        &[
            ("a_no_check", shapes::data_session::no_check_count),
            ("b_hand_written", shapes::data_session::hand_written_count),
            ("c_checkpoint", shapes::data_session::checkpoint_count),
        ],
        request,
        Seed::Session,
    ),
    (
        "shape_stacked_path",
        &[
            ("a_no_check", shapes::stacked_path::no_check_count),
            ("b_hand_written", shapes::stacked_path::hand_written_count),
            ("c_checkpoint", shapes::stacked_path::checkpoint_count),
        ],
        shapes::item_request,
        Seed::Session,
    ),
    (
        "shape_login_path",
        &[
            ("a_no_check", shapes::login_path::no_check_count),
            ("b_hand_written", shapes::login_path::hand_written_count),
            ("c_login_required", shapes::login_path::login_required_count),
            (
                "d_login_required_unprotected",
                shapes::login_path::unprotected_count,
            ),
        ],
        shapes::item_request,
        Seed::Login,
    ),
];
