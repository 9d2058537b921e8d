//! Hostile headers and query strings against the API-key and bearer checkpoints, and hostile
//! redirect targets: every request is refused (or accepted exactly when it carries the right
//! credential), nothing panics, the handler's body never runs on a refusal, and no CR or LF
//! reaches a `Location` header.

mod common;

use std::cell::Cell;

use actix_web::{
    get,
    http::{
        header::{self, HeaderName, HeaderValue},
        StatusCode,
    },
    test, web, App, Responder,
};
use checkpoint_runtime::{
    checkpoint, is_safe_redirect, url_for, Action, AllowedValue, RedirectTarget, SessionCheckpoint,
};

thread_local! {
    // Per thread: each test runs its app on its own thread, in parallel with the others.
    static BODY_RUNS: Cell<usize> = const { Cell::new(0) };
}

fn body_ran() -> &'static str {
    BODY_RUNS.set(BODY_RUNS.get() + 1);
    "body ran"
}

fn body_runs() -> usize {
    BODY_RUNS.get()
}

const API_KEY: &str = "s3cret-Key_1";
/// A key with characters that query encoding changes: `+`, a space, `%` and `&`.
const QUERY_KEY: &str = "a+b c%&d";
const BEARER_TOKEN: &str = "t0ken-XYZ";
/// A key holding U+FFFD, what a lossy decoding makes of bytes that are not UTF-8.
const REPLACEMENT_KEY: &str = "k\u{fffd}y";

#[get("/key/header")]
#[checkpoint(api_key = API_KEY, header = "x-api-key", fail_status = 401)]
async fn key_in_header() -> impl Responder {
    body_ran()
}

#[get("/key/query")]
#[checkpoint(api_key = QUERY_KEY, query = "api_key", fail_status = 401)]
async fn key_in_query() -> impl Responder {
    body_ran()
}

#[get("/key/replacement")]
#[checkpoint(api_key = REPLACEMENT_KEY, query = "api_key", fail_status = 401)]
async fn key_with_replacement_character() -> impl Responder {
    body_ran()
}

#[get("/bearer")]
#[checkpoint(bearer = BEARER_TOKEN, fail_status = 401)]
async fn bearer() -> impl Responder {
    body_ran()
}

/// A redirect whose route argument tries to split the response.
const CRLF_IN_ROUTE_ARG: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]).action(
        Action::new()
            .fail_url(url_for("user").with_args(&["a\r\nSet-Cookie: x=1"]))
            .message("Login required"),
    );

/// The same, percent-encoded.
const ENCODED_CRLF_IN_ROUTE_ARG: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)])
        .action(Action::new().fail_url(url_for("user").with_args(&["a%0D%0ASet-Cookie:%20x=1"])));

/// A fixed path with CR LF: it cannot be a header value.
const CRLF_IN_PATH: SessionCheckpoint =
    SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)])
        .action(Action::new().fail_url(RedirectTarget::Path("/a\r\nSet-Cookie: x=1")));

/// A plain redirect to a route of this app.
const TO_USER: SessionCheckpoint = SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)])
    .action(Action::new().fail_url(url_for("user").with_args(&["42"])));

#[get("/redirect/crlf")]
#[checkpoint(CRLF_IN_ROUTE_ARG)]
async fn crlf_in_route_arg() -> impl Responder {
    body_ran()
}

#[get("/redirect/encoded-crlf")]
#[checkpoint(ENCODED_CRLF_IN_ROUTE_ARG)]
async fn encoded_crlf_in_route_arg() -> impl Responder {
    body_ran()
}

#[get("/redirect/crlf-path")]
#[checkpoint(CRLF_IN_PATH)]
async fn crlf_in_path() -> impl Responder {
    body_ran()
}

#[get("/redirect/user")]
#[checkpoint(TO_USER)]
async fn to_user() -> impl Responder {
    body_ran()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(key_in_header)
        .service(key_in_query)
        .service(key_with_replacement_character)
        .service(bearer)
        .service(crlf_in_route_arg)
        .service(encoded_crlf_in_route_arg)
        .service(crlf_in_path)
        .service(to_user)
        .service(
            web::resource("/users/{id}")
                .name("user")
                .to(|| async { body_ran() }),
        )
        .service(
            web::scope("/scoped-crlf")
                .wrap(CRLF_IN_ROUTE_ARG)
                .route("/page", web::get().to(|| async { body_ran() })),
        )
        .service(
            web::scope("/scoped-encoded-crlf")
                .wrap(ENCODED_CRLF_IN_ROUTE_ARG)
                .route("/page", web::get().to(|| async { body_ran() })),
        )
        .service(
            web::scope("/scoped-crlf-path")
                .wrap(CRLF_IN_PATH)
                .route("/page", web::get().to(|| async { body_ran() })),
        );
}

