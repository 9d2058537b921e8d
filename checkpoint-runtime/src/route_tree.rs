//! The routes of an app, as its resource map lists them: what `LoginRequired` needs to tell
//! whether the route a request resolves to is the one a `#[login_not_required]` handler
//! serves, or another one of the same name, and what a middleware needs to tell a URL no route
//! matches when actix-web's own look-up stops short ([`AnyRoute`]).
//!
//! actix-web's `ResourceMap` answers "which route's name matches this path" but lists nothing;
//! its `Debug` output is the only public view of the whole tree. This module reads that output
//! (Rust's derived `Debug` syntax: structs, tuple variants, lists, maps, quoted strings) into the
//! app's routes. Should a future actix-web print it differently, reading fails, `LoginRequired`
//! honours no exemption (every route requires a login) and says so in an `error` event, and a
//! middleware counts every URL as matched (checked, not answered `404`); the
//! tests pin the format of the actix-web version this crate depends on.

use std::panic::{catch_unwind, AssertUnwindSafe};

use actix_web::dev::{ResourceDef, ResourceMap};

/// One route of an app: its name, and its patterns as written on the route (`"/login"`), each
/// also with the prefixes of the scopes around it (`"/admin/login"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// Which scope (or the app's root, [`APP_ROOT`]) holds the route: routes of one scope share
    /// the number.
    pub(crate) scope: usize,
    pub(crate) name: Option<String>,
    pub(crate) patterns: Vec<String>,
    pub(crate) full_patterns: Vec<String>,
    /// Whether it matches every path under its patterns, not only the patterns themselves: a
    /// service registered as a prefix, such as actix-files' `Files`.
    pub(crate) prefix: bool,
}

/// The [`Route::scope`] of the routes registered on the app itself, outside every scope: the
/// root is the first node read.
#[cfg(feature = "login")]
pub(crate) const APP_ROOT: usize = 1;

/// Every route (edge of the resource tree) of the app `rmap` belongs to, in registration order;
/// `None` when its `Debug` output cannot be read.
pub(crate) fn routes(rmap: &ResourceMap) -> Option<Vec<Route>> {
    let text = format!("{rmap:?}");
    let tree = Parser::new(&text).document()?;
    let mut routes = Vec::new();
    collect(&tree, "", 0, &mut 0, &mut routes)?;
    Some(routes)
}

