//! Where a checkpoint redirects: a fixed path, or a named route resolved per request
//! (Flask-Imp's `lazy_url_for`).

use std::sync::Arc;

use actix_session::SessionExt;
use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};

use crate::{
    error::CheckpointError,
    response::flash::flash,
    session_probe::{self, SessionProbe},
};

/// The target of a `fail_url` or `pass_url` redirect.
///
/// ```
/// use checkpoint_runtime::{url_for, RedirectTarget};
///
/// const HOME: RedirectTarget = RedirectTarget::Path("/");
/// const LOGIN: RedirectTarget = url_for("login_page");
/// const USER: RedirectTarget = url_for("user_page").with_args(&["42"]);
/// # let _ = (HOME, LOGIN, USER);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectTarget {
    /// A URL or path used as written, such as `"/login"`.
    Path(&'static str),
    /// A named resource of the app (`#[get("/login")] async fn login_page` is named
    /// `login_page`), resolved with [`HttpRequest::url_for`] at request time.
    Route {
        /// The resource name.
        name: &'static str,
        /// The values of the resource's dynamic segments, in order.
        args: &'static [&'static str],
    },
}

/// A redirect to the named resource `name`, resolved at request time: the attribute's
/// `url_for("name")`.
pub const fn url_for(name: &'static str) -> RedirectTarget {
    RedirectTarget::Route { name, args: &[] }
}

impl RedirectTarget {
    /// Sets the values of the route's dynamic segments; a [`RedirectTarget::Path`] is returned
    /// unchanged.
    #[must_use]
    pub const fn with_args(self, args: &'static [&'static str]) -> Self {
        match self {
            Self::Route { name, .. } => Self::Route { name, args },
            path @ Self::Path(_) => path,
        }
    }

    /// The `Location` this target names for `req`.
    ///
    /// A route of this app resolves to its path and query only: [`HttpRequest::url_for`] builds
    /// absolute URLs from the `Host` and `X-Forwarded-Host` headers, which a client controls, so
    /// a full URL could point off-site. External resources keep their full URL.
    ///
    /// # Errors
    /// [`CheckpointError::UnknownRoute`] when the app has no resource of that name, or the
    /// arguments do not fit its pattern.
    pub fn resolve(&self, req: &HttpRequest) -> Result<String, CheckpointError> {
        match *self {
            Self::Path(path) => Ok(path.to_owned()),
            Self::Route { name, args } => {
                let url =
                    req.url_for(name, args)
                        .map_err(|source| CheckpointError::UnknownRoute {
                            name,
                            source: Arc::new(source),
                        })?;
                // actix-web builds an app route's URL on this very base; an external resource
                // has an origin of its own. Comparing parsed origins (not header text) keeps a
                // forged `Host` such as `EVIL.example:80` from passing for "external".
                let info = req.connection_info();
                let base = url::Url::parse(&format!("{}://{}", info.scheme(), info.host()));
                if base.map(|base| base.origin()) != Ok(url.origin()) {
                    return Ok(url.into());
                }
                let location = &url[url::Position::BeforePath..url::Position::AfterQuery];
                if location.starts_with("//") || location.starts_with("/\\") {
                    // A route argument beginning with `/` would make this protocol-relative.
                    return Err(CheckpointError::InvalidRedirect {
                        location: location.escape_debug().to_string(),
                    });
                }
                Ok(location.to_owned())
            }
        }
    }
}

/// A checkpoint's redirect: `302 Found` to `target` resolved for `req` (with
/// `next=<the request's path and query>` added to its query when `with_next`), after flashing
/// `message` (a message and its category). The target is resolved first, so that nothing is
/// flashed for a redirect that cannot happen.
pub(crate) fn redirect(
    req: &HttpRequest,
    target: RedirectTarget,
    with_next: bool,
    message: Option<(&str, &str)>,
    probe: &SessionProbe,
) -> Result<HttpResponse, CheckpointError> {
    let mut location = target.resolve(req)?;
    if with_next {
        add_next(&mut location, req);
    }
    let response = found(&location)?;
    if let Some((message, category)) = message {
        probe.verify(req)?;
        flash(&req.get_session(), message, category)?;
        session_probe::watch_write(req, "A flash message");
    }
    Ok(response)
}

