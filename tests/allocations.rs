//! A passing checkpoint adds no heap allocation to a request: counted with a counting global
//! allocator (this test binary's own), through the whole actix stack with cookie sessions.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
};

use actix_session::{storage::CookieSessionStore, Session, SessionMiddleware};
use actix_web::{
    body::MessageBody,
    cookie::{Cookie, Key},
    dev::{Service, ServiceResponse},
    test, web, App, HttpResponse,
};
use checkpoint_runtime::checkpoint;

/// Counts the allocations made on the current thread, so tests running in parallel on other
/// threads do not disturb a count.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// thread-local `Cell` with a const initialiser, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// The cookie sessions every app of this file runs behind.
fn cookie_sessions() -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::new(CookieSessionStore::default(), Key::from(&[3; 64]))
}

fn page() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

async fn no_check() -> HttpResponse {
    page()
}

async fn hand_written_bool(session: Session) -> HttpResponse {
    if !matches!(session.get::<bool>("logged_in"), Ok(Some(true))) {
        return HttpResponse::Forbidden().finish();
    }
    page()
}

async fn hand_written_list(session: Session) -> HttpResponse {
    if !matches!(session.get::<String>("user_type"),
                 Ok(Some(role)) if ["admin", "editor"].contains(&role.as_str()))
    {
        return HttpResponse::Forbidden().finish();
    }
    page()
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn checkpoint_bool() -> HttpResponse {
    page()
}

#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
async fn checkpoint_list() -> HttpResponse {
    page()
}

#[checkpoint(session_key = "logged_in", values = true)]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
#[checkpoint(session_key = "roles", values = ["reviewer", "author"])]
async fn checkpoint_stack() -> HttpResponse {
    page()
}

#[checkpoint(all(
    (session_key = "logged_in", values = true),
    any((session_key = "user_type", values = "admin"), (session_key = "roles", values = "author")),
))]
async fn checkpoint_combined() -> HttpResponse {
    page()
}

/// A combination with a request check: run as a future.
#[checkpoint(any((api_key = "k3y"), (session_key = "user_type", values = "editor")))]
async fn checkpoint_combined_mixed() -> HttpResponse {
    page()
}

async fn log_in(session: Session) -> HttpResponse {
    session.insert("logged_in", true).unwrap();
    session.insert("user_type", "editor").unwrap();
    session.insert("roles", ["guest", "author"]).unwrap();
    HttpResponse::NoContent().finish()
}

/// Allocations made while one `GET /` request, carrying `cookie`, goes through `app` (see
/// [`allocations_per`]).
async fn allocations_per_request<S, B>(app: &S, cookie: &Cookie<'static>) -> usize
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    allocations_per(app, || {
        test::TestRequest::get().uri("/").cookie(cookie.clone())
    })
    .await
}

/// Allocations made while one request built by `request` goes through `app` (the request is
/// built before counting starts, and the response dropped before it ends), after two warm-up
/// requests: the first request to a checkpointed handler probes for the session middleware.
async fn allocations_per<S, B>(app: &S, request: impl Fn() -> test::TestRequest) -> usize
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for _ in 0..2 {
        let response = test::call_service(app, request().to_request()).await;
        assert!(response.status().is_success(), "{}", response.status());
    }
    let request = request().to_request();
    let before = allocations();
    let response = test::call_service(app, request).await;
    let status = response.status();
    drop(response);
    let count = allocations() - before;
    assert!(status.is_success(), "{status}");
    count
}

macro_rules! count {
    ($cookie:expr, $handler:expr) => {{
        let app = test::init_service(
            App::new()
                .wrap(cookie_sessions())
                .route("/login", web::post().to(log_in))
                .route("/", web::get().to($handler)),
        )
        .await;
        allocations_per_request(&app, $cookie).await
    }};
}

#[actix_web::test]
async fn a_passing_checkpoint_allocates_nothing_beyond_the_bare_handler() {
    let app = test::init_service(
        App::new()
            .wrap(cookie_sessions())
            .route("/login", web::post().to(log_in)),
    )
    .await;
    let response =
        test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
    let cookie = response.response().cookies().next().unwrap().into_owned();
    let cookie = &cookie;

    let bare = count!(cookie, no_check);
    let hand_bool = count!(cookie, hand_written_bool);
    let hand_list = count!(cookie, hand_written_list);
    let bool_value = count!(cookie, checkpoint_bool);
    let list = count!(cookie, checkpoint_list);
    let stack = count!(cookie, checkpoint_stack);
    let combined = count!(cookie, checkpoint_combined);
    let mixed = count!(cookie, checkpoint_combined_mixed);
    eprintln!(
        "allocations per request: no check {bare}, hand-written bool {hand_bool}, hand-written \
         string {hand_list}, checkpoint bool {bool_value}, checkpoint list {list}, three \
         stacked checkpoints {stack}, a combination {combined}, a mixed combination {mixed}"
    );

    assert!(bare > 0, "the counting allocator counts");
    assert_eq!(bool_value, bare, "a bool checkpoint allocates");
    assert_eq!(list, bare, "a list checkpoint allocates");
    assert_eq!(
        stack, bare,
        "a stack of checkpoints (one on a stored list) allocates"
    );
    assert_eq!(combined, bare, "a combination of session checks allocates");
    assert_eq!(mixed, bare, "a combination with an API key allocates");
    // The hand-written string check decodes the value into a `String`.
    assert!(hand_list > bare, "{hand_list} <= {bare}");
}

