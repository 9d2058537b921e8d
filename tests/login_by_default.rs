//! Login required by default: `.wrap(LoginRequired::LOGGED_IN)` on the app guards every route,
//! `#[login_not_required]` makes a route public, for the methods it serves, and nothing else.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_identity::IdentityMiddleware;
use actix_web::{
    get, http::StatusCode, post, route, test::TestRequest, web, App, HttpRequest, Responder,
};
use checkpoint_runtime::{
    checkpoint, login_not_required, login_user, url_for, CheckpointError, LoginManager,
    LoginRequired,
};

#[login_not_required]
#[get("/login")]
async fn login_page() -> impl Responder {
    "login form"
}

#[login_not_required]
#[post("/login")]
async fn log_in(req: HttpRequest) -> Result<impl Responder, CheckpointError> {
    login_user(&req, "ada", true)?;
    Ok("logged in")
}

/// No attribute: guarded by default.
#[get("/private")]
async fn private() -> impl Responder {
    "private"
}

/// How many times `create_item` ran; only `every_route_requires_a_login_but_the_public_ones`
/// reads it (tests run in parallel).
static CREATED: AtomicUsize = AtomicUsize::new(0);

#[login_not_required]
#[get("/items")]
async fn list_items() -> impl Responder {
    "items"
}

/// The same path as the public `list_items`, another method: guarded.
#[post("/items")]
async fn create_item() -> impl Responder {
    CREATED.fetch_add(1, Ordering::SeqCst);
    "created"
}

/// Public, at the path of `list_items` and `create_item`.
#[login_not_required]
#[actix_web::put("/items")]
async fn replace_items() -> impl Responder {
    "replaced"
}

#[login_not_required]
#[get("/health", name = "healthz")]
async fn health() -> impl Responder {
    "ok"
}

#[login_not_required]
#[route("/either", method = "GET", method = "PUT")]
async fn either() -> impl Responder {
    "either"
}

/// Public, its route attribute ending in a comma: the marker (`wrap = ...`) follows it.
#[rustfmt::skip]
#[login_not_required]
#[get("/trailing",)]
async fn trailing() -> impl Responder {
    "trailing"
}

/// Public, and still behind its own checkpoint.
#[login_not_required]
#[get("/keyed")]
#[checkpoint(api_key = "k3y")]
async fn keyed() -> impl Responder {
    "keyed"
}

mod public {
    use super::*;

    #[login_not_required]
    #[get("/")]
    pub async fn index() -> impl Responder {
        "public index"
    }
}

mod admin {
    use super::*;

    /// Named as `public::index` is, at the same path as written, in a scope.
    #[get("/")]
    pub async fn index() -> impl Responder {
        "admin index"
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(log_in)
        .service(private)
        .service(list_items)
        .service(create_item)
        .service(health)
        .service(either)
        .service(trailing)
        .service(keyed);
}

macro_rules! app {
    ($($configure:expr),*) => {
        common::Browser::new(
            actix_web::test::init_service(
                App::new()
                    .app_data(LoginManager::new().login_view(url_for("login_page")))
                    $(.configure($configure))*
                    .wrap(LoginRequired::LOGGED_IN)
                    .wrap(IdentityMiddleware::default())
                    .wrap(common::sessions().await),
            )
            .await,
        )
    };
}

#[actix_web::test]
async fn every_route_requires_a_login_but_the_public_ones() {
    let mut browser = app!(routes);
    for (uri, body) in [
        ("/login", "login form"),
        ("/items", "items"),
        ("/health", "ok"),
        ("/either", "either"),
        ("/trailing", "trailing"),
    ] {
        let reply = browser.get(uri).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, body),
            "{uri}"
        );
    }
    let reply = browser.send(TestRequest::put().uri("/either")).await;
    assert_eq!(reply.body, "either", "PUT is one of its methods");

    // A route added without the attribute is guarded: the login view, with `next`.
    let reply = browser.get("/private").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location.as_deref(), Some("/login?next=%2Fprivate"));

    // Another method at a public route's path goes to another handler: guarded.
    let created = CREATED.load(Ordering::SeqCst);
    let reply = browser.send(TestRequest::post().uri("/items")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let reply = browser.send(TestRequest::delete().uri("/either")).await;
    assert_ne!(reply.status, StatusCode::OK);
    assert_eq!(CREATED.load(Ordering::SeqCst), created, "create_item ran");

    // A public route keeps its own checkpoints.
    assert_eq!(browser.get("/keyed").await.status, StatusCode::FORBIDDEN);
    let reply = browser
        .send(
            TestRequest::get()
                .uri("/keyed")
                .insert_header(("x-api-key", "k3y")),
        )
        .await;
    assert_eq!(reply.body, "keyed");

    // A URL no route matches is a 404 for an anonymous visitor, not a login redirect.
    assert_eq!(browser.get("/nope").await.status, StatusCode::NOT_FOUND);

    // Logged in through the public POST, the rest opens.
    let reply = browser.send(TestRequest::post().uri("/login")).await;
    assert_eq!(reply.body, "logged in");
    assert_eq!(browser.get("/private").await.body, "private");
    let reply = browser.send(TestRequest::post().uri("/items")).await;
    assert_eq!(reply.body, "created");
}

