//! Login required by default (Django's `LoginRequiredMiddleware`): `.wrap(LoginRequired::LOGGED_IN)`
//! on the app guards every route, and `#[login_not_required]` on a handler makes its route public.
//!
//! The middleware runs before routing, so it cannot ask which handler will run. Each
//! `#[login_not_required]` handler's route carries a marker (`wrap = ...`, added to its route
//! attribute) that records the route (name, path as written, methods) as mounted when the app
//! builds it, on each worker; the app's `LoginRequired`, built after the routes inside it on the
//! same thread, takes every record made there since the last `LoginRequired` was built: the
//! public handlers this app mounts, not a same-named one of another app, unless that app was
//! built on this thread before, without a `LoginRequired` of its own (a known limit). The middleware resolves a request's path to a route name through
//! the app's resource map, as actix-web's routing would, and lets it through unchecked when that
//! route is a public one and serves the request's method. What the resource map cannot vouch for
//! stays guarded:
//!
//! - a name that two routes of the app share (`index` in two scopes): neither is public;
//! - a route whose name is a public handler's but whose path, as written, is another's;
//! - a method the public route does not serve (a `POST` to the path of a public `GET`), which
//!   actix-web would route to another handler of that path;
//! - for a public route inside a scope, a path that a route of another scope also matches
//!   (`/about` for a public `/{slug}` in one host's scope and an `/about` in another's): the
//!   scope may be behind a guard the map does not show, and routing would go on to the other.
//!
//! Each app checks its public routes once, on its first request, and says in a `warn` event
//! which exemptions it cannot honour and why.

use std::{
    cell::{OnceCell, RefCell},
    collections::HashMap,
};

use actix_web::{
    dev::{ResourceDef, ResourceMap},
    http::Method,
};

use crate::{
    __private::PublicRoute,
    route_tree::{self, Route, APP_ROOT},
};

thread_local! {
    /// The public routes built on this thread since a `LoginRequired` middleware last took them.
    static MOUNTED: RefCell<Vec<PublicRoute>> = const { RefCell::new(Vec::new()) };
}

/// Records `route` as mounted in the app being built on this thread (its marker's work).
pub(crate) fn mounted(route: PublicRoute) {
    MOUNTED.with_borrow_mut(|mounted| mounted.push(route));
}

/// The public routes of one app: the ones built inside its `LoginRequired` middleware, checked
/// against the app's routes on its first request.
#[derive(Debug, Default)]
pub(crate) struct PublicRoutes {
    /// The public routes built on this thread since the last `LoginRequired` was built: an app
    /// builds the routes inside a middleware before the middleware, on the same thread.
    mounted: Vec<PublicRoute>,
    app: OnceCell<AppRoutes>,
}

/// An app's routes, as far as `LoginRequired` needs them.
#[derive(Debug, Default)]
struct AppRoutes {
    /// The public routes, by name: their index in `routes`.
    public: HashMap<String, usize>,
    /// Every route in registration order (routing's), with its methods when public.
    routes: Vec<(Route, Option<Vec<Method>>)>,
    /// For each public route inside a scope (by index in `routes`), what routes of other scopes
    /// match of its paths.
    elsewhere: HashMap<usize, Elsewhere>,
}

/// The paths of a public route in a scope that routes of other scopes match too, which a guard
/// on its scope (a host, a header) could send to them: those stay guarded.
#[derive(Debug, Default)]
struct Elsewhere {
    /// Other scopes' paths without parameters that the public route matches.
    paths: Vec<String>,
    /// Other scopes' patterns with parameters that may match some of the public route's paths.
    patterns: Vec<ResourceDef>,
}

