//! Where a checkpoint redirects: a fixed path, or a named route resolved per request
//! (Flask-Imp's `lazy_url_for`).

use std::{borrow::Cow, sync::Arc};

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

/// The session key under which a login redirect leaves the refused request's URL when the
/// manager keeps `next` in the session (Flask-Login's `USE_SESSION_FOR_NEXT`, same key).
pub const NEXT_KEY: &str = "next";

/// Where a login redirect puts the URL of the request it refuses (Flask-Login's `next`), and on
/// which host it lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Next<'a> {
    /// The query field (Flask-Login's `next_field`, `"next"`), or `None` for the session
    /// ([`NEXT_KEY`]).
    pub(crate) field: Option<&'a str>,
    /// The host (and port) the redirect goes to instead of the target's (Flask-Login's
    /// `FORCE_HOST_FOR_REDIRECTS`).
    pub(crate) force_host: Option<&'a str>,
}

/// A checkpoint's redirect: `302 Found` to `target` resolved for `req` (with the request's URL
/// as `next`, for a login view), after flashing `message` (a message and its category). The
/// target is resolved first, so that nothing is flashed for a redirect that cannot happen.
pub(crate) fn redirect(
    req: &HttpRequest,
    target: RedirectTarget,
    next: Option<&Next<'_>>,
    message: Option<(&str, &str)>,
    probe: &SessionProbe,
) -> Result<HttpResponse, CheckpointError> {
    let mut location = target.resolve(req)?;
    if let Some(next) = next {
        let refused = RefusedUrl(req);
        let value = next_value(&location, &refused);
        match next.field {
            Some(field) => add_query(&mut location, field, &value),
            None => {
                probe.verify(req)?;
                req.get_session()
                    .insert(NEXT_KEY, value.as_ref())
                    .map_err(CheckpointError::session_write)?;
                session_probe::watch_write(req, "The next URL");
            }
        }
        if let Some(host) = next.force_host {
            location = with_host(&location, host)?;
        }
    }
    let response = found(&location)?;
    if let Some((message, category)) = message {
        probe.verify(req)?;
        flash(&req.get_session(), message, category)?;
        session_probe::watch_write(req, "A flash message");
    }
    Ok(response)
}

/// A URL to come back to: the refused request's, or one an app passes to [`login_url`].
trait CurrentUrl {
    /// Its path and query.
    fn path_and_query(&self) -> Cow<'_, str>;
    /// The whole URL, when it has an origin.
    fn absolute(&self) -> Option<url::Url>;
}

/// The URL of the request a login check refused.
struct RefusedUrl<'a>(&'a HttpRequest);

impl CurrentUrl for RefusedUrl<'_> {
    fn path_and_query(&self) -> Cow<'_, str> {
        let req = self.0;
        Cow::Borrowed(
            req.uri()
                .path_and_query()
                .map_or_else(|| req.path(), |path_and_query| path_and_query.as_str()),
        )
    }

    fn absolute(&self) -> Option<url::Url> {
        let info = self.0.connection_info();
        url::Url::parse(&format!(
            "{}://{}{}",
            info.scheme(),
            info.host(),
            self.path_and_query()
        ))
        .ok()
    }
}

impl CurrentUrl for &str {
    fn path_and_query(&self) -> Cow<'_, str> {
        match url::Url::parse(self) {
            Ok(url) => {
                Cow::Owned(url[url::Position::BeforePath..url::Position::AfterQuery].to_owned())
            }
            Err(_) => Cow::Borrowed(self),
        }
    }

    fn absolute(&self) -> Option<url::Url> {
        url::Url::parse(self).ok()
    }
}

/// What `next` says to a login view at `login` (Flask-Login's `make_next_param`): the path and
/// query of `current` when the view is on the same origin (or on no origin of its own, a path),
/// else the whole URL, so that a login service elsewhere can send the browser back.
fn next_value<'c>(login: &str, current: &'c impl CurrentUrl) -> Cow<'c, str> {
    let Ok(login) = url::Url::parse(login) else {
        // A path (or a protocol-relative URL, which keeps the request's scheme): this origin.
        if !login.starts_with("//") {
            return current.path_and_query();
        }
        return match current.absolute() {
            Some(current) if login[2..].split('/').next() == current.host_str() => {
                Cow::Owned(current[url::Position::BeforePath..url::Position::AfterQuery].to_owned())
            }
            Some(current) => Cow::Owned(current.into()),
            None => current.path_and_query(),
        };
    };
    match current.absolute() {
        Some(current) if current.origin() != login.origin() => Cow::Owned(current.into()),
        _ => current.path_and_query(),
    }
}

/// Adds `field=<value>` to the query of `location`, percent-encoded as a query value (so no
/// control character, `&` or `#` of the value survives into it).
fn add_query(location: &mut String, field: &str, value: &str) {
    let fragment = location.find('#').map(|at| location.split_off(at));
    location.push(if location.contains('?') { '&' } else { '?' });
    location.extend(form_urlencoded::byte_serialize(field.as_bytes()));
    location.push('=');
    location.extend(form_urlencoded::byte_serialize(value.as_bytes()));
    location.push_str(fragment.as_deref().unwrap_or(""));
}

