//! Flask-Login's `FlaskLoginClient` and Flask's `session_transaction()`, for an app's own tests
//! (the `test-util` feature): a session cookie in which a user is logged in and any values are
//! set, made by the app's own `SessionMiddleware`, without a login route.

use actix_session::{storage::SessionStore, Session, SessionMiddleware};
use actix_web::{cookie::Cookie, test, web, App, HttpRequest, HttpResponse};

use super::{login_user, IdentityMiddleware, REMEMBER_KEY, STAMP_KEY};

/// A session to send test requests in: values to set and a user to log in, written through the
/// app's own `SessionMiddleware` into a cookie the requests carry. Works on every session store
/// (the cookie carries the state, or the key of the state the store keeps).
///
/// ```
/// use actix_session::{storage::CookieSessionStore, SessionMiddleware};
/// use actix_web::{cookie::Key, get, test, App, Responder};
/// use checkpoint_runtime::{login_required, testing::TestSession, IdentityMiddleware};
///
/// #[get("/profile")]
/// #[login_required]
/// async fn profile() -> impl Responder {
///     "profile"
/// }
///
/// fn sessions(key: &Key) -> SessionMiddleware<CookieSessionStore> {
///     SessionMiddleware::new(CookieSessionStore::default(), key.clone())
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let key = Key::generate();
/// let app = test::init_service(
///     App::new()
///         .service(profile)
///         .wrap(IdentityMiddleware::default())
///         .wrap(sessions(&key)),
/// )
/// .await;
/// let cookie = TestSession::new()
///     .logged_in("alice")
///     .insert("role", "admin")
///     .cookie(sessions(&key))
///     .await;
/// let request = test::TestRequest::get().uri("/profile").cookie(cookie);
/// assert!(test::call_service(&app, request.to_request()).await.status().is_success());
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct TestSession {
    values: Vec<(String, serde_json::Value)>,
    login: Option<(String, bool)>,
}

impl TestSession {
    /// An empty session: no values, nobody logged in.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` (serialized as actix-session stores it, to JSON), as a handler's
    /// `session.insert(key, value)` would.
    ///
    /// # Panics
    /// When `value` does not serialize to JSON (a map with non-string keys, say): a mistake in
    /// the test.
    pub fn insert(mut self, key: impl Into<String>, value: impl serde::Serialize) -> Self {
        let key = key.into();
        let value = serde_json::to_value(value)
            .unwrap_or_else(|error| panic!("TestSession::insert({key:?}): not JSON: {error}"));
        self.values.push((key, value));
        self
    }

    /// Logs the user `id` in, freshly, as `login_user(&req, id, true)` does after a password.
    pub fn logged_in(mut self, id: impl Into<String>) -> Self {
        self.login = Some((id.into(), true));
        self
    }

    /// Logs the user `id` in, not freshly, as a login restored without a password is:
    /// `#[fresh_login_required]` refuses it.
    pub fn logged_in_not_fresh(mut self, id: impl Into<String>) -> Self {
        self.login = Some((id.into(), false));
        self
    }

    /// Records `stamp` as the login's revocation stamp, as [`Login`](crate::Login) does for a
    /// user loader with [`revocation_stamp`](crate::UserLoader::revocation_stamp): without it, such
    /// an app does not accept the login.
    ///
    /// Session protection compares the client of the test's requests with the one that wrote
    /// this session: a request without a peer address and `User-Agent`, as `TestRequest` makes
    /// by default. A request with either sees the login as not fresh (`Basic`) or none (`Strong`).
    pub fn revocation_stamp(self, stamp: impl Into<String>) -> Self {
        self.insert(STAMP_KEY, stamp.into())
    }

    /// The session cookie, written by `sessions`: a `SessionMiddleware` configured as the app's
    /// (the same store, key, cookie name and content security), with actix-identity's default
    /// `IdentityMiddleware`.
    ///
    /// # Panics
    /// When the middleware sets no cookie, or the session cannot be written or saved: the app's
    /// configuration and the test's disagree, and the panic says how.
    pub async fn cookie<S: SessionStore + 'static>(
        &self,
        sessions: SessionMiddleware<S>,
    ) -> Cookie<'static> {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(self.clone()))
                .route("/", web::post().to(write))
                .wrap(IdentityMiddleware::default())
                .wrap(sessions),
        )
        .await;
        let response = test::call_service(&app, test::TestRequest::post().to_request()).await;
        let status = response.status();
        assert!(
            status.is_success(),
            "TestSession: writing the session answered {status}: {}",
            String::from_utf8_lossy(&test::read_body(response).await)
        );
        let mut cookies = response.response().cookies();
        match cookies.next() {
            Some(cookie) => cookie.into_owned(),
            None => panic!(
                "TestSession: the SessionMiddleware set no cookie (an empty session sets none: \
                 insert a value or log a user in)"
            ),
        }
    }
}

/// The handler writing the session.
async fn write(req: HttpRequest, session: Session, seed: web::Data<TestSession>) -> HttpResponse {
    if let Some((id, fresh)) = &seed.login {
        if let Err(error) = login_user(&req, id.clone(), *fresh) {
            return HttpResponse::InternalServerError().body(format!("login_user: {error}"));
        }
        // The login went through no `RememberMe`, which marks the session against remember
        // cookies: a browser that logged in where `RememberMe` runs has no such mark.
        session.remove(REMEMBER_KEY);
    }
    for (key, value) in &seed.values {
        if let Err(error) = session.insert(key.clone(), value) {
            return HttpResponse::InternalServerError().body(format!("insert {key:?}: {error}"));
        }
    }
    HttpResponse::NoContent().finish()
}