/// Adds `next=<the request's path and query>` to the query of `location`, percent-encoded as a
/// query value (so no control character, `&` or `#` of the request survives into it).
fn add_next(location: &mut String, req: &HttpRequest) {
    let original = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path(), |path_and_query| path_and_query.as_str());
    let fragment = location.find('#').map(|at| location.split_off(at));
    location.push(if location.contains('?') { '&' } else { '?' });
    location.push_str("next=");
    location.extend(form_urlencoded::byte_serialize(original.as_bytes()));
    location.push_str(fragment.as_deref().unwrap_or(""));
}

/// A `302 Found` response to `location`.
///
/// # Errors
/// [`CheckpointError::InvalidRedirect`] when `location` cannot be a header value (control
/// characters, for example), so that it can never split the response.
fn found(location: &str) -> Result<HttpResponse, CheckpointError> {
    let value =
        header::HeaderValue::from_str(location).map_err(|_| CheckpointError::InvalidRedirect {
            location: location.escape_debug().to_string(),
        })?;
    Ok(HttpResponse::build(StatusCode::FOUND)
        .insert_header((header::LOCATION, value))
        .finish())
}

#[cfg(test)]
mod tests {
    use actix_web::{test::TestRequest, web, App, HttpResponse};

    use super::*;

    #[actix_web::test]
    async fn routes_resolve_to_a_path_even_behind_a_forged_host() {
        let app = actix_web::test::init_service(
            App::new()
                .service(
                    web::resource("/users/{id}")
                        .name("user")
                        .to(HttpResponse::Ok),
                )
                .external_resource("docs", "https://docs.example.com/{page}"),
        )
        .await;
        let req = TestRequest::get()
            .uri("/users/1")
            .insert_header(("host", "evil.example"))
            .insert_header(("x-forwarded-host", "evil.example"))
            .to_request();
        let res = actix_web::test::call_service(&app, req).await;
        let req = res.request();

        let user = url_for("user").with_args(&["42"]);
        assert_eq!(user.resolve(req).unwrap(), "/users/42");
        let docs = url_for("docs").with_args(&["intro"]);
        assert_eq!(docs.resolve(req).unwrap(), "https://docs.example.com/intro");
        let unknown = url_for("missing").resolve(req).unwrap_err();
        assert!(matches!(
            unknown,
            CheckpointError::UnknownRoute {
                name: "missing",
                ..
            }
        ));
        let source = std::error::Error::source(&unknown).expect("actix-web's error");
        assert!(source
            .downcast_ref::<actix_web::error::UrlGenerationError>()
            .is_some());
        assert_eq!(
            RedirectTarget::Path("/x?y=1").resolve(req).unwrap(),
            "/x?y=1"
        );
    }

    #[test]
    fn next_carries_the_path_and_query_encoded_as_one_value() {
        let next = |location: &str, uri: &str| {
            let mut location = location.to_owned();
            add_next(
                &mut location,
                &TestRequest::get().uri(uri).to_http_request(),
            );
            location
        };
        assert_eq!(
            next("/login", "/a/b?x=1&y=%0d%0a#"),
            "/login?next=%2Fa%2Fb%3Fx%3D1%26y%3D%250d%250a"
        );
        assert_eq!(
            next("/login?lang=en#form", "/p"),
            "/login?lang=en&next=%2Fp#form"
        );
    }

    #[test]
    fn a_location_with_control_characters_is_refused() {
        assert!(found("/ok").is_ok());
        assert!(matches!(
            found("/a\r\nSet-Cookie: x=1"),
            Err(CheckpointError::InvalidRedirect { .. })
        ));
    }
}