fn get(uri: &str) -> test::TestRequest {
    test::TestRequest::get().uri(uri)
}

/// `request` with the header `name` set to each of `values` in turn (so repeated when several).
fn with_headers(uri: &str, name: &'static str, values: &[&[u8]]) -> test::TestRequest {
    values.iter().fold(get(uri), |request, value| {
        let value = HeaderValue::from_bytes(value).expect("a valid header value");
        request.append_header((HeaderName::from_static(name), value))
    })
}

/// 64 KiB of `byte`.
fn huge(byte: u8) -> Vec<u8> {
    vec![byte; 64 * 1024]
}

macro_rules! assert_refused {
    ($browser:expr, $request:expr, $why:expr) => {{
        let before = body_runs();
        let reply = $browser.send($request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", $why);
        assert_ne!(reply.body, "body ran", "{}", $why);
        assert_eq!(body_runs(), before, "the body ran: {}", $why);
    }};
}

macro_rules! assert_accepted {
    ($browser:expr, $request:expr, $why:expr) => {{
        let before = body_runs();
        let reply = $browser.send($request).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "body ran"),
            "{}",
            $why
        );
        assert_eq!(body_runs(), before + 1, "{}", $why);
    }};
}

#[actix_web::test]
async fn api_key_headers_pass_only_when_exactly_right() {
    let mut browser = browser!(routes);
    let uri = "/key/header";
    let key = API_KEY.as_bytes();
    assert_accepted!(browser, with_headers(uri, "x-api-key", &[key]), "the key");
    assert_accepted!(
        browser,
        get(uri).insert_header(("X-API-KEY", API_KEY)),
        "header names are case-insensitive"
    );

    let huge_key: Vec<u8> = key.iter().copied().cycle().take(64 * 1024).collect();
    let key_then_huge = [key, &huge(b'a')].concat();
    let non_utf8_end = [key, b"\xff"].concat();
    let non_utf8_start = [b"\xff", key].concat();
    let latin1_space = [key, b"\xa0"].concat();
    let refused: &[(&[&[u8]], &str)] = &[
        (&[], "no header"),
        (&[b""], "empty"),
        (&[&huge(b'a')], "64 KiB of junk"),
        (&[&huge_key], "the key repeated to 64 KiB"),
        (&[&key_then_huge], "the key followed by 64 KiB"),
        (&[&non_utf8_end], "the key then a byte that is not UTF-8"),
        (&[&non_utf8_start], "a byte that is not UTF-8 then the key"),
        (&[&latin1_space], "the key then a Latin-1 no-break space"),
        (&[b"\xff\xfe\x80"], "not UTF-8 at all"),
        (&[key, key], "the right key twice"),
        (&[key, b"wrong"], "the right key, then a wrong one"),
        (&[b"wrong", key], "a wrong key, then the right one"),
        (&[b"s3cret-Key_"], "a prefix of the key"),
        (&[b"s3cret-Key_12"], "the key extended"),
        (&[b"S3CRET-KEY_1"], "the key in capitals"),
        (&[b" s3cret-Key_1"], "a leading space"),
        (&[b"s3cret-Key_1 "], "a trailing space"),
        (&[b"s3cret-Key_1\t"], "a trailing tab"),
        (&[b"\ts3cret-Key_1"], "a leading tab"),
        (
            &[b"s3cret-Key_1, s3cret-Key_1"],
            "the key twice in one value",
        ),
        (&[b"\"s3cret-Key_1\""], "the key quoted"),
        (&[b"Bearer s3cret-Key_1"], "a scheme before the key"),
    ];
    for (values, why) in refused {
        assert_refused!(browser, with_headers(uri, "x-api-key", values), why);
    }
    assert_refused!(
        browser,
        with_headers(uri, "x-api-key-2", &[key]),
        "another header"
    );
    assert_refused!(
        browser,
        get("/key/header?x-api-key=s3cret-Key_1"),
        "the key in the query instead"
    );
    assert_refused!(
        browser,
        with_headers(uri, "authorization", &[b"Bearer s3cret-Key_1"]),
        "the key as a bearer token instead"
    );
}

