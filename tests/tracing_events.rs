//! Every refusal and every fault is a `tracing` event with structured fields: a subscriber of this
//! test's own records them.

use std::{
    collections::BTreeMap,
    fmt::Debug,
    sync::{Mutex, OnceLock},
};

use actix_identity::IdentityMiddleware;
use actix_session::{storage::CookieSessionStore, SessionMiddleware};
use actix_web::{cookie::Key, get, http::StatusCode, post, test, App, Responder};
use checkpoint_runtime::{checkpoint, include_csrf, login_required, LoginManager, RedirectTarget};
use tracing::{
    field::{Field, Visit},
    span, Event, Level, Metadata, Subscriber,
};

/// One event: its level, its module and its fields (the message under `message`).
#[derive(Debug, Clone)]
struct Recorded {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Recorded>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for &'static Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let recorded = Recorded {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        };
        self.events.lock().unwrap().push(recorded);
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

fn recorder() -> &'static Recorder {
    static RECORDER: OnceLock<&'static Recorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder: &'static Recorder = Box::leak(Box::default());
        tracing::subscriber::set_global_default(recorder).expect("no other subscriber");
        recorder
    })
}

/// The runtime's events so far whose fields include every pair in `wanted`.
fn events_with(wanted: &[(&str, &str)]) -> Vec<Recorded> {
    recorder()
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|event| event.target.starts_with("checkpoint_runtime"))
        .filter(|event| {
            wanted
                .iter()
                .all(|(name, value)| event.fields.get(*name).map(String::as_str) == Some(*value))
        })
        .cloned()
        .collect()
}

#[get("/admin")]
#[checkpoint(
    session_key = "role",
    values = "admin",
    fail_url = "/",
    message = "Admins only"
)]
async fn admin() -> impl Responder {
    "admin"
}

/// The same check as `admin`, in a handler of its own: a handler remembers in a `static` that
/// `SessionMiddleware` runs in front of it, so one mounted in an app with the middleware and in
/// one without would be trusted in both.
#[get("/admin")]
#[checkpoint(
    session_key = "role",
    values = "admin",
    fail_url = "/",
    message = "Admins only"
)]
async fn admin_without_sessions() -> impl Responder {
    "admin"
}

#[get("/key")]
#[checkpoint(api_key = "k3y", fail_status = 401)]
async fn key() -> impl Responder {
    "key"
}

#[post("/form")]
#[include_csrf]
async fn form() -> impl Responder {
    "form"
}

#[get("/members")]
#[login_required]
async fn members() -> impl Responder {
    "members"
}

#[actix_web::test]
async fn refusals_are_debug_events_with_the_check_and_the_answer() {
    recorder();
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().login_view(RedirectTarget::Path("/login")))
            .wrap(IdentityMiddleware::default())
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                Key::generate(),
            ))
            .service(admin)
            .service(key)
            .service(form)
            .service(members),
    )
    .await;
    for (method, uri, status) in [
        ("GET", "/admin", StatusCode::FOUND),
        ("GET", "/key", StatusCode::UNAUTHORIZED),
        ("POST", "/form", StatusCode::UNAUTHORIZED),
        ("GET", "/members", StatusCode::FOUND),
    ] {
        let request = test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri)
            .to_request();
        assert_eq!(
            test::call_service(&app, request).await.status(),
            status,
            "{uri}"
        );
    }

    let session = events_with(&[("kind", "session"), ("path", "/admin")]);
    assert_eq!(session.len(), 1, "{session:?}");
    let fields = &session[0].fields;
    assert_eq!(session[0].level, Level::DEBUG);
    assert_eq!(fields["subject"], "role");
    assert_eq!(fields["route"], "admin");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["status"], "302");

    let api_key = events_with(&[("kind", "api_key"), ("route", "key")]);
    assert_eq!(api_key.len(), 1, "{api_key:?}");
    assert_eq!(api_key[0].fields["subject"], "x-api-key");
    assert_eq!(api_key[0].fields["status"], "401");

    let csrf_reason = events_with(&[("kind", "csrf"), ("path", "/form")]);
    assert!(
        csrf_reason.iter().any(|event| event
            .fields
            .get("reason")
            .is_some_and(|reason| reason.contains("holds no token"))),
        "{csrf_reason:?}"
    );
    let csrf_refusal = events_with(&[("kind", "csrf"), ("route", "form"), ("status", "401")]);
    assert_eq!(csrf_refusal.len(), 1, "{csrf_refusal:?}");

    let login = events_with(&[
        ("kind", "login"),
        ("subject", "not logged in"),
        ("route", "members"),
    ]);
    assert_eq!(login.len(), 1, "{login:?}");
    assert_eq!(login[0].fields["status"], "302");
}

#[actix_web::test]
async fn faults_are_error_events_with_the_error() {
    recorder();
    // No SessionMiddleware: the session checkpoint fails closed.
    let app = test::init_service(App::new().service(admin_without_sessions)).await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/admin").to_request()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let faults: Vec<Recorded> =
        events_with(&[("path", "/admin"), ("route", "admin_without_sessions")])
            .into_iter()
            .filter(|event| event.level == Level::ERROR)
            .collect();
    assert!(
        faults
            .iter()
            .any(|event| event.fields["error"].contains("no SessionMiddleware runs")),
        "{faults:?}"
    );
}
