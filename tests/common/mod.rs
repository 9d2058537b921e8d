//! Shared by the integration tests: an app with cookie sessions, a client that carries cookies
//! between requests, and a logger that records what the checkpoints log.

#![allow(dead_code)]

use std::sync::{Mutex, OnceLock};

use actix_session::{storage::CookieSessionStore, Session, SessionMiddleware};
use actix_web::{
    body::MessageBody,
    cookie::{Cookie, Key},
    dev::{Service, ServiceResponse},
    http::{header, StatusCode},
    test, web, HttpResponse,
};
use checkpoint_runtime::FlashMessages;

/// The session key of the test binary.
pub fn session_key() -> Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(Key::generate).clone()
}

/// Session middleware on the cookie store, with the test binary's key.
pub fn cookie_sessions() -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), session_key())
        .cookie_secure(false)
        .build()
}

/// `POST /__session` with a JSON object writes each member into the session as given.
pub async fn write_session(session: Session, values: web::Json<serde_json::Value>) -> HttpResponse {
    let serde_json::Value::Object(values) = values.into_inner() else {
        return HttpResponse::BadRequest().finish();
    };
    for (key, value) in values {
        session.insert(key, value).expect("JSON values serialise");
    }
    HttpResponse::NoContent().finish()
}

/// `GET /__session/{key}` answers the JSON value under `key`, or `null`.
pub async fn read_session(session: Session, key: web::Path<String>) -> HttpResponse {
    let value = session.get::<serde_json::Value>(&key).ok().flatten();
    HttpResponse::Ok().json(value)
}

/// `GET /__flashes` answers the pending flash messages as `[[category, message], ...]`.
pub async fn read_flashes(flashes: FlashMessages) -> HttpResponse {
    let pairs: Vec<(String, String)> = flashes
        .into_iter()
        .map(|flash| (flash.category().to_owned(), flash.message().to_owned()))
        .collect();
    HttpResponse::Ok().json(pairs)
}

/// The test routes every app gets.
pub fn session_tools(cfg: &mut web::ServiceConfig) {
    cfg.route("/__session", web::post().to(write_session))
        .route("/__session/{key}", web::get().to(read_session))
        .route("/__flashes", web::get().to(read_flashes));
}

/// A response, read to the end.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// Calls a service the way a browser would: cookies set by one response go with the next
/// request.
pub struct Browser<S> {
    service: S,
    cookies: Vec<Cookie<'static>>,
}

impl<S, B> Browser<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    pub fn new(service: S) -> Self {
        Self {
            service,
            cookies: Vec::new(),
        }
    }

    pub async fn send(&mut self, request: test::TestRequest) -> Reply {
        let mut request = request;
        for cookie in &self.cookies {
            request = request.cookie(cookie.clone());
        }
        let response = test::call_service(&self.service, request.to_request()).await;
        for cookie in response.response().cookies() {
            let cookie = cookie.into_owned();
            self.cookies.retain(|kept| kept.name() != cookie.name());
            if !cookie.value().is_empty() {
                self.cookies.push(cookie);
            }
        }
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|value: &header::HeaderValue| value.to_str().unwrap().to_owned())
        };
        let location = header(header::LOCATION);
        let content_type = header(header::CONTENT_TYPE);
        let body = test::read_body(response).await;
        Reply {
            status,
            location,
            content_type,
            body: String::from_utf8(body.to_vec()).expect("a UTF-8 body"),
        }
    }

    pub async fn get(&mut self, uri: &str) -> Reply {
        self.send(test::TestRequest::get().uri(uri)).await
    }

    /// Writes `values` (a JSON object) into the session.
    pub async fn set_session(&mut self, values: serde_json::Value) {
        let reply = self
            .send(test::TestRequest::post().uri("/__session").set_json(values))
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    }

    /// The JSON value the session holds under `key` (`null` when none).
    pub async fn session_value(&mut self, key: &str) -> serde_json::Value {
        self.get(&format!("/__session/{key}")).await.json()
    }

    /// Takes the pending flash messages as `(category, message)` pairs.
    pub async fn flashes(&mut self) -> Vec<(String, String)> {
        let reply = self.get("/__flashes").await;
        serde_json::from_str(&reply.body).expect("flash pairs")
    }
}

/// Builds a [`Browser`] on an app with cookie sessions, the session tools and `configure`.
#[macro_export]
macro_rules! browser {
    ($configure:expr) => {
        $crate::common::Browser::new(
            actix_web::test::init_service(
                actix_web::App::new()
                    .wrap($crate::common::cookie_sessions())
                    .configure($crate::common::session_tools)
                    .configure($configure),
            )
            .await,
        )
    };
}

/// Records log lines at `warn` and above so tests can assert that a fault was logged.
pub fn logged_lines() -> Vec<String> {
    LOGGER.lines.lock().unwrap().clone()
}

/// Installs the recording logger (once per test binary).
pub fn record_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&LOGGER).expect("no other logger");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

struct RecordingLogger {
    lines: Mutex<Vec<String>>,
}

static LOGGER: RecordingLogger = RecordingLogger {
    lines: Mutex::new(Vec::new()),
};

impl log::Log for RecordingLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            self.lines.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}