#[actix_web::test]
async fn bearer_credentials_pass_only_in_the_one_well_formed_shape() {
    let mut browser = browser!(routes);
    let uri = "/bearer";
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let credentials = format!("{scheme} {BEARER_TOKEN}");
        assert_accepted!(
            browser,
            with_headers(uri, "authorization", &[credentials.as_bytes()]),
            credentials
        );
    }

    let right: &[u8] = b"Bearer t0ken-XYZ";
    let huge_token = [b"Bearer ", &huge(b'a')[..]].concat();
    let token_then_huge = [right, &huge(b'a')].concat();
    let huge_spaces = [b"Bearer", &huge(b' ')[..], b"t0ken-XYZ"].concat();
    let refused: &[(&[&[u8]], &str)] = &[
        (&[], "no header"),
        (&[b""], "empty"),
        (&[b"Bearer"], "no token"),
        (&[b"Bearer "], "no token after the space"),
        (&[b"Bearer  "], "two spaces, no token"),
        (&[b"Bearer  t0ken-XYZ"], "two spaces"),
        (&[b"Bearer\tt0ken-XYZ"], "a tab for the space"),
        (&[b"Bearer \tt0ken-XYZ"], "a space and a tab"),
        (&[b"Bearer t0ken-XYZ "], "a trailing space"),
        (&[b"Bearer t0ken-XYZ\t"], "a trailing tab"),
        (&[b" Bearer t0ken-XYZ"], "a leading space"),
        (&[b"\tBearer t0ken-XYZ"], "a leading tab"),
        (&[b"Bearert0ken-XYZ"], "no space"),
        (&[b"Bearer: t0ken-XYZ"], "a colon after the scheme"),
        (&[b"Bearer t0ken-XY"], "a prefix of the token"),
        (&[b"Bearer t0ken-XYZZ"], "the token extended"),
        (&[b"Bearer T0KEN-XYZ"], "the token in capitals"),
        (&[b"Bearer \"t0ken-XYZ\""], "the token quoted"),
        (
            &[b"Bearer t0ken-XYZ, Bearer t0ken-XYZ"],
            "two credentials in one value",
        ),
        (&[b"Bearer t0ken-XYZ,"], "a trailing comma"),
        (&[b"Bearer t0ken XYZ"], "a space inside the token"),
        (&[b"Bearer t0ken-XYZ\xff"], "a byte that is not UTF-8"),
        (&[b"Bearer \xa0t0ken-XYZ"], "a Latin-1 no-break space"),
        (
            &[b"Bearer\xc2\xa0t0ken-XYZ"],
            "a UTF-8 no-break space for the space",
        ),
        (
            &[b"Bearer t0ken-XYZ\xc2\xa0"],
            "a trailing UTF-8 no-break space",
        ),
        (&[b"Basic t0ken-XYZ"], "another scheme"),
        (&[b"Token t0ken-XYZ"], "another scheme"),
        (&[b"Bearer-t0ken-XYZ"], "a dash for the space"),
        (&[b"t0ken-XYZ"], "the token alone"),
        (&[&huge_token], "a 64 KiB token"),
        (&[&token_then_huge], "the token followed by 64 KiB"),
        (&[&huge_spaces], "64 KiB of spaces before the token"),
        (&[right, right], "the right header twice"),
        (
            &[right, b"Basic YWxhZGRpbjpvcGVu"],
            "the right header and a Basic one",
        ),
        (
            &[b"Bearer wrong", right],
            "a wrong token, then the right one",
        ),
    ];
    for (values, why) in refused {
        assert_refused!(browser, with_headers(uri, "authorization", values), why);
    }
    assert_refused!(
        browser,
        with_headers(uri, "x-api-key", &[b"t0ken-XYZ"]),
        "the token in another header"
    );
    assert_refused!(
        browser,
        get("/bearer?access_token=t0ken-XYZ"),
        "the token in the query"
    );
}

