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
    let mut routes = attrs
        .iter()
        .enumerate()
        .filter_map(|(index, attr)| Some((index, route_attribute(attr)?)));
    let Some((index, (attr, methods))) = routes.next() else {
        return Err(Error::new(span, ROUTE_NEEDED));
    };
    if routes.next().is_some() {
        return Err(Error::new(
            span,
            "`#[login_not_required]` found two route attributes below it: a handler has one",
        ));
    }
    route(attr, index, methods, handler, span).map(Some)
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

/// The route `attr`, the handler's attribute at `index`, declares: its path, its name (`handler`
/// unless `name = "..."`), its methods.
fn route(
    attr: &Attribute,
    index: usize,
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
        attribute: index,
    })
}

#[cfg(test)]
mod tests {
    //! The public route, read as the macros read it from the handler's remaining attributes.

    use proc_macro2::Span;
    use syn::parse_quote;

    use super::*;

    fn public() -> CheckpointSpec {
        CheckpointSpec::Public {
            span: Span::call_site(),
        }
    }

    fn handler() -> Ident {
        Ident::new("handler", Span::call_site())
    }

    /// The public route of `stack` over `attrs`: its name, path and methods.
    fn route_of(
        stack: &[CheckpointSpec],
        attrs: &[Attribute],
    ) -> Result<Option<(String, String, Vec<String>)>> {
        public_route(stack, attrs, &handler())
            .map(|spec| spec.map(|spec| (spec.name, spec.path.value(), spec.methods)))
    }

    fn refusal(stack: &[CheckpointSpec], attrs: &[Attribute]) -> String {
        match route_of(stack, attrs) {
            Ok(route) => panic!("accepted: {route:?}"),
            Err(error) => error.to_string(),
        }
    }

    fn owned(name: &str, path: &str, methods: &[&str]) -> Option<(String, String, Vec<String>)> {
        Some((
            name.to_owned(),
            path.to_owned(),
            methods.iter().map(|method| (*method).to_owned()).collect(),
        ))
    }

    #[test]
    fn a_stack_without_login_not_required_has_no_public_route() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[get("/x")])];
        let login = CheckpointSpec::Login {
            fresh: false,
            span: Span::call_site(),
        };
        assert_eq!(route_of(&[login], &attrs).unwrap(), None);
    }

    #[test]
    fn the_route_attribute_gives_the_name_path_and_methods() {
        let get: Attribute = parse_quote!(#[get("/x")]);
        let doc: Attribute = parse_quote!(#[doc = "a handler"]);
        assert_eq!(
            route_of(&[public()], &[doc.clone(), get]).unwrap(),
            owned("handler", "/x", &["GET"])
        );
        let post: Attribute = parse_quote!(#[actix_web::post("/login", name = "login")]);
        assert_eq!(
            route_of(&[public()], &[post]).unwrap(),
            owned("login", "/login", &["POST"])
        );
        // A method attribute serves its method alone.
        let patch: Attribute = parse_quote!(#[patch("/x", method = "POST")]);
        assert_eq!(
            route_of(&[public()], &[patch]).unwrap(),
            owned("handler", "/x", &["PATCH"])
        );
        let route: Attribute =
            parse_quote!(#[route("/x", method = "GET", method = "post", name = "r")]);
        assert_eq!(
            route_of(&[public()], &[route]).unwrap(),
            owned("r", "/x", &["GET", "POST"])
        );
        // Every method attribute of actix-web.
        for (attribute, method) in METHOD_ATTRIBUTES {
            let ident = Ident::new(attribute, Span::call_site());
            let attr: Attribute = parse_quote!(#[#ident("/x")]);
            assert_eq!(
                route_of(&[public()], &[attr]).unwrap(),
                owned("handler", "/x", &[method])
            );
        }
    }

    #[test]
    fn a_public_route_is_one_unguarded_route_needing_no_login() {
        let get: Attribute = parse_quote!(#[get("/x")]);
        for (fresh, other) in [(false, "login_required"), (true, "fresh_login_required")] {
            let login = CheckpointSpec::Login {
                fresh,
                span: Span::call_site(),
            };
            assert_eq!(
                refusal(&[public(), login], std::slice::from_ref(&get)),
                format!(
                    "`#[login_not_required]` and `#[{other}]` contradict each other: keep \
                     `#[{other}]` for a route that needs a login, `#[login_not_required]` for a \
                     public one"
                )
            );
        }
        assert_eq!(
            refusal(&[public(), public()], std::slice::from_ref(&get)),
            "`#[login_not_required]` is given twice: keep one"
        );
        let doc: Attribute = parse_quote!(#[doc = "a handler"]);
        assert_eq!(refusal(&[public()], &[doc]), ROUTE_NEEDED);
        let route: Attribute = parse_quote!(#[route("/x", name = "r")]);
        assert_eq!(refusal(&[public()], &[route]), ROUTE_NEEDED);
        let post: Attribute = parse_quote!(#[post("/x")]);
        assert_eq!(
            refusal(&[public()], &[get.clone(), post]),
            "`#[login_not_required]` found two route attributes below it: a handler has one"
        );
        let guarded: Attribute = parse_quote!(#[get("/x", guard = "is_json")]);
        assert!(refusal(&[public()], &[guarded]).starts_with(
            "a route with a `guard` cannot be made public with `#[login_not_required]`"
        ));
    }
}
