//! The CSRF field of a multipart form is read as `multer` reads it: over a corpus of valid and
//! invalid `multipart/form-data` bodies, `#[include_csrf]` passes exactly those in which `multer`
//! finds one `csrf` field holding the session's token, and the handler always receives the body
//! as it was sent.

mod common;

use actix_web::{get, http::StatusCode, post, test, web, Responder};
use bytes::Bytes;
use checkpoint_runtime::include_csrf;

#[get("/form")]
#[include_csrf]
async fn form(session: actix_session::Session) -> impl Responder {
    session
        .get::<String>("csrf")
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[post("/form")]
#[include_csrf]
async fn submit(body: web::Bytes) -> impl Responder {
    body
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form).service(submit);
}

/// The verdict of `multer` itself: exactly one field `csrf`, holding `token`.
async fn multer_verdict(body: &[u8], boundary: &str, token: &str) -> bool {
    let body = Bytes::copy_from_slice(body);
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut values = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let is_csrf = field.name() == Some("csrf");
                let Ok(content) = field.bytes().await else {
                    return false;
                };
                if is_csrf {
                    values.push(content);
                }
            }
            Ok(None) => break,
            Err(_) => return false,
        }
    }
    matches!(&values[..], [value] if value == token.as_bytes())
}

/// Multipart bodies with boundary `XyZ`, built around the token: every shape browsers and
/// libraries send, and broken ones.
fn corpus(token: &str) -> Vec<(&'static str, Vec<u8>)> {
    let part = |name: &str, value: &str| {
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let csrf = part("csrf", token);
    let note = part("note", "hello");
    let end = "--XyZ--\r\n";
    let many_headers: String = (0..9).map(|i| format!("X-Extra-{i}: {i}\r\n")).collect();
    let cases: Vec<(&'static str, String)> = vec![
        ("the token alone", format!("{csrf}{end}")),
        ("among other fields", format!("{note}{csrf}{note}{end}")),
        ("with a preamble and an epilogue", format!("preamble\r\n{csrf}{end}epilogue")),
        ("after a file", format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nline one\r\nline two\r\n{csrf}{end}"
        )),
        ("whitespace after the boundary line", format!(
            "--XyZ  \r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n{end}"
        )),
        ("the boundary text inside a field's content", format!(
            "{}{csrf}{end}", part("note", "see --XyZ here")
        )),
        ("a part with nine headers", format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n{many_headers}\r\n{token}\r\n{end}"
        )),
        ("the name in lower-case headers", format!(
            "--XyZ\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n{end}"
        )),
        ("twice", format!("{csrf}{csrf}{end}")),
        ("a wrong token", format!("{}{end}", part("csrf", "f00"))),
        ("an empty token", format!("{}{end}", part("csrf", ""))),
        ("no csrf field", format!("{note}{end}")),
        ("another boundary", format!("{}{end}", csrf.replace("XyZ", "AbC"))),
        ("no closing delimiter", csrf.clone()),
        ("no blank line after the headers", format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n{token}\r\n{end}"
        )),
        ("no Content-Disposition", format!("--XyZ\r\nX-Name: csrf\r\n\r\n{token}\r\n{end}")),
        ("garbage", "not multipart at all".to_owned()),
        ("empty", String::new()),
        ("the token with a trailing newline", format!("{}{end}", part("csrf", &format!("{token}\r\n")))),
    ];
    cases
        .into_iter()
        .map(|(name, body)| (name, body.into_bytes()))
        .collect()
}

#[actix_web::test]
async fn include_csrf_agrees_with_multer_on_every_body() {
    let mut browser = browser!(routes);
    let token = browser.get("/form").await.body;
    assert_eq!(token.len(), 64);
    let mut passed = Vec::new();
    for (case, body) in corpus(&token) {
        let expected = multer_verdict(&body, "XyZ", &token).await;
        let post = test::TestRequest::post()
            .uri("/form")
            .insert_header(("content-type", "multipart/form-data; boundary=XyZ"))
            .set_payload(body.clone());
        let reply = browser.send(post).await;
        let status = if expected {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(reply.status, status, "{case}");
        if expected {
            assert_eq!(
                reply.body.as_bytes(),
                &body[..],
                "{case}: the body reaches the handler whole"
            );
            passed.push(case);
        }
    }
    // The valid bodies a hand-written parser refused are among those that pass.
    for case in [
        "whitespace after the boundary line",
        "the boundary text inside a field's content",
        "a part with nine headers",
    ] {
        assert!(passed.contains(&case), "{case} passes");
    }
}