#[derive(Clone)]
struct User {
    name: String,
}

/// The in-memory user store both login variants load from.
async fn find_user(id: &str) -> Option<User> {
    (id == "ada").then(|| User {
        name: id.to_owned(),
    })
}

/// The login check written by hand: the session identity, the user loaded, 401 otherwise.
async fn hand_written_login(identity: Option<actix_identity::Identity>) -> HttpResponse {
    let Some(id) = identity.and_then(|identity| identity.id().ok()) else {
        return HttpResponse::Unauthorized().finish();
    };
    match find_user(&id).await {
        Some(user) => HttpResponse::Ok().body(user.name),
        None => HttpResponse::Unauthorized().finish(),
    }
}

/// The login check alone, written by hand: a session identity or 401.
async fn hand_written_logged_in(identity: Option<actix_identity::Identity>) -> HttpResponse {
    match identity {
        Some(_) => HttpResponse::Ok().body("in"),
        None => HttpResponse::Unauthorized().finish(),
    }
}

#[checkpoint_runtime::login_required]
async fn login_required_alone() -> HttpResponse {
    HttpResponse::Ok().body("in")
}

#[checkpoint_runtime::login_required]
async fn login_required_user(user: checkpoint_runtime::CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().body(user.into_inner().name)
}

async fn log_in_ada(req: actix_web::HttpRequest) -> HttpResponse {
    checkpoint_runtime::login_user(&req, "ada", true).unwrap();
    HttpResponse::NoContent().finish()
}

macro_rules! count_login {
    ($cookie:expr, $manager:expr, $remember:expr, $handler:expr) => {{
        let app = test::init_service(
            App::new()
                .app_data($manager)
                .wrap(actix_web::middleware::Condition::new(
                    $remember,
                    checkpoint_runtime::RememberMe::new(Key::from(&[4; 64])),
                ))
                .wrap(checkpoint_runtime::IdentityMiddleware::default())
                .wrap(cookie_sessions())
                .route("/", web::get().to($handler)),
        )
        .await;
        allocations_per_request(&app, $cookie).await
    }};
}

#[actix_web::test]
async fn the_login_layer_allocates_what_the_check_written_by_hand_does() {
    use checkpoint_runtime::LoginManager;

    let app = test::init_service(
        App::new()
            .wrap(checkpoint_runtime::IdentityMiddleware::default())
            .wrap(cookie_sessions())
            .route("/login", web::post().to(log_in_ada)),
    )
    .await;
    let response =
        test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
    let cookie = response.response().cookies().next().unwrap().into_owned();
    let cookie = &cookie;
    let manager = || LoginManager::new().user_loader(find_user);

    // Without a user loader the check needs to know that the session has an identity, not
    // which: the id is not read (nor copied) then.
    let no_loader = LoginManager::new;
    let hand_alone = count_login!(cookie, no_loader(), false, hand_written_logged_in);
    let alone = count_login!(cookie, no_loader(), false, login_required_alone);
    let alone_unprotected = count_login!(
        cookie,
        no_loader().no_session_protection(),
        false,
        login_required_alone
    );
    eprintln!(
        "allocations per request: hand-written identity check {hand_alone}, #[login_required] \
         without a user loader {alone} (without session protection {alone_unprotected})"
    );
    assert_eq!(alone, hand_alone, "#[login_required] alone allocates");
    assert_eq!(
        alone_unprotected, hand_alone,
        "#[login_required] alone, unprotected, allocates"
    );

    let hand = count_login!(cookie, manager(), false, hand_written_login);
    let ours = count_login!(cookie, manager(), false, login_required_user);
    let unprotected = count_login!(
        cookie,
        manager().no_session_protection(),
        false,
        login_required_user
    );
    let remembering = count_login!(cookie, manager(), true, login_required_user);
    eprintln!(
        "allocations per request: hand-written login and load {hand}, #[login_required] + \
         CurrentUser {ours} (without session protection {unprotected}), with RememberMe \
         {remembering}"
    );
    // Session protection hashes on the stack: nothing more.
    assert_eq!(ours, unprotected, "session protection allocates");
    // No more than the hand-written check: the user loader borrows the id the check read
    // (the loaded user keeps it), and its future's box (the manager holds loaders of any type)
    // is one a request before emptied and kept by the loader.
    assert_eq!(ours, hand, "the login layer allocates");
    // RememberMe gives each request its settings (one `Rc` in the extensions); its future is
    // not boxed.
    assert_eq!(
        remembering,
        ours + 1,
        "RememberMe allocates more than its one"
    );
}

// Handlers with arguments: each checkpointed handler against the same handler unchecked.

fn item_page(id: u32) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

