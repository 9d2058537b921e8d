//! Shared by the integration tests: an app with cookie sessions, a client that carries cookies
//! between requests, and a logger that records what the checkpoints log.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use actix_session::{
    storage::{
        CookieSessionStore, LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore,
        UpdateError,
    },
    Session, SessionMiddleware,
};
use actix_web::{
    body::MessageBody,
    cookie::{time::Duration, Cookie, Key},
    dev::{Service, ServiceResponse},
    http::{header, StatusCode},
    test, web, HttpResponse,
};
use checkpoint_runtime::FlashMessages;

/// The name of the session cookie ([`sessions`] keeps actix-session's default).
pub const SESSION_COOKIE: &str = "id";

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

/// The Redis server the suite runs against, when `CHECKPOINT_SESSION_STORE=redis`: the value
/// of `REDIS_URL` (`scripts/test.sh` starts one on a free port).
pub fn redis_url() -> Option<String> {
    match std::env::var("CHECKPOINT_SESSION_STORE").as_deref() {
        Ok("redis") => Some(std::env::var("REDIS_URL").expect("REDIS_URL for the Redis suite")),
        Ok("cookie") | Err(_) => None,
        Ok(other) => panic!("CHECKPOINT_SESSION_STORE={other}: expected cookie or redis"),
    }
}

/// The session middleware of the suite: the cookie store, or Redis when
/// `CHECKPOINT_SESSION_STORE=redis`. Every integration test builds its app with this, so the
/// whole suite runs on either store.
pub async fn sessions() -> SessionMiddleware<TestStore> {
    let store = match redis_url() {
        None => TestStore::Cookie(CookieSessionStore::default()),
        Some(url) => TestStore::Redis(redis_store(&url).await),
    };
    SessionMiddleware::builder(store, session_key())
        .cookie_secure(false)
        .build()
}

/// A Redis session store at `url`, on a connection pool with short timeouts: while Redis is
/// down a request fails within a second instead of waiting on reconnection back-off.
pub async fn redis_store(url: &str) -> RedisSessionStore {
    let timeout = Some(std::time::Duration::from_secs(1));
    let pool = deadpool_redis::Config::from_url(url)
        .builder()
        .expect("a Redis URL")
        .wait_timeout(timeout)
        .create_timeout(timeout)
        .recycle_timeout(timeout)
        .runtime(deadpool_redis::Runtime::Tokio1)
        .build()
        .expect("a Redis pool");
    RedisSessionStore::builder_pooled(pool)
        .build()
        .await
        .unwrap_or_else(|error| panic!("cannot reach Redis at {url}: {error}"))
}

/// Either session store, chosen when the test runs.
pub enum TestStore {
    Cookie(CookieSessionStore),
    Redis(RedisSessionStore),
}

type State = HashMap<String, String>;

impl SessionStore for TestStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        match self {
            Self::Cookie(store) => store.load(key).await,
            Self::Redis(store) => store.load(key).await,
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        match self {
            Self::Cookie(store) => store.save(state, ttl).await,
            Self::Redis(store) => store.save(state, ttl).await,
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        match self {
            Self::Cookie(store) => store.update(key, state, ttl).await,
            Self::Redis(store) => store.update(key, state, ttl).await,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        match self {
            Self::Cookie(store) => store.update_ttl(key, ttl).await,
            Self::Redis(store) => store.update_ttl(key, ttl).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        match self {
            Self::Cookie(store) => store.delete(key).await,
            Self::Redis(store) => store.delete(key).await,
        }
    }
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
    B: MessageBody + 'static,
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
        // A service error (the session store down, say) is what a server would answer as an
        // error response.
        let response = match test::try_call_service(&self.service, request.to_request()).await {
            Ok(response) => response.map_into_boxed_body(),
            Err(error) => {
                let response = error.error_response();
                let request = test::TestRequest::default().to_http_request();
                ServiceResponse::new(request, response)
            }
        };
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

    /// The cookie `name` the browser holds.
    pub fn cookie(&self, name: &str) -> Option<&Cookie<'static>> {
        self.cookies.iter().find(|cookie| cookie.name() == name)
    }

    /// Drops the cookie `name`, as a browser drops its session cookies when it closes.
    pub fn forget(&mut self, name: &str) {
        self.cookies.retain(|kept| kept.name() != name);
    }

    /// Holds `cookie` (a copy kept from earlier, replayed), in place of one of its name.
    pub fn hold(&mut self, cookie: Cookie<'static>) {
        self.forget(cookie.name());
        self.cookies.push(cookie);
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

/// Builds a [`Browser`] on an app with the suite's session store, the session tools and
/// `configure`.
#[macro_export]
macro_rules! browser {
    ($configure:expr) => {
        $crate::common::Browser::new(
            actix_web::test::init_service(
                actix_web::App::new()
                    .wrap($crate::common::sessions().await)
                    .configure($crate::common::session_tools)
                    .configure($configure),
            )
            .await,
        )
    };
}

/// The log lines recorded so far (`debug` and above), so tests can assert that a fault or a
/// refusal was logged.
pub fn logged_lines() -> Vec<String> {
    LOGGER.lines.lock().unwrap().clone()
}

/// Installs the recording logger (once per test binary).
pub fn record_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&LOGGER).expect("no other logger");
        log::set_max_level(log::LevelFilter::Debug);
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
        metadata.level() <= log::Level::Debug
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            self.lines.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

/// A `redis-server` of a test's own on a free loopback port, stopped when dropped, so that a
/// test can stop and restart it.
pub struct RedisServer {
    port: u16,
    child: Option<std::process::Child>,
}

impl RedisServer {
    /// Starts one; needs the `redis-server` binary (`scripts/test.sh` installs it).
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port (empty: nothing is persisted).
    pub fn restart(&mut self) {
        self.stop();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        for _ in 0..100 {
            if self.cli(&["PING"]) == "PONG" {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs `redis-cli` against this server and answers its output, trimmed.
    pub fn cli(&self, args: &[&str]) -> String {
        std::process::Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
            .unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
