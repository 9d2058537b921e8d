//! The `next` a `#[login_required]` redirect carries, against a large generated corpus of hostile
//! request targets: the redirect always stays on the login view, `next` is exactly one query
//! value that decodes back to the request's own path and query, and `is_safe_redirect` refuses
//! every decoded `next` that a login handler must not follow.

mod common;

use actix_identity::IdentityMiddleware;
use actix_web::{get, http::StatusCode, test, App, HttpResponse, Responder};
use checkpoint_runtime::{is_safe_redirect, login_required, LoginManager, RedirectTarget};

#[get("/{tail:.*}")]
#[login_required]
async fn anything() -> impl Responder {
    HttpResponse::Ok().finish()
}

/// Request targets built from hostile pieces: every one starts with `/` (an HTTP request line
/// carries an origin-form target), the rest tries to break out of the `next` value or to make
/// a login handler follow it off-site.
fn corpus() -> Vec<String> {
    let heads = [
        "/",
        "//",
        "///",
        "/\\",
        "/%2F",
        "/%2f%2f",
        "/%5C",
        "/%5c%5c",
        "/%252F",
        "/.",
        "/..",
        "/%09/",
        "/%0d%0a",
        "/%E2%88%95",
    ];
    let hosts = [
        "evil.example",
        "@evil.example",
        "evil.example:443",
        "user:pw@evil.example",
        "",
    ];
    let paths = ["", "/", "/x", "/%2e%2e/", "/;a=b", "/%00"];
    let queries = [
        "",
        "?next=//evil.example",
        "?a=1&next=https://evil.example",
        "?%0d%0aSet-Cookie:%20x=1",
        "?x=%26next%3D%2F%2Fevil",
        "?javascript:alert(1)",
        "?a=%23frag",
        "?=",
        "?&&&",
        "?%FF%FE",
    ];
    let mut targets = Vec::new();
    for head in heads {
        for host in hosts {
            for path in paths {
                for query in queries {
                    targets.push(format!("{head}{host}{path}{query}"));
                }
            }
        }
    }
    targets
}

#[actix_web::test]
async fn next_never_leaves_the_site_and_round_trips_the_request() {
    let app = test::init_service(
        App::new()
            .app_data(LoginManager::new().login_view(RedirectTarget::Path("/login")))
            .wrap(IdentityMiddleware::default())
            .wrap(common::sessions().await)
            .service(anything),
    )
    .await;

    let targets = corpus();
    let mut sent = 0;
    let mut followable = 0;
    for target in &targets {
        // Some targets are not valid request URIs at all; actix never sees those.
        let Ok(uri) = target.parse::<actix_web::http::Uri>() else {
            continue;
        };
        let Some(path_and_query) = uri.path_and_query().map(|pq| pq.as_str().to_owned()) else {
            continue;
        };
        sent += 1;
        let request = test::TestRequest::get().uri(target).to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{target}");
        let location = response
            .headers()
            .get("location")
            .expect("a Location")
            .to_str()
            .expect("a visible-ASCII Location")
            .to_owned();

        let base = url::Url::parse("https://site.example/members").unwrap();
        let resolved = base.join(&location).expect("a relative reference");
        assert_eq!(
            (resolved.host_str(), resolved.path()),
            (Some("site.example"), "/login"),
            "{target} -> {location}"
        );
        let query = location
            .strip_prefix("/login?")
            .unwrap_or_else(|| panic!("{target}: not the login view: {location}"));
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        assert_eq!(
            pairs.len(),
            1,
            "{target}: exactly one parameter in {location}"
        );
        let (key, next) = &pairs[0];
        assert_eq!(key, "next", "{target}");
        assert_eq!(
            *next, path_and_query,
            "{target}: next round-trips the request"
        );

        // What a login handler does with it: follow only what `is_safe_redirect` accepts, and
        // what it accepts resolves on the site.
        if is_safe_redirect(next) {
            followable += 1;
            let joined = base.join(next).expect("a relative reference");
            assert_eq!(joined.host_str(), Some("site.example"), "{target}: {next}");
            assert_eq!(joined.scheme(), "https", "{target}: {next}");
        }
    }
    assert!(
        sent > 3_000,
        "the corpus reached actix: {sent} of {}",
        targets.len()
    );
    assert!(
        followable > 0 && followable < sent,
        "{followable} of {sent} followable"
    );
}