impl Elsewhere {
    /// What of `public`'s paths routes of other scopes of `routes` match; `None` when a pattern
    /// cannot be read back (then no path of it is public).
    fn of(public: &Route, routes: &[(Route, Option<Vec<Method>>)]) -> Option<Self> {
        let own = route_tree::definition(&public.full_patterns, public.prefix)?;
        let own_static = (!own.is_prefix() && own.pattern_iter().all(is_static))
            .then(|| public.full_patterns.clone());
        let mut elsewhere = Self::default();
        for (other, _) in routes
            .iter()
            .filter(|(other, _)| other.scope != public.scope)
        {
            for pattern in &other.full_patterns {
                // A prefix service (`Files`) matches every path under it: a pattern.
                if is_static(pattern) && !other.prefix {
                    if own.is_match(pattern) {
                        elsewhere.paths.push(pattern.clone());
                    }
                    continue;
                }
                let def = route_tree::definition(std::slice::from_ref(pattern), other.prefix)?;
                // A public path without parameters is decided here, once.
                let may_overlap = match &own_static {
                    Some(paths) => paths.iter().any(|path| def.is_match(path)),
                    None => true,
                };
                if may_overlap {
                    elsewhere.patterns.push(def);
                }
            }
        }
        Some(elsewhere)
    }

    /// Whether no route of another scope matches any path of the public route.
    fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.patterns.is_empty()
    }

    /// Whether a route of another scope matches `path`.
    fn matches(&self, path: &str) -> bool {
        self.paths.iter().any(|other| other == path)
            || self.patterns.iter().any(|other| other.is_match(path))
    }
}

/// Whether `pattern` has no parameter, tail or regex: it matches itself alone.
fn is_static(pattern: &str) -> bool {
    !pattern.contains(['{', '}', '*'])
}

impl PublicRoutes {
    /// The public routes of the app whose middleware is being built on this thread: the routes
    /// built before it, taken.
    pub(crate) fn of_app_being_built() -> Self {
        Self {
            mounted: MOUNTED.take(),
            app: OnceCell::new(),
        }
    }

    /// Whether a request for `path` (as routing reads it: percent-decoded) with `method` goes
    /// to a public route of the app of `rmap`.
    ///
    /// The route the path resolves to (the first that matches it, as in routing) decides: a
    /// public route serving `method` admits it, any other route does not. When it is public but
    /// does not serve the method, routing goes on to the next route of its scope, and so does
    /// this, over the routes right after it with the same pattern only: the first of them
    /// serving the method admits the request if it is public; a route that is not public, or of
    /// another pattern, ends the search (its methods, or the paths it matches, are unknown here).
    pub(crate) fn admit(&self, rmap: &ResourceMap, path: &str, method: &Method) -> bool {
        let app = self.app.get_or_init(|| AppRoutes::of(rmap, &self.mounted));
        if app.public.is_empty() {
            return false;
        }
        let Some(&first) = rmap.match_name(path).and_then(|name| app.public.get(name)) else {
            return false;
        };
        let (resolved, _) = &app.routes[first];
        for (index, (route, public)) in app.routes.iter().enumerate().skip(first) {
            if route.scope != resolved.scope || route.full_patterns != resolved.full_patterns {
                return false;
            }
            match public {
                Some(methods) if methods.contains(method) => return !app.elsewhere(index, path),
                Some(_) => {}
                None => return false,
            }
        }
        false
    }
}

impl AppRoutes {
    /// The routes of the app of `rmap`, and which of the `mounted` public routes are its own.
    fn of(rmap: &ResourceMap, mounted: &[PublicRoute]) -> Self {
        if mounted.is_empty() {
            return Self::default();
        }
        let Some(app_routes) = route_tree::routes(rmap) else {
            tracing::error!(
                "the app's routes could not be read from actix-web's resource map, so no \
                 #[login_not_required] route is public: every route requires a login. This \
                 version of actix-web prints its resource map in a form this version of \
                 checkpoint-runtime does not read; please report it"
            );
            return Self::default();
        };
        let methods = decide(mounted, &app_routes);
        let routes: Vec<(Route, Option<Vec<Method>>)> = app_routes
            .into_iter()
            .map(|route| {
                let public = route.name.as_ref().and_then(|name| methods.get(name));
                let public = public.cloned();
                (route, public)
            })
            .collect();
        let public = routes
            .iter()
            .enumerate()
            .filter(|(_, (_, methods))| methods.is_some())
            .filter_map(|(index, (route, _))| Some((route.name.clone()?, index)))
            .collect();
        let elsewhere = routes
            .iter()
            .enumerate()
            .filter(|(_, (route, methods))| methods.is_some() && route.scope != APP_ROOT)
            .map(|(index, (route, _))| {
                let elsewhere = Elsewhere::of(route, &routes);
                match &elsewhere {
                    None => tracing::warn!(
                        route = route.name.as_deref(),
                        "#[login_not_required] on the route {:?} ({}) is not honoured: a route's \
                         pattern, joined to its scope's prefix, cannot be read back (a parameter \
                         name twice, too many parameters), so what other scopes match is unknown",
                        route.name,
                        route.full_patterns.join(", ")
                    ),
                    Some(shared) if !shared.is_empty() => tracing::warn!(
                        route = route.name.as_deref(),
                        "#[login_not_required] on the route {:?} ({}) is not honoured for the \
                         paths a route of another scope matches too: its scope may be behind a \
                         guard (a host, a header) that routing would pass over, to the other \
                         route; give the public route paths of its own",
                        route.name,
                        route.full_patterns.join(", ")
                    ),
                    Some(_) => {}
                }
                // A pattern that cannot be read back: none of its paths is public.
                let elsewhere = elsewhere.unwrap_or_else(|| Elsewhere {
                    paths: Vec::new(),
                    patterns: vec![ResourceDef::new("/{tail}*")],
                });
                (index, elsewhere)
            })
            .collect();
        Self {
            public,
            routes,
            elsewhere,
        }
    }