/// Adds the routes under the resource map `node`, whose scopes' prefixes are `prefix`: a route
/// numbered as in the scope `parent`, a scope taking the next number of `scopes`.
fn collect(
    node: &Value,
    prefix: &str,
    parent: usize,
    scopes: &mut usize,
    routes: &mut Vec<Route>,
) -> Option<()> {
    let map = node.fields("ResourceMap")?;
    let definition = field(map, "pattern")?.fields("ResourceDef")?;
    let name = match field(definition, "name")? {
        Value::Word(word) if word == "None" => None,
        Value::Call(variant, args) if variant == "Some" => match &args[..] {
            [Value::Str(name)] => Some(name.clone()),
            _ => return None,
        },
        _ => return None,
    };
    let patterns: Vec<String> = match field(definition, "patterns")? {
        Value::Call(variant, args) if variant == "Single" => match &args[..] {
            [Value::Str(pattern)] => vec![pattern.clone()],
            _ => return None,
        },
        Value::Call(variant, args) if variant == "List" => match &args[..] {
            [Value::List(items)] => items
                .iter()
                .map(|item| match item {
                    Value::Str(pattern) => Some(pattern.clone()),
                    _ => None,
                })
                .collect::<Option<_>>()?,
            _ => return None,
        },
        _ => return None,
    };
    let matches_prefix = match field(definition, "is_prefix")? {
        Value::Word(word) => word == "true",
        _ => return None,
    };
    match field(map, "nodes")? {
        Value::Word(word) if word == "None" => routes.push(Route {
            scope: parent,
            name,
            full_patterns: patterns
                .iter()
                .map(|pattern| format!("{prefix}{pattern}"))
                .collect(),
            patterns,
            prefix: matches_prefix,
        }),
        Value::Call(variant, args) if variant == "Some" => {
            let [Value::List(children)] = &args[..] else {
                return None;
            };
            // A scope (or the app's root) has one prefix pattern.
            let inner = format!("{prefix}{}", patterns.first()?);
            *scopes += 1;
            let own = *scopes;
            for child in children {
                collect(child, &inner, own, scopes, routes)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// The resource definition of `patterns` (full patterns read back from the map); `None` where
/// actix-web would refuse one. A full pattern joins a scope's prefix and a route's pattern, each
/// of which actix-web accepted, but the join can hold a parameter name twice (`/orgs/{id}` and
/// `/members/{id}`) or more parameters than it takes, where `ResourceDef::new` panics: those are
/// refused here, before it is called, so that no panic is raised even in a `panic = "abort"`
/// build. Any other refusal is a panic caught (and, with `abort`, would end the process).
/// With `prefix`, the definition matches every path under the patterns too.
pub(crate) fn definition(patterns: &[String], prefix: bool) -> Option<ResourceDef> {
    if !patterns.iter().all(|pattern| acceptable(pattern)) {
        return None;
    }
    catch_unwind(AssertUnwindSafe(|| {
        if prefix {
            ResourceDef::prefix(patterns.to_vec())
        } else {
            ResourceDef::new(patterns.to_vec())
        }
    }))
    .ok()
}

/// The most parameters actix-router takes in one pattern.
const MOST_PARAMETERS: usize = 16;

/// Whether `pattern`'s parameters (`{name}`, `{name:regex}`, `{name}*`) have distinct names and
/// are few enough for actix-router.
fn acceptable(pattern: &str) -> bool {
    let mut names: Vec<&str> = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (at, byte) in pattern.bytes().enumerate() {
        match byte {
            b'{' => {
                depth += 1;
                if depth == 1 {
                    start = at + 1;
                }
            }
            b'}' => match depth {
                0 => return false,
                1 => {
                    depth = 0;
                    let inside = &pattern[start..at];
                    let name = inside.split_once(':').map_or(inside, |(name, _)| name);
                    if names.contains(&name) {
                        return false;
                    }
                    names.push(name);
                }
                _ => depth -= 1,
            },
            // The end of a parameter's name, where its regex starts: braces inside count.
            _ => {}
        }
    }
    depth == 0 && names.len() <= MOST_PARAMETERS
}

/// Whether a route of the app of `routes` matches `path`, in any scope. actix-web's
/// [`ResourceMap::has_resource`] looks no further than the first scope whose prefix matches, so
/// the routes of a second scope of the same prefix (virtual hosts: `web::scope("")` behind
/// `guard::Host`, twice) are not found there.
pub(crate) struct AnyRoute {
    definitions: Vec<ResourceDef>,
}

impl AnyRoute {
    /// The routes of the app of `rmap`; `None` when they cannot be read.
    pub(crate) fn of(rmap: &ResourceMap) -> Option<Self> {
        let definitions = routes(rmap)?
            .iter()
            .map(|route| definition(&route.full_patterns, route.prefix))
            .collect::<Option<_>>()?;
        Some(Self { definitions })
    }

    /// Whether a route matches `path` (as routing reads it).
    pub(crate) fn matches(&self, path: &str) -> bool {
        self.definitions.iter().any(|route| route.is_match(path))
    }
}

fn field<'v>(fields: &'v [(String, Value)], name: &str) -> Option<&'v Value> {
    fields
        .iter()
        .find_map(|(field, value)| (field == name).then_some(value))
}

/// A value in derived `Debug` syntax.
#[derive(Debug, PartialEq)]
enum Value {
    /// `Name { field: value, .. }`
    Struct(String, Vec<(String, Value)>),
    /// `Name(value, ..)`
    Call(String, Vec<Value>),
    /// `(value, ..)`
    Tuple(Vec<Value>),
    /// `[value, ..]`
    List(Vec<Value>),
    /// `{key: value, ..}`
    Map(Vec<(Value, Value)>),
    /// `"text"`, unescaped
    Str(String),
    /// A bare identifier or number: `None`, `true`, `0`
    Word(String),
}

impl Value {
    /// The fields of a struct named `name`.
    fn fields(&self, name: &str) -> Option<&[(String, Value)]> {
        match self {
            Value::Struct(struct_name, fields) if struct_name == name => Some(fields),
            _ => None,
        }
    }
}

/// A recursive-descent reader of derived `Debug` output.
struct Parser<'t> {
    text: &'t str,
    at: usize,
}

/// Nesting deeper than this is not an app's route tree: reading stops rather than recursing on.
const MAX_DEPTH: usize = 256;

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Self {
        Self { text, at: 0 }
    }

    /// The whole text, as one value.
    fn document(mut self) -> Option<Value> {
        let value = self.value(0)?;
        self.skip_space();
        (self.at == self.text.len()).then_some(value)
    }

    fn rest(&self) -> &'t str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    /// Consumes `punct` after any space.
    fn eat(&mut self, punct: char) -> bool {
        self.skip_space();
        if self.rest().starts_with(punct) {
            self.at += punct.len_utf8();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        let next = self.rest().chars().next()?;
        match next {
            '"' => self.string().map(Value::Str),
            '[' => {
                self.at += 1;
                self.sequence(']', depth).map(Value::List)
            }
            '(' => {
                self.at += 1;
                self.sequence(')', depth).map(Value::Tuple)
            }
            '{' => {
                self.at += 1;
                self.map(depth).map(Value::Map)
            }
            _ => {
                let word = self.word()?;
                if self.eat('{') {
                    self.struct_fields(depth)
                        .map(|fields| Value::Struct(word, fields))
                } else if self.eat('(') {
                    self.sequence(')', depth)
                        .map(|args| Value::Call(word, args))
                } else {
                    Some(Value::Word(word))
                }
            }
        }
    }

    /// A bare identifier, number or path (`None`, `-1`, `1.5`, `a::B`).
    fn word(&mut self) -> Option<String> {
        let rest = self.rest();
        let length = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
            .unwrap_or(rest.len());
        // A field's `:` follows its name; a path's `::` is inside the word.
        let word = &rest[..length];
        let word = match word.find(':') {
            Some(colon) if !word[colon..].starts_with("::") => &word[..colon],
            _ => word,
        };
        if word.is_empty() {
            return None;
        }
        self.at += word.len();
        Some(word.to_owned())
    }

    /// Values separated by commas up to `close`, which is consumed.
    fn sequence(&mut self, close: char, depth: usize) -> Option<Vec<Value>> {
        let mut values = Vec::new();
        loop {
            if self.eat(close) {
                return Some(values);
            }
            values.push(self.value(depth + 1)?);
            if !self.eat(',') {
                return self.eat(close).then_some(values);
            }
        }
    }

    /// `key: value` pairs up to `}`.
    fn map(&mut self, depth: usize) -> Option<Vec<(Value, Value)>> {
        let mut pairs = Vec::new();
        loop {
            if self.eat('}') {
                return Some(pairs);
            }
            let key = self.value(depth + 1)?;
            if !self.eat(':') {
                return None;
            }
            pairs.push((key, self.value(depth + 1)?));
            if !self.eat(',') {
                return self.eat('}').then_some(pairs);
            }
        }
    }

    /// `field: value` pairs up to `}` (a trailing `..` of a non-exhaustive struct allowed).
    fn struct_fields(&mut self, depth: usize) -> Option<Vec<(String, Value)>> {
        let mut fields = Vec::new();
        loop {
            if self.eat('}') {
                return Some(fields);
            }
            self.skip_space();
            if self.rest().starts_with("..") {
                self.at += 2;
                return self.eat('}').then_some(fields);
            }
            let name = self.word()?;
            if !self.eat(':') {
                return None;
            }
            fields.push((name, self.value(depth + 1)?));
            if !self.eat(',') {
                return self.eat('}').then_some(fields);
            }
        }
    }

    /// A quoted string with `Debug`'s escapes, unescaped.
    fn string(&mut self) -> Option<String> {
        let mut chars = self.rest().char_indices();
        chars.next(); // the opening quote
        let mut text = String::new();
        while let Some((index, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += index + 1;
                    return Some(text);
                }
                '\\' => match chars.next()?.1 {
                    'n' => text.push('\n'),
                    'r' => text.push('\r'),
                    't' => text.push('\t'),
                    '0' => text.push('\0'),
                    '\\' => text.push('\\'),
                    '"' => text.push('"'),
                    '\'' => text.push('\''),
                    'u' => {
                        if chars.next()?.1 != '{' {
                            return None;
                        }
                        let mut hex = String::new();
                        loop {
                            match chars.next()?.1 {
                                '}' => break,
                                digit => hex.push(digit),
                            }
                        }
                        text.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    _ => return None,
                },
                c => text.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{get, post, test as actix_test, web, App, HttpRequest, HttpResponse};

    use super::*;

    #[get("/items")]
    async fn list(req: HttpRequest) -> HttpResponse {
        let routes = routes(req.resource_map()).expect("the resource map reads");
        HttpResponse::Ok().body(format!("{routes:?}"))
    }

    #[post("/items")]
    async fn create() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[get("/{id}/x")]
    async fn index() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    fn route(scope: usize, name: Option<&str>, pattern: &str, full: &str) -> Route {
        Route {
            scope,
            name: name.map(str::to_owned),
            patterns: vec![pattern.to_owned()],
            full_patterns: vec![full.to_owned()],
            prefix: false,
        }
    }

    /// Pins the `Debug` format of the actix-web this crate depends on: every route, named or
    /// not, in a scope or not, with a path parameter or an odd character, is read.
    #[actix_web::test]
    async fn reads_every_route_of_an_app() {
        let app = actix_test::init_service(
            App::new()
                .service(list)
                .service(create)
                .service(web::scope("/admin").service(index))
                .service(index)
                .route("/plain", web::get().to(HttpResponse::Ok))
                .service(
                    web::resource(["/a\"b", "/ü/{tail:.*}"])
                        .name("two \"patterns\"")
                        .to(HttpResponse::Ok),
                ),
        )
        .await;
        let request = actix_test::TestRequest::get().uri("/items").to_request();
        let body = actix_test::call_and_read_body(&app, request).await;
        let expected = vec![
            route(1, Some("list"), "/items", "/items"),
            route(1, Some("create"), "/items", "/items"),
            route(2, Some("index"), "/{id}/x", "/admin/{id}/x"),
            route(1, Some("index"), "/{id}/x", "/{id}/x"),
            route(1, None, "/plain", "/plain"),
            Route {
                scope: 1,
                name: Some("two \"patterns\"".into()),
                patterns: vec!["/a\"b".into(), "/ü/{tail:.*}".into()],
                full_patterns: vec!["/a\"b".into(), "/ü/{tail:.*}".into()],
                prefix: false,
            },
        ];
        assert_eq!(String::from_utf8_lossy(&body), format!("{expected:?}"));
    }

    #[test]
    fn reads_debug_syntax_and_refuses_anything_else() {
        let value =
            Parser::new(r#"A { b: Some("x\"\u{e9}"), c: [1, -2], d: {"k": (Weak)}, e: B(C, "") }"#)
                .document()
                .unwrap();
        assert_eq!(
            value,
            Value::Struct(
                "A".into(),
                vec![
                    (
                        "b".into(),
                        Value::Call("Some".into(), vec![Value::Str("x\"é".into())])
                    ),
                    (
                        "c".into(),
                        Value::List(vec![Value::Word("1".into()), Value::Word("-2".into())])
                    ),
                    (
                        "d".into(),
                        Value::Map(vec![(
                            Value::Str("k".into()),
                            Value::Tuple(vec![Value::Word("Weak".into())])
                        )])
                    ),
                    (
                        "e".into(),
                        Value::Call(
                            "B".into(),
                            vec![Value::Word("C".into()), Value::Str(String::new())]
                        )
                    ),
                ]
            )
        );
        for broken in [
            "",
            "A {",
            "A { b }",
            "\"unterminated",
            "[1, 2",
            "A { b: 1 } trailing",
            r#""\q""#,
            "{\"k\" 1}",
        ] {
            assert_eq!(Parser::new(broken).document(), None, "{broken:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(Parser::new(&deep).document(), None, "too deep");
    }

    #[test]
    fn joined_patterns_actix_would_refuse_are_refused_before_it_is_asked() {
        let many: String = (0..17).map(|i| format!("/{{p{i}}}")).collect();
        let sixteen: String = (0..16).map(|i| format!("/{{p{i}}}")).collect();
        for refused in [
            "/orgs/{id}/members/{id}".to_owned(),
            "/a/{id:\\d{2,3}}/b/{id}".to_owned(),
            many,
        ] {
            assert!(!acceptable(&refused), "{refused}");
            assert!(definition(std::slice::from_ref(&refused), false).is_none());
            // What asking actix-web would have done: a panic.
            let asked = catch_unwind(|| ResourceDef::new(refused.as_str()));
            assert!(asked.is_err(), "{refused}");
        }
        for accepted in [
            "/orgs/{org}/members/{id}".to_owned(),
            "/a/{id:\\d{2,3}}/b".to_owned(),
            "/files/{tail}*".to_owned(),
            sixteen,
        ] {
            assert!(acceptable(&accepted), "{accepted}");
            assert!(definition(std::slice::from_ref(&accepted), false).is_some());
        }
    }
}