async fn path_unchecked(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn path_checkpoint(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

#[derive(serde::Deserialize)]
struct Note {
    title: String,
}

async fn json_unchecked(id: web::Path<u32>, note: web::Json<Note>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{id} {}", note.title))
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn json_checkpoint(id: web::Path<u32>, note: web::Json<Note>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{id} {}", note.title))
}

struct Catalogue {
    title: &'static str,
}

async fn data_unchecked(catalogue: web::Data<Catalogue>, session: Session) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", catalogue.title, session.entries().len()))
}

#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
async fn data_checkpoint(catalogue: web::Data<Catalogue>, session: Session) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", catalogue.title, session.entries().len()))
}

#[checkpoint(session_key = "logged_in", values = true)]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
#[checkpoint(session_key = "roles", values = ["reviewer", "author"])]
async fn stacked_checkpoint(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

/// An API key (a checkpoint that runs as a future) before a `Path`.
#[checkpoint(api_key = "k3y")]
async fn api_key_path_checkpoint(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

async fn user_path_hand_written(
    identity: Option<actix_identity::Identity>,
    id: web::Path<u32>,
) -> HttpResponse {
    let Some(user_id) = identity.and_then(|identity| identity.id().ok()) else {
        return HttpResponse::Unauthorized().finish();
    };
    match find_user(&user_id).await {
        Some(user) => HttpResponse::Ok().body(format!("{} {id}", user.name)),
        None => HttpResponse::Unauthorized().finish(),
    }
}

#[checkpoint_runtime::login_required]
async fn user_path_login_required(
    user: checkpoint_runtime::CurrentUser<User>,
    id: web::Path<u32>,
) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {id}", user.name))
}

/// Allocations of one request built by `$request` to an app with `$handler` at `/item/{id}`
/// (and `/login`, `/log-in-ada` to log in), behind cookie sessions and identities.
macro_rules! count_shape {
    ($request:expr, $method:ident, $handler:expr) => {{
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(Catalogue { title: "Catalogue" }))
                .app_data(checkpoint_runtime::LoginManager::new().user_loader(find_user))
                .wrap(checkpoint_runtime::IdentityMiddleware::default())
                .wrap(cookie_sessions())
                .route("/item/{id}", web::$method().to($handler)),
        )
        .await;
        allocations_per(&app, $request).await
    }};
}

#[actix_web::test]
async fn handlers_with_arguments_allocate_what_they_do_unchecked() {
    let app = test::init_service(
        App::new()
            .wrap(checkpoint_runtime::IdentityMiddleware::default())
            .wrap(cookie_sessions())
            .route("/login", web::post().to(log_in))
            .route("/log-in-ada", web::post().to(log_in_ada)),
    )
    .await;
    let response =
        test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
    let session = response.response().cookies().next().unwrap().into_owned();
    let response = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/log-in-ada")
            .cookie(session.clone())
            .to_request(),
    )
    .await;
    let login = response.response().cookies().next().unwrap().into_owned();

    let get = |cookie: &Cookie<'static>| {
        let cookie = cookie.clone();
        move || {
            test::TestRequest::get()
                .uri("/item/7")
                .cookie(cookie.clone())
                .insert_header(("x-api-key", "k3y"))
        }
    };
    let post = || {
        test::TestRequest::post()
            .uri("/item/7")
            .cookie(session.clone())
            .set_json(serde_json::json!({ "title": "Hello" }))
    };

    let path = count_shape!(get(&session), get, path_unchecked);
    let path_checked = count_shape!(get(&session), get, path_checkpoint);
    let json = count_shape!(post, post, json_unchecked);
    let json_checked = count_shape!(post, post, json_checkpoint);
    let data = count_shape!(get(&session), get, data_unchecked);
    let data_checked = count_shape!(get(&session), get, data_checkpoint);
    let stacked = count_shape!(get(&session), get, stacked_checkpoint);
    let api_key = count_shape!(get(&session), get, api_key_path_checkpoint);
    let hand_login = count_shape!(get(&login), get, user_path_hand_written);
    let login_required = count_shape!(get(&login), get, user_path_login_required);
    eprintln!(
        "allocations per request, unchecked / checkpointed: Path {path} / {path_checked}, \
         Path + Json {json} / {json_checked}, Data + Session {data} / {data_checked}, Path \
         under three checkpoints {path} / {stacked}, Path under an API key {path} / {api_key}; \
         hand-written login and load + Path {hand_login}, #[login_required] + CurrentUser + \
         Path {login_required}"
    );

    assert!(path > 0, "the counting allocator counts");
    assert_eq!(path_checked, path, "a checkpoint before a Path allocates");
    assert_eq!(
        json_checked, json,
        "a checkpoint before a Json body allocates"
    );
    assert_eq!(
        data_checked, data,
        "a checkpoint before Data + Session allocates"
    );
    assert_eq!(stacked, path, "three checkpoints before a Path allocate");
    assert_eq!(
        api_key, path,
        "an API key checkpoint before a Path allocates"
    );
    // None, as without arguments (see the test above).
    assert_eq!(
        login_required, hand_login,
        "the login layer before a Path allocates"
    );
}