#[actix_web::test]
async fn query_keys_pass_only_when_they_decode_to_the_key_once() {
    let mut browser = browser!(routes);
    // QUERY_KEY is `a+b c%&d`.
    for query in [
        "api_key=a%2Bb+c%25%26d",
        "api_key=a%2Bb%20c%25%26d",
        "api_key=a%2bb%20c%25%26d",
        "api_key=%61%2B%62%20%63%25%26%64",
        "x=1&api_key=a%2Bb+c%25%26d&y=2",
        "api%5Fkey=a%2Bb+c%25%26d",
        "api_key=a%2Bb+c%25%26d&",
        "&&api_key=a%2Bb+c%25%26d",
    ] {
        assert_accepted!(browser, get(&format!("/key/query?{query}")), query);
    }

    // A URI is at most 64 KiB less two bytes (the `http` crate's limit): 60 KiB fits.
    let huge_query = format!("/key/query?api_key={}", "a".repeat(60 * 1024));
    let huge_after = format!("/key/query?api_key=a%2Bb+c%25%26d{}", "a".repeat(60 * 1024));
    let refused = [
        ("/key/query", "no query"),
        ("/key/query?", "an empty query"),
        ("/key/query?api_key", "no value"),
        ("/key/query?api_key=", "an empty value"),
        ("/key/query?api_key=a+b+c%25%26d", "`+` decodes to a space"),
        ("/key/query?api_key=a%2Bb%2Bc%25%26d", "`+` for the space"),
        ("/key/query?api_key=a%2Bb+c%&d", "a raw `%` and `&`"),
        ("/key/query?api_key=a%2Bb+c%25", "a prefix of the key"),
        ("/key/query?api_key=a%2Bb+c%25%26dd", "the key extended"),
        ("/key/query?api_key=A%2BB+C%25%26D", "the key in capitals"),
        ("/key/query?api_key=a%252Bb+c%2525%2526d", "double encoding"),
        (
            "/key/query?api_key=a%2Bb+c%25%26d%00",
            "a NUL after the key",
        ),
        (
            "/key/query?api_key=a%2Bb+c%25%26d%FF",
            "the key then a byte that is not UTF-8",
        ),
        ("/key/query?api_key=%FF%FE", "not UTF-8 at all"),
        (
            "/key/query?api_key=a%2Bb+c%25%26d&api_key=a%2Bb+c%25%26d",
            "the key twice",
        ),
        (
            "/key/query?api_key=wrong&api_key=a%2Bb+c%25%26d",
            "a wrong key, then the right one",
        ),
        (
            "/key/query?api_key=a%2Bb+c%25%26d&api_key=",
            "the key, then an empty one",
        ),
        (
            "/key/query?api_key=a%2Bb+c%25%26d&api_key",
            "the key, then a bare name",
        ),
        (
            "/key/query?api_key=wrong&api%5Fkey=a%2Bb+c%25%26d",
            "repeated once decoded",
        ),
        (
            "/key/query?api%5Fkey=a%2Bb+c%25%26d&api_key=a%2Bb+c%25%26d",
            "repeated once decoded",
        ),
        ("/key/query?API_KEY=a%2Bb+c%25%26d", "the name in capitals"),
        ("/key/query?api_key%3Da%2Bb+c%25%26d", "the `=` encoded"),
        (
            "/key/query?api_key%5B%5D=a%2Bb+c%25%26d",
            "the name with brackets",
        ),
        ("/key/query?api+key=a%2Bb+c%25%26d", "a space in the name"),
        ("/key/query?=a%2Bb+c%25%26d", "no name"),
        (
            "/key/query?api_key=a%2Bb+c%25%26d;x=1",
            "`;` is not a separator",
        ),
        ("/key/query?api_key=%20a%2Bb+c%25%26d", "a leading space"),
        ("/key/query?api_key=a%2Bb+c%25%26d+", "a trailing space"),
        ("/key/query?api_key=a%2Bb+c%25%26d%09", "a trailing tab"),
        (
            "/key/query?api_key=a%2Bb+c%25%26d%0D%0A",
            "a trailing CR LF",
        ),
        (&huge_query, "a 60 KiB value"),
        (&huge_after, "the key followed by 60 KiB"),
    ];
    for (uri, why) in refused {
        assert_refused!(browser, get(uri), why);
    }
    assert_refused!(
        browser,
        get("/key/query").insert_header(("x-api-key", QUERY_KEY)),
        "the key in a header instead"
    );
}

#[actix_web::test]
async fn a_query_parameter_that_is_not_utf8_never_passes() {
    let mut browser = browser!(routes);
    assert_accepted!(
        browser,
        get("/key/replacement?api_key=k%EF%BF%BDy"),
        "U+FFFD itself, in UTF-8"
    );
    assert_refused!(
        browser,
        get("/key/replacement?api_key=k%FFy"),
        "a byte that is not UTF-8, which decodes lossily to U+FFFD"
    );
}

