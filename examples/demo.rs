//! The actix-checkpoint demo: cookie sessions, a login form, stacked checkpoints, flash
//! messages and a JSON route. Run it with `cargo run --example demo` and open the printed URL.
//!
//! Environment:
//! - `REDIS_URL` (e.g. `redis://127.0.0.1:6379`): keep sessions in Redis instead of cookies;
//!   the demo exits with an error if Redis cannot be reached at start-up.
//! - `DEMO_ADDR`: the address to listen on, `127.0.0.1:8080` unless set.

use actix_session::{
    storage::{CookieSessionStore, RedisSessionStore, SessionStore},
    Session, SessionMiddleware,
};
use actix_web::{
    cookie::Key, get, http::header::ContentType, middleware::Logger, post, rt::time::timeout, web,
    App, HttpResponse, HttpServer, Responder,
};
use checkpoint_runtime::{
    checkpoint, flash, url_for, Action, AllowedValue, FlashMessages, SessionCheckpoint,
};
use serde::Deserialize;
use std::{io, process::ExitCode, time::Duration};

const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Declared once, used on several handlers.
const LOGGED_IN: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_url(url_for("login_page"))
            .message("Please log in to see that page.")
            .message_category("warning"),
    );

#[get("/")]
async fn index(session: Session, flashes: FlashMessages) -> impl Responder {
    let who = match session.get::<String>("user_name") {
        Ok(Some(name)) => format!("Logged in as <b>{}</b>.", escape(&name)),
        _ => "Not logged in.".to_owned(),
    };
    page(
        "Home",
        &flashes,
        &format!(
            "<p>{who}</p><ul>\
             <li><a href=\"/profile\">Profile</a> (logged in)</li>\
             <li><a href=\"/admin\">Admin</a> (logged in, then role admin)</li>\
             <li><a href=\"/api/status\">/api/status</a> (JSON failure)</li>\
             <li><a href=\"/login\">Log in</a> · <a href=\"/logout\">Log out</a></li></ul>"
        ),
    )
}

/// Shows the form, unless already logged in (`pass_url`).
#[get("/login")]
#[checkpoint(
    session_key = "logged_in",
    values = true,
    pass_url = "/profile",
    message = "You are already logged in.",
    disable_default_fail
)]
async fn login_page(flashes: FlashMessages) -> impl Responder {
    page(
        "Log in",
        &flashes,
        "<form method=\"post\" action=\"/login\">\
         <label>Name <input name=\"name\" required></label>\
         <label>Role <select name=\"role\"><option>member</option><option>admin</option>\
         </select></label><button>Log in</button></form>",
    )
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    role: String,
}

#[post("/login")]
async fn login(session: Session, form: web::Form<LoginForm>) -> actix_web::Result<HttpResponse> {
    let LoginForm { name, role } = form.into_inner();
    session.renew();
    session.insert("logged_in", true)?;
    session.insert(
        "user_type",
        if role == "admin" { "admin" } else { "member" },
    )?;
    session.insert("user_name", &name)?;
    flash(&session, &format!("Welcome, {name}."), "success")?;
    Ok(see_other("/profile"))
}

#[get("/profile")]
#[checkpoint(LOGGED_IN)]
async fn profile(session: Session, flashes: FlashMessages) -> impl Responder {
    let name = session
        .get::<String>("user_name")
        .ok()
        .flatten()
        .unwrap_or_default();
    let role = session
        .get::<String>("user_type")
        .ok()
        .flatten()
        .unwrap_or_default();
    page(
        "Profile",
        &flashes,
        &format!("<p>Name: {}<br>Role: {}</p>", escape(&name), escape(&role)),
    )
}

#[get("/admin")]
#[checkpoint(LOGGED_IN)]
#[checkpoint(session_key = "user_type", values = ["admin"], fail_url = "/",
             message = "Admins only.", message_category = "error")]
async fn admin(flashes: FlashMessages) -> impl Responder {
    page("Admin", &flashes, "<p>The admin page.</p>")
}

#[get("/api/status")]
#[checkpoint(session_key = "logged_in", values = true,
             fail_json = { "error": "Unauthorized", "hint": "log in at /login" }, fail_status = 401)]
async fn api_status() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[get("/logout")]
async fn logout(session: Session) -> actix_web::Result<HttpResponse> {
    session.purge();
    Ok(see_other("/"))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

fn page(title: &str, flashes: &FlashMessages, body: &str) -> HttpResponse {
    let notes: String = flashes
        .iter()
        .map(|note| {
            format!(
                "<p class=\"flash {}\">{}</p>",
                escape(note.category()),
                escape(note.message())
            )
        })
        .collect();
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto}}\
         .flash{{padding:.5rem;border-radius:4px;background:#eef}}\
         .warning{{background:#ffe9b3}}.error{{background:#fcc}}.success{{background:#cfc}}\
         label{{display:block;margin:.5rem 0}}</style></head>\
         <body><h1>{title}</h1>{notes}{body}<p><a href=\"/\">Home</a></p></body></html>"
        ))
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let address = std::env::var("DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let served = match std::env::var("REDIS_URL") {
        Ok(url) => match redis_store(&url).await {
            Ok(store) => {
                log::info!("session store: Redis at {}", redacted(&url));
                serve(move || store.clone(), &address).await
            }
            Err(error) => {
                log::error!(
                    "cannot connect to Redis at {} (REDIS_URL): {error:#}",
                    redacted(&url)
                );
                return ExitCode::FAILURE;
            }
        },
        Err(_) => {
            log::info!("session store: cookies (set REDIS_URL to use Redis)");
            serve(CookieSessionStore::default, &address).await
        }
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error!("cannot serve on {address} (DEMO_ADDR): {error}");
            ExitCode::FAILURE
        }
    }
}

/// Connects to Redis, giving up after [`REDIS_CONNECT_TIMEOUT`]: the client alone would keep
/// retrying for minutes.
async fn redis_store(url: &str) -> anyhow::Result<RedisSessionStore> {
    timeout(REDIS_CONNECT_TIMEOUT, RedisSessionStore::new(url))
        .await
        .map_err(|_| anyhow::anyhow!("no connection within {REDIS_CONNECT_TIMEOUT:?}"))?
}

/// Runs the app with sessions kept in the store `new_store` makes (once per worker).
async fn serve<S>(
    new_store: impl Fn() -> S + Clone + Send + 'static,
    address: &str,
) -> io::Result<()>
where
    S: SessionStore + 'static,
{
    // A fresh key per run: sessions end when the demo restarts.
    let key = Key::generate();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(
                SessionMiddleware::builder(new_store(), key.clone())
                    .cookie_secure(false)
                    .build(),
            )
            .wrap(Logger::default())
            .service(index)
            .service(login_page)
            .service(login)
            .service(profile)
            .service(admin)
            .service(api_status)
            .service(logout)
    })
    .bind(address)?;
    log::info!("demo listening on http://{address}/");
    server.run().await
}

/// The URL without its password, fit for a log.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}