/// `location` on `host` (`example.com` or `example.com:8443`): a path becomes protocol-relative
/// (`//host/path`), as with Flask-Login's `FORCE_HOST_FOR_REDIRECTS`.
fn with_host(location: &str, host: &str) -> Result<String, CheckpointError> {
    let invalid = || CheckpointError::InvalidRedirect {
        location: format!("{host} + {location}").escape_debug().to_string(),
    };
    let mut url = match url::Url::parse(location) {
        Ok(url) => url,
        Err(_) if location.starts_with('/') && !location.starts_with("//") => {
            let url =
                url::Url::parse(&format!("http://{host}{location}")).map_err(|_| invalid())?;
            return Ok(format!("//{}", &url[url::Position::BeforeHost..]));
        }
        Err(_) => return Err(invalid()),
    };
    let port = |port: &str| port.parse::<u16>().map_err(|_| invalid());
    let (name, port) = match host.strip_prefix('[') {
        // `[v6]` or `[v6]:port`.
        Some(bracketed) => {
            let (address, after) = bracketed.split_once(']').ok_or_else(invalid)?;
            let name = &host[..address.len() + 2];
            match after {
                "" => (name, None),
                _ => (
                    name,
                    Some(port(after.strip_prefix(':').ok_or_else(invalid)?)?),
                ),
            }
        }
        None => match host.rsplit_once(':') {
            Some((name, number)) => (name, Some(port(number)?)),
            None => (host, None),
        },
    };
    url.set_host(Some(name)).map_err(|_| invalid())?;
    url.set_port(port).map_err(|()| invalid())?;
    Ok(url.into())
}

/// The URL of a login view (Flask-Login's `login_url(login_view, next_url, next_field)`): `view`
/// resolved for `req`, with `next` (if given) in its query under `next_field`, as the path and
/// query alone when the view is on the same origin as `next` (or `next` is a path), else whole.
///
/// # Errors
/// [`CheckpointError::UnknownRoute`] when `view` names no route of the app.
///
/// ```
/// use actix_web::{test::TestRequest, HttpRequest};
/// use checkpoint_runtime::{login_url, RedirectTarget};
///
/// let req = TestRequest::get().uri("/account").to_http_request();
/// let url = login_url(&req, RedirectTarget::Path("/login"), Some("/account?tab=2"), "return_to");
/// assert_eq!(url.unwrap(), "/login?return_to=%2Faccount%3Ftab%3D2");
/// let sso = RedirectTarget::Path("https://sso.example.com/login");
/// let url = login_url(&req, sso, Some("https://app.example.com/account"), "next");
/// assert_eq!(url.unwrap(), "https://sso.example.com/login?next=https%3A%2F%2Fapp.example.com%2Faccount");
/// ```
pub fn login_url(
    req: &HttpRequest,
    view: RedirectTarget,
    next: Option<&str>,
    next_field: &str,
) -> Result<String, CheckpointError> {
    let mut location = view.resolve(req)?;
    if let Some(next) = next {
        let value = next_value(&location, &next);
        add_query(&mut location, next_field, &value);
    }
    Ok(location)
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
            let req = TestRequest::get().uri(uri).to_http_request();
            let value = next_value(&location.clone(), &RefusedUrl(&req)).into_owned();
            add_query(&mut location, "next", &value);
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

    #[actix_web::test]
    async fn a_route_argument_cannot_make_the_path_protocol_relative() {
        let app = actix_web::test::init_service(
            App::new().service(web::resource("/{page}").name("page").to(HttpResponse::Ok)),
        )
        .await;
        let req = TestRequest::get().uri("/x").to_request();
        let res = actix_web::test::call_service(&app, req).await;
        let req = res.request();
        let page = |arg: &'static [&'static str]| url_for("page").with_args(arg).resolve(req);
        assert_eq!(page(&["home"]).unwrap(), "/home");
        for hostile in [&["/evil.example"][..], &["\\evil.example"]] {
            assert!(
                matches!(page(hostile), Err(CheckpointError::InvalidRedirect { .. })),
                "{hostile:?}: {:?}",
                page(hostile)
            );
        }
    }

    #[test]
    fn next_is_the_whole_url_only_for_a_login_view_on_another_origin() {
        let req = TestRequest::get()
            .uri("/a?b=1")
            .insert_header(("host", "app.example"))
            .to_http_request();
        let next = |login: &str| next_value(login, &RefusedUrl(&req)).into_owned();
        assert_eq!(next("/login"), "/a?b=1");
        assert_eq!(next("http://app.example/login"), "/a?b=1");
        assert_eq!(
            next("https://app.example/login"),
            "http://app.example/a?b=1",
            "another scheme"
        );
        assert_eq!(next("http://sso.example/login"), "http://app.example/a?b=1");
        assert_eq!(
            next("http://app.example:8080/login"),
            "http://app.example/a?b=1"
        );
        assert_eq!(next("//app.example/login"), "/a?b=1");
        assert_eq!(next("//sso.example/login"), "http://app.example/a?b=1");
        // Given by the app: a path stays a path.
        assert_eq!(next_value("https://sso.example/l", &"/x?y"), "/x?y");
        assert_eq!(next_value("/l", &"https://app.example/x?y"), "/x?y");
        assert_eq!(
            next_value("https://sso.example/l", &"https://app.example/x?y"),
            "https://app.example/x?y",
            "another origin: the whole URL"
        );
    }

    #[test]
    fn a_forced_host_replaces_the_targets() {
        assert_eq!(
            with_host("/login?next=%2F", "example.com").unwrap(),
            "//example.com/login?next=%2F"
        );
        assert_eq!(
            with_host("https://old.example/login", "example.com:8443").unwrap(),
            "https://example.com:8443/login"
        );
        assert_eq!(
            with_host("https://old.example/login", "[::1]").unwrap(),
            "https://[::1]/login"
        );
        assert_eq!(
            with_host("https://old.example/login", "[::1]:8443").unwrap(),
            "https://[::1]:8443/login"
        );
        assert!(with_host("https://old.example/login", "[::1]x").is_err());
        assert!(
            with_host("//old.example/login", "example.com").is_err(),
            "a protocol-relative target is not a path"
        );
        assert!(with_host("/login", "bad host").is_err());
        assert!(with_host("https://old.example/login", "example.com:port").is_err());
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
