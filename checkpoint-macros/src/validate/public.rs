//! `#[login_not_required]`: the route it makes public, read from the route attribute below it
//! (`#[get("/login")]`, `#[route("/login", method = "GET", method = "POST")]`), and the rules
//! that keep the exemption from reaching another route.

use proc_macro2::Span;
use syn::{
    parse::ParseStream, punctuated::Punctuated, Attribute, Error, Expr, ExprLit, Ident, Lit,
    LitStr, MetaNameValue, Result, Token,
};

use crate::model::{CheckpointSpec, PublicSpec};

/// actix-web's route attributes that serve one method, with that method.
const METHOD_ATTRIBUTES: [(&str, &str); 9] = [
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("delete", "DELETE"),
    ("head", "HEAD"),
    ("connect", "CONNECT"),
    ("options", "OPTIONS"),
    ("trace", "TRACE"),
    ("patch", "PATCH"),
];

const ROUTE_NEEDED: &str = "`#[login_not_required]` needs the handler's route attribute below \
     it, `#[get(\"/path\")]` or the like: `LoginRequired` runs before routing and recognises the \
     public route by its name, path and methods, which it reads there. Write \
     `#[login_not_required]` above `#[get(...)]`";

/// The public route of a stack holding `#[login_not_required]` (`None` without one), from the
/// handler's remaining `attrs`; `handler` is the function's name, the route's default name.
pub(crate) fn public_route(
    stack: &[CheckpointSpec],
    attrs: &[Attribute],
    handler: &Ident,
) -> Result<Option<PublicSpec>> {
    let mut public = stack.iter().filter_map(|spec| match spec {
        CheckpointSpec::Public { span } => Some(*span),
        _ => None,
    });
    let Some(span) = public.next() else {
        return Ok(None);
    };
    if let Some(second) = public.next() {
        return Err(Error::new(
            second,
            "`#[login_not_required]` is given twice: keep one",
        ));
    }
    if let Some(login) = stack.iter().find_map(|spec| match spec {
        CheckpointSpec::Login { fresh, .. } => Some(*fresh),
        _ => None,
    }) {
        let other = if login {
            "fresh_login_required"
        } else {
            "login_required"
        };
        return Err(Error::new(
            span,
            format!(
                "`#[login_not_required]` and `#[{other}]` contradict each other: keep \
                 `#[{other}]` for a route that needs a login, `#[login_not_required]` for a \
                 public one"
            ),
        ));
    }
    let mut routes = attrs.iter().filter_map(route_attribute);
    let Some((attr, methods)) = routes.next() else {
        return Err(Error::new(span, ROUTE_NEEDED));
    };
    if routes.next().is_some() {
        return Err(Error::new(
            span,
            "`#[login_not_required]` found two route attributes below it: a handler has one",
        ));
    }
    route(attr, methods, handler, span).map(Some)
}

/// `attr` when it is one of actix-web's route attributes, with the method it serves (`None` for
/// `#[route]`, which lists them).
fn route_attribute(attr: &Attribute) -> Option<(&Attribute, Option<&'static str>)> {
    let name = attr.path().segments.last()?.ident.to_string();
    if name == "route" {
        return Some((attr, None));
    }
    METHOD_ATTRIBUTES
        .iter()
        .find(|(attribute, _)| *attribute == name)
        .map(|(_, method)| (attr, Some(*method)))
}

/// The route `attr` declares: its path, its name (`handler` unless `name = "..."`), its methods.
fn route(
    attr: &Attribute,
    method: Option<&'static str>,
    handler: &Ident,
    span: Span,
) -> Result<PublicSpec> {
    let (path, options) = attr.parse_args_with(|input: ParseStream<'_>| {
        let path: LitStr = input.parse()?;
        let options = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)?
        };
        Ok((path, options))
    })?;
    let mut name = handler.to_string();
    let mut methods: Vec<String> = method.map(str::to_owned).into_iter().collect();
    for option in &options {
        let key = option.path.get_ident().map(Ident::to_string);
        let text = match &option.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        };
        match (key.as_deref(), text) {
            (Some("name"), Some(text)) => name = text,
            (Some("method"), Some(text)) if method.is_none() => {
                methods.push(text.to_ascii_uppercase())
            }
            (Some("guard"), _) => {
                return Err(Error::new_spanned(
                    &option.path,
                    "a route with a `guard` cannot be made public with `#[login_not_required]`: \
                     when its guard declines a request, actix-web routes it to the next route of \
                     the same path, which the exemption would then reach. Give the public route \
                     a path of its own, without a guard",
                ))
            }
            _ => {}
        }
    }
    if methods.is_empty() {
        return Err(Error::new(span, ROUTE_NEEDED));
    }
    Ok(PublicSpec {
        name,
        path,
        methods,
    })
}