#[actix_web::test]
async fn a_public_route_registered_after_a_guarded_one_of_its_path_stays_guarded() {
    // `create_item` first: the path resolves to it, and it is not public. Fail-safe.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(create_item)
            .service(list_items)
            .service(login_page);
    });
    assert_eq!(browser.get("/items").await.status, StatusCode::FOUND);
    // The guard answered: the login redirect, not `create_item`'s body.
    let reply = browser.send(TestRequest::post().uri("/items")).await;
    assert_eq!(reply.location.as_deref(), Some("/login?next=%2Fitems"));
}

#[actix_web::test]
async fn a_name_two_routes_share_makes_neither_public() {
    common::record_logs();
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(web::scope("/admin").service(admin::index))
            .service(public::index);
    });
    let reply = browser.get("/admin/").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(browser.get("/").await.status, StatusCode::FOUND);
    assert!(
        common::logged_lines()
            .iter()
            .any(|line| line.starts_with("WARN")
                && line.contains("public::index is not honoured")
                && line.contains("/admin/")),
        "the ambiguity is reported"
    );

    // On its own, the public one is public.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page).service(public::index);
    });
    assert_eq!(browser.get("/").await.body, "public index");
}

#[actix_web::test]
async fn a_public_name_at_another_path_is_another_route() {
    // `admin::index`'s name is public (`public::index`), but this app's route of that name is at
    // `/dashboard`, not at `/` as written on the public handler.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page).service(
            web::resource("/dashboard")
                .name("index")
                .to(|| async { "dashboard" }),
        );
    });
    assert_eq!(browser.get("/dashboard").await.status, StatusCode::FOUND);
}

#[actix_web::test]
async fn a_method_the_first_route_of_a_path_does_not_serve_goes_on_to_the_next() {
    // GET public, PUT public: a PUT goes past the GET route to the PUT one.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(list_items)
            .service(replace_items)
            .service(create_item);
    });
    let reply = browser.send(TestRequest::put().uri("/items")).await;
    assert_eq!(reply.body, "replaced");
    assert_eq!(
        browser.send(TestRequest::post().uri("/items")).await.status,
        StatusCode::FOUND
    );

    // A guarded route between them might serve PUT (its methods are unknown): guarded.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(list_items)
            .service(create_item)
            .service(replace_items);
    });
    let reply = browser.send(TestRequest::put().uri("/items")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(browser.get("/items").await.body, "items");
}

/// Guarded, and registered before the public dynamic route its path also matches.
#[get("/users/me")]
async fn own_profile() -> impl Responder {
    "own profile"
}

#[login_not_required]
#[get("/users/{id}")]
async fn user_card() -> impl Responder {
    "user card"
}

#[actix_web::test]
async fn an_encoded_path_is_decided_as_routing_reads_it() {
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(own_profile)
            .service(user_card);
    });
    assert_eq!(browser.get("/users/ada").await.body, "user card");
    assert_eq!(browser.get("/users/me").await.status, StatusCode::FOUND);
    // `%65` is `e`: routing sends this to `own_profile`, so it must be guarded.
    let reply = browser.get("/users/m%65").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_ne!(reply.body, "own profile");
}

/// A scope for the virtual host `host`.
fn host_scope(host: &'static str) -> actix_web::Scope {
    web::scope("").guard(actix_web::guard::Host(host))
}

/// A `GET` of `uri` on the virtual host `host`.
fn on_host(uri: &str, host: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(("host", host))
}

mod hosts {
    use super::*;

    #[login_not_required]
    #[get("/")]
    pub async fn home() -> impl Responder {
        "home"
    }

    #[get("/")]
    pub async fn dashboard() -> impl Responder {
        "dashboard"
    }
}

#[actix_web::test]
async fn a_public_route_another_scope_has_the_path_of_stays_guarded() {
    // Virtual hosts: the resource map does not show the guards, and `/` resolves to `home`.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(host_scope("www.example.com").service(hosts::home))
            .service(host_scope("admin.example.com").service(hosts::dashboard));
    });
    let reply = browser.send(on_host("/", "admin.example.com")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_ne!(reply.body, "dashboard");
}