/// Checks a redirect answer to `uri` for header injection: a 302 whose `Location` holds no CR or
/// LF and is a safe same-site path, or a 500; never an injected `Set-Cookie: x=1`, and never the
/// handler's body.
async fn assert_no_header_injection(uri: &str) -> StatusCode {
    let app =
        test::init_service(App::new().wrap(common::cookie_sessions()).configure(routes)).await;
    let before = body_runs();
    let response = test::call_service(&app, get(uri).to_request()).await;
    let status = response.status();
    assert!(
        status == StatusCode::FOUND || status == StatusCode::INTERNAL_SERVER_ERROR,
        "{uri}: {status}"
    );
    for (name, value) in response.headers() {
        let bytes = value.as_bytes();
        assert!(
            !bytes.contains(&b'\r') && !bytes.contains(&b'\n'),
            "{uri}: {name}: {value:?}"
        );
        if name == header::SET_COOKIE {
            assert!(
                !value.to_str().unwrap_or_default().starts_with("x="),
                "{uri}: an injected cookie {value:?}"
            );
        }
    }
    if let Some(location) = response.headers().get(header::LOCATION) {
        // The URL parser drops CR and LF from a route argument and percent-encodes the space,
        // leaving a harmless path on this site.
        let location = location.to_str().expect("a visible-ASCII Location");
        assert!(
            location.starts_with("/users/") && !location.contains(char::is_whitespace),
            "{uri}: Location {location:?}"
        );
    }
    let body = test::read_body(response).await;
    assert_ne!(&body[..], b"body ran", "{uri}");
    assert_eq!(body_runs(), before, "{uri}: the body ran");
    status
}

#[actix_web::test]
async fn crlf_never_reaches_a_location_header() {
    for uri in [
        "/redirect/crlf",
        "/redirect/encoded-crlf",
        "/redirect/crlf-path",
        "/scoped-crlf/page",
        "/scoped-encoded-crlf/page",
        "/scoped-crlf-path/page",
    ] {
        assert_no_header_injection(uri).await;
    }
    // A fixed path with CR LF cannot be a header value at all: it fails closed.
    assert_eq!(
        assert_no_header_injection("/redirect/crlf-path").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

/// Forged `Host` and `X-Forwarded-Host` headers, from which actix builds a route's absolute URL:
/// the redirect to a route of this app must stay a path on this site whatever they say.
const FORGED_HOSTS: &[&str] = &[
    "evil.example",
    "EVIL.example",
    "evil.example:80",
    "evil.example.",
    "evil.example/",
    "evil.example/x?y",
    "evil.example#",
    "user@evil.example",
    "evil.example:99999",
    "evil.example\\",
    "",
];

async fn redirect_with_forged_host(header_name: &'static str) {
    let mut browser = browser!(routes);
    let mut off_site = Vec::new();
    for host in FORGED_HOSTS {
        let before = body_runs();
        let reply = browser
            .send(get("/redirect/user").insert_header((header_name, *host)))
            .await;
        assert_eq!(body_runs(), before, "{header_name}: {host:?}: the body ran");
        match reply.status {
            StatusCode::FOUND => {
                let location = reply.location.unwrap_or_default();
                if !is_safe_redirect(&location) {
                    off_site.push(format!("{host:?} -> {location:?}"));
                }
            }
            status => assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{header_name}: {host:?}"
            ),
        }
    }
    assert!(
        off_site.is_empty(),
        "{header_name}: redirects sent off-site: {off_site:#?}"
    );
}

#[actix_web::test]
async fn an_exact_forged_host_still_redirects_to_a_path() {
    let mut browser = browser!(routes);
    for header_name in ["host", "x-forwarded-host"] {
        let reply = browser
            .send(get("/redirect/user").insert_header((header_name, "evil.example")))
            .await;
        assert_eq!(
            (reply.status, reply.location.as_deref()),
            (StatusCode::FOUND, Some("/users/42")),
            "{header_name}"
        );
    }
}

#[actix_web::test]
async fn a_forged_host_header_never_sends_the_redirect_off_site() {
    redirect_with_forged_host("host").await;
}

#[actix_web::test]
async fn a_forged_forwarded_host_never_sends_the_redirect_off_site() {
    redirect_with_forged_host("x-forwarded-host").await;
}