    /// Whether the public route at `index` shares `path` with a route of another scope.
    fn elsewhere(&self, index: usize, path: &str) -> bool {
        self.elsewhere
            .get(&index)
            .is_some_and(|elsewhere| elsewhere.matches(path))
    }
}

/// Which mounted public routes are the app's own, unambiguously, with their methods.
fn decide(mounted: &[PublicRoute], app_routes: &[Route]) -> HashMap<String, Vec<Method>> {
    let mut public: HashMap<String, Vec<Method>> = HashMap::new();
    for exempt in mounted {
        let named: Vec<&Route> = app_routes
            .iter()
            .filter(|route| route.name.as_deref() == Some(exempt.name))
            .collect();
        let route = match &named[..] {
            // Not a route of this app (a record another app left on this thread).
            [] => continue,
            [route] => *route,
            _ => {
                tracing::warn!(
                    handler = exempt.handler,
                    route = exempt.name,
                    "#[login_not_required] on {} is not honoured: {} routes of this app are named \
                     {:?} ({}), and the middleware, which runs before routing, cannot tell them \
                     apart; give the public one a name of its own (`name = \"...\"` on its route \
                     attribute)",
                    exempt.handler,
                    named.len(),
                    exempt.name,
                    named
                        .iter()
                        .flat_map(|route| &route.full_patterns)
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                continue;
            }
        };
        // A route of the same full pattern in another scope is likely behind a guard the map
        // does not show (virtual hosts: two `web::scope("")` with `guard::Host`), which routing
        // may choose over the public one.
        let shadowing = app_routes.iter().find(|other| {
            other.scope != route.scope
                && other.full_patterns == route.full_patterns
                && other.name.as_deref() != Some(exempt.name)
        });
        if let Some(other) = shadowing {
            tracing::warn!(
                handler = exempt.handler,
                route = exempt.name,
                "#[login_not_required] on {} is not honoured: another scope has a route of the \
                 same path ({}, {:?}), which a guard (a host, a header) may route requests to; \
                 give the public route a path of its own",
                exempt.handler,
                route.full_patterns.join(", "),
                other.name
            );
            continue;
        }
        // The route serves that path and no other (a resource of several patterns would make
        // them all public).
        if route.patterns != [exempt.path] {
            // This app's route of that name is another handler's, at another path.
            tracing::debug!(
                handler = exempt.handler,
                route = exempt.name,
                "#[login_not_required] on {} does not apply to this app's route {:?} ({}), \
                 which is at another path than {:?}",
                exempt.handler,
                exempt.name,
                route.full_patterns.join(", "),
                exempt.path
            );
            continue;
        }
        let methods: Vec<Method> = exempt
            .methods
            .iter()
            .filter_map(|method| Method::from_bytes(method.as_bytes()).ok())
            .collect();
        // Two records of one name and path (one left on this thread by another app): the app's
        // one route is one of them, which one unknown, so only the methods both serve.
        public
            .entry(exempt.name.to_owned())
            .and_modify(|known| known.retain(|method| methods.contains(method)))
            .or_insert(methods);
    }
    if !public.is_empty() {
        tracing::debug!(
            public = ?public,
            "routes public under LoginRequired: {:?}",
            public
        );
    }
    public
}

#[cfg(test)]
mod tests {
    use actix_web::{guard, test as actix_test, web, App, HttpRequest, HttpResponse};

    use super::*;

    /// The public routes the unit tests' apps mount (as the markers of `unit_get` and `unit_put`
    /// would record them).
    fn mount_public_items() {
        mounted(PublicRoute {
            name: "unit_get",
            path: "/unit/items",
            methods: &["GET"],
            handler: "unit::get",
        });
        mounted(PublicRoute {
            name: "unit_put",
            path: "/unit/items",
            methods: &["PUT"],
            handler: "unit::put",
        });
    }

    /// Answers, for each `METHOD /path` line of the body, whether it goes to a public route of
    /// this app.
    async fn verdicts(req: HttpRequest, body: String) -> HttpResponse {
        let public = PublicRoutes::of_app_being_built();
        let verdicts: Vec<String> = body
            .lines()
            .map(|line| {
                let (method, path) = line.split_once(' ').unwrap();
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                format!("{line} {}", public.admit(req.resource_map(), path, &method))
            })
            .collect();
        HttpResponse::Ok().body(verdicts.join("\n"))
    }

    fn item(name: &str, method: Method) -> actix_web::Resource {
        web::resource("/unit/items")
            .name(name)
            .guard(guard::Method(method))
            .to(HttpResponse::Ok)
    }

    /// The verdicts of an app with `routes` on `lines`.
    async fn admitted(routes: Vec<actix_web::Resource>, lines: &[&str]) -> Vec<String> {
        mount_public_items();
        let mut app = App::new().route("/verdicts", web::post().to(verdicts));
        for route in routes {
            app = app.service(route);
        }
        let app = actix_test::init_service(app).await;
        let request = actix_test::TestRequest::post()
            .uri("/verdicts")
            .set_payload(lines.join("\n"))
            .to_request();
        let body = actix_test::call_and_read_body(&app, request).await;
        String::from_utf8(body.to_vec())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[actix_web::test]
    async fn admits_the_methods_public_routes_serve_in_routing_order() {
        let lines = [
            "GET /unit/items",
            "POST /unit/items",
            "PUT /unit/items",
            "GET /nowhere",
        ];
        // Public GET, public PUT, guarded POST: a PUT goes on past the GET route to its own.
        let verdicts = admitted(
            vec![
                item("unit_get", Method::GET),
                item("unit_put", Method::PUT),
                item("unit_post", Method::POST),
            ],
            &lines,
        )
        .await;
        assert_eq!(
            verdicts,
            [
                "GET /unit/items true",
                "POST /unit/items false",
                "PUT /unit/items true",
                "GET /nowhere false"
            ]
        );
        // A guarded route between them might serve PUT: not admitted.
        let verdicts = admitted(
            vec![
                item("unit_get", Method::GET),
                item("unit_post", Method::POST),
                item("unit_put", Method::PUT),
            ],
            &lines,
        )
        .await;
        assert_eq!(
            verdicts,
            [
                "GET /unit/items true",
                "POST /unit/items false",
                "PUT /unit/items false",
                "GET /nowhere false"
            ]
        );
        // The guarded route first: the path resolves to it, nothing is admitted.
        let verdicts = admitted(
            vec![
                item("unit_post", Method::POST),
                item("unit_get", Method::GET),
                item("unit_put", Method::PUT),
            ],
            &lines[..3],
        )
        .await;
        assert_eq!(
            verdicts,
            [
                "GET /unit/items false",
                "POST /unit/items false",
                "PUT /unit/items false"
            ]
        );
    }

    fn route(name: &str, pattern: &str, full: &str) -> Route {
        Route {
            scope: 1,
            name: Some(name.to_owned()),
            patterns: vec![pattern.to_owned()],
            full_patterns: vec![full.to_owned()],
            prefix: false,
        }
    }

    const LOGIN: PublicRoute = PublicRoute {
        name: "login",
        path: "/login",
        methods: &["GET"],
        handler: "app::login",
    };
    const LOGIN_FORM: PublicRoute = PublicRoute {
        name: "login",
        path: "/login",
        methods: &["POST"],
        handler: "app::forms::login",
    };
    const INDEX: PublicRoute = PublicRoute {
        name: "index",
        path: "/",
        methods: &["GET"],
        handler: "app::index",
    };

    #[test]
    fn honours_only_what_the_app_serves_unambiguously() {
        let app = [
            route("login", "/login", "/login"),
            route("index", "/", "/"),
            route("index", "/", "/admin/"),
            route("health", "/health", "/health"),
        ];
        let public = decide(&[LOGIN, INDEX], &app);
        assert_eq!(public.get("login"), Some(&vec![Method::GET]));
        assert_eq!(public.get("index"), None, "two routes named index");
        assert_eq!(public.len(), 1);

        // The same name at another path is another handler.
        let elsewhere = [route("login", "/sign-in", "/sign-in")];
        assert!(decide(&[LOGIN], &elsewhere).is_empty());

        // Two public handlers of one name and path, and one route: which one it is is unknown,
        // so only the methods both serve.
        let both = decide(&[LOGIN, LOGIN_FORM], &[route("login", "/login", "/login")]);
        assert_eq!(both.get("login"), Some(&vec![]));
        let same = decide(&[LOGIN, LOGIN], &[route("login", "/login", "/login")]);
        assert_eq!(same.get("login"), Some(&vec![Method::GET]));

        // Not in this app at all.
        assert!(decide(&[INDEX], &[route("other", "/", "/")]).is_empty());

        // The same path in another scope (a host-guarded one, say): not public.
        let mut elsewhere = route("dashboard", "/", "/");
        elsewhere.scope = 2;
        assert!(decide(&[INDEX], &[route("index", "/", "/"), elsewhere]).is_empty());
    }

    /// An unnamed route of the scope `scope` at `full`, not public.
    fn in_scope(scope: usize, full: &str) -> (Route, Option<Vec<Method>>) {
        let route = Route {
            scope,
            name: None,
            patterns: vec![full.to_owned()],
            full_patterns: vec![full.to_owned()],
            prefix: false,
        };
        (route, None)
    }

    /// The patterns of `elsewhere`'s definitions.
    fn patterns(elsewhere: &Elsewhere) -> Vec<&str> {
        elsewhere
            .patterns
            .iter()
            .map(|def| def.pattern().unwrap())
            .collect()
    }

    #[test]
    fn other_scopes_share_the_paths_their_routes_match_and_no_other() {
        let routes = [
            in_scope(2, "/pages/{slug}"),
            in_scope(2, "/login"),
            in_scope(2, "/about-us"),
            in_scope(2, "/pages/{slug}/edit"),
            in_scope(3, "/pages/about"),
            in_scope(3, "/pages/{id:\\d+}"),
            in_scope(3, "/users/{id}"),
            in_scope(3, "/{page:login|logout}"),
            in_scope(3, "/help"),
        ];
        // A public route with a parameter: the other scopes' paths it matches, and every pattern
        // of theirs with a parameter (any may match some of its paths), its own scope's aside.
        let page = Elsewhere::of(&routes[0].0, &routes).unwrap();
        assert_eq!(page.paths, ["/pages/about"]);
        assert_eq!(
            patterns(&page),
            ["/pages/{id:\\d+}", "/users/{id}", "/{page:login|logout}"]
        );
        assert!(page.matches("/pages/about"));
        assert!(page.matches("/pages/42"));
        assert!(!page.matches("/pages/contact"));

        // A public path without parameters: only the patterns that match it.
        let login = Elsewhere::of(&routes[1].0, &routes).unwrap();
        assert!(login.paths.is_empty());
        assert_eq!(patterns(&login), ["/{page:login|logout}"]);
        assert!(login.matches("/login"));

        // Nothing of another scope matches it: nothing shared (and nothing reported).
        let about = Elsewhere::of(&routes[2].0, &routes).unwrap();
        assert!(about.paths.is_empty());
        assert!(patterns(&about).is_empty());
        assert!(!about.matches("/about-us"));
    }
}