mod pages {
    use super::*;

    /// Public: any page of the site.
    #[login_not_required]
    #[get("/pages/{slug}")]
    pub async fn page(slug: web::Path<String>) -> impl Responder {
        format!("page {slug}")
    }

    /// Another host's page at a path the public pattern matches too.
    #[get("/pages/about")]
    pub async fn admin_about() -> impl Responder {
        "admin about"
    }

    /// Another host's pages, every one of which the public pattern might match.
    #[get("/pages/{slug}/edit")]
    pub async fn admin_edit() -> impl Responder {
        "admin edit"
    }
}

/// Two virtual hosts: the public `page` in one's scope, `admin_about` and `admin_edit` in the
/// other's.
fn virtual_hosts(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(log_in)
        .service(host_scope("www.example.com").service(pages::page))
        .service(
            host_scope("admin.example.com")
                .service(pages::admin_about)
                .service(pages::admin_edit),
        );
}

#[actix_web::test]
async fn a_public_route_in_a_scope_stays_guarded_where_another_scope_matches_the_path() {
    // Virtual hosts again, with overlapping rather than equal paths: `/pages/about` resolves to
    // the public `page` in the resource map, but routing takes the admin host's `admin_about`.
    let mut browser = app!(virtual_hosts);
    for uri in ["/pages/about", "/pages/x/edit"] {
        let reply = browser.send(on_host(uri, "admin.example.com")).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{uri}: {}", reply.body);
        assert!(!reply.body.starts_with("admin"), "{uri}: {}", reply.body);
    }
    // A path no other scope has stays public on the public route's host.
    let reply = browser
        .send(on_host("/pages/contact", "www.example.com"))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "page contact")
    );
}

#[actix_web::test]
async fn the_routes_of_a_second_scope_of_a_prefix_are_not_taken_for_urls_no_route_matches() {
    // actix-web's resource map does not look into the second scope of a prefix: the middleware
    // must not answer 404 for its routes.
    let mut browser = app!(virtual_hosts);
    let reply = browser.send(TestRequest::post().uri("/login")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for (uri, body) in [
        ("/pages/about", "admin about"),
        ("/pages/x/edit", "admin edit"),
    ] {
        let reply = browser.send(on_host(uri, "admin.example.com")).await;
        assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, body));
    }
    // A URL no route of either host matches is still a 404, unchecked.
    let reply = browser
        .send(on_host("/nowhere/at/all", "admin.example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_public_route_of_the_app_itself_is_public_whatever_the_scopes_after_it() {
    // Outside every scope the public route has no guard to fail: routing takes it for every
    // path it matches, as the resource map says.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(pages::page)
            .service(host_scope("admin.example.com").service(pages::admin_about));
    });
    let reply = browser
        .send(on_host("/pages/about", "admin.example.com"))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "page about")
    );
}

mod status_public {
    use super::*;

    /// Public, mounted by another app of this binary (`status_private::status` is this one's).
    #[login_not_required]
    #[get("/status")]
    pub async fn status() -> impl Responder {
        "public status"
    }
}

mod status_private {
    use super::*;

    /// The same name, path and method as `status_public::status`, and no exemption.
    #[get("/status")]
    pub async fn status() -> impl Responder {
        "private status"
    }
}

#[actix_web::test]
async fn only_the_public_handlers_an_app_mounts_are_public_in_it() {
    // The public twin, in an app of its own first: public there.
    let mut public_app = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page).service(status_public::status);
    });
    let reply = public_app.send(TestRequest::get().uri("/status")).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "public status")
    );
    // This app mounts the handler of the same name, path and method without the attribute:
    // guarded, whatever other apps of the binary make public.
    let mut private_app = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page).service(status_private::status);
    });
    let reply = private_app.send(TestRequest::get().uri("/status")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_ne!(reply.body, "private status");
}

mod legal {
    use super::*;

    /// Public, at a path no route of another host matches.
    #[login_not_required]
    #[get("/welcome")]
    pub async fn welcome_page() -> impl Responder {
        "welcome"
    }

    /// Public, at a path a pattern of another host's matches.
    #[login_not_required]
    #[get("/terms")]
    pub async fn terms_page() -> impl Responder {
        "terms"
    }

    /// Another host's: a pattern with a parameter that matches no public path.
    #[get("/members/{id}")]
    pub async fn member() -> impl Responder {
        "member"
    }

    /// Another host's: a pattern with a parameter that matches the public `/terms`.
    #[get("/{doc:terms|privacy}")]
    pub async fn admin_legal() -> impl Responder {
        "admin legal"
    }

    /// Another host's pages with a number, which the public `/pages/{slug}` matches too.
    #[get("/pages/{number:\\d+}")]
    pub async fn admin_numbered() -> impl Responder {
        "admin numbered"
    }
}

#[actix_web::test]
async fn only_a_public_route_whose_paths_another_scope_matches_is_reported() {
    common::record_logs();
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(
                host_scope("www.example.com")
                    .service(legal::welcome_page)
                    .service(legal::terms_page),
            )
            .service(
                host_scope("admin.example.com")
                    .service(legal::member)
                    .service(legal::admin_legal),
            );
    });
    let reply = browser.send(on_host("/welcome", "www.example.com")).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "welcome")
    );
    let reply = browser.send(on_host("/terms", "admin.example.com")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let reported = |route: &str| {
        common::logged_lines().iter().any(|line| {
            line.starts_with("WARN")
                && line.contains("is not honoured for the paths a route of another scope matches")
                && line.contains(&format!("{route:?}"))
        })
    };
    assert!(reported("terms_page"), "another host matches /terms");
    assert!(!reported("welcome_page"), "no other host matches /welcome");
}

#[actix_web::test]
async fn a_public_route_in_a_scope_stays_guarded_where_a_pattern_of_another_scope_matches() {
    // `/pages/{number:\d+}` does not match the text `/pages/{slug}`, but both match `/pages/42`.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(host_scope("www.example.com").service(pages::page))
            .service(host_scope("admin.example.com").service(legal::admin_numbered));
    });
    let reply = browser
        .send(on_host("/pages/42", "admin.example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_ne!(reply.body, "admin numbered");
    let reply = browser
        .send(on_host("/pages/contact", "www.example.com"))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "page contact")
    );
}

mod drafts {
    use super::*;

    /// Public, for `GET` alone.
    #[login_not_required]
    #[get("/files")]
    pub async fn list_files() -> impl Responder {
        "files"
    }

    /// Public, for `PUT`, at another path.
    #[login_not_required]
    #[actix_web::put("/drafts")]
    pub async fn put_draft() -> impl Responder {
        "draft"
    }

    /// Guarded, for `PUT`, at the path of `list_files`.
    #[actix_web::put("/files")]
    pub async fn upload_file() -> impl Responder {
        "uploaded"
    }
}

#[actix_web::test]
async fn a_method_goes_on_past_a_public_route_to_the_routes_of_its_pattern_only() {
    // A `PUT /files` passes over `list_files` (GET) and `put_draft` (another path) to the
    // guarded `upload_file`: `put_draft`'s `PUT` must not admit it.
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(drafts::list_files)
            .service(drafts::put_draft)
            .service(drafts::upload_file);
    });
    let reply = browser.send(TestRequest::put().uri("/files")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_ne!(reply.body, "uploaded");
    assert_eq!(browser.get("/files").await.body, "files");
    let reply = browser.send(TestRequest::put().uri("/drafts")).await;
    assert_eq!(reply.body, "draft");
}

/// A service matching every path under `/docs`, as actix-files' `Files` registers itself.
struct Docs;

impl actix_web::dev::HttpServiceFactory for Docs {
    fn register(self, config: &mut actix_web::dev::AppService) {
        let service = actix_web::dev::fn_service(|req: actix_web::dev::ServiceRequest| async {
            let body = format!("docs {}", req.path());
            Ok(req.into_response(actix_web::HttpResponse::Ok().body(body)))
        });
        let prefix = actix_web::dev::ResourceDef::root_prefix("/docs");
        config.register_service(prefix, None, service, None);
    }
}

mod manuals {
    use super::*;

    /// Public: the manuals, on one host.
    #[login_not_required]
    #[get("/docs/{page}")]
    pub async fn manual(page: web::Path<String>) -> impl Responder {
        format!("manual {page}")
    }
}

#[actix_web::test]
async fn a_prefix_service_of_another_scope_counts_for_the_paths_under_it() {
    let mut browser = app!(|cfg: &mut web::ServiceConfig| {
        cfg.service(login_page)
            .service(log_in)
            .service(host_scope("www.example.com").service(manuals::manual))
            .service(host_scope("admin.example.com").service(Docs));
    });
    // The other host's prefix service matches `/docs/guide`: not public there, nor here.
    let reply = browser
        .send(on_host("/docs/guide", "admin.example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    // Logged in, the prefix service is found, not taken for a URL no route matches.
    let reply = browser.send(TestRequest::post().uri("/login")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = browser
        .send(on_host("/docs/a/b.pdf", "admin.example.com"))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "docs /docs/a/b.pdf")
    );
}
