//! Reading the value of each option: every rule about what a value may be, each broken one a
//! compile error on the value's tokens.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{
    Error, Expr, ExprCall, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitStr, Path, Result, UnOp,
};

use crate::{
    errors::Errors,
    model::{AllowedLit, TargetSpec},
};

/// The default header of `api_key`.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";

fn parse_expr(name: &Ident, tokens: TokenStream) -> Result<Expr> {
    if tokens.is_empty() {
        return Err(Error::new(name.span(), format!("`{name} =` needs a value")));
    }
    syn::parse2(tokens)
}

pub(crate) fn string(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
    match parse_expr(name, tokens)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(string),
            ..
        }) => Ok(string),
        other => Err(Error::new_spanned(
            other,
            format!("`{name}` takes a string literal, such as `{name} = \"...\"`"),
        )),
    }
}

pub(crate) fn session_key(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
    let key = string(name, tokens)?;
    if key.value().is_empty() {
        return Err(Error::new(
            key.span(),
            "`session_key` must not be empty: write the key this checkpoint reads, such as \
             `session_key = \"logged_in\"`",
        ));
    }
    Ok(key)
}

/// The expected value of `api_key` or `bearer`: any expression yielding a string, evaluated on
/// each request (its type is checked where the expansion uses it).
pub(crate) fn expected_key(name: &Ident, tokens: TokenStream) -> Result<Expr> {
    if tokens.is_empty() {
        let (what, example) = if name == "bearer" {
            ("token", "API_TOKEN")
        } else {
            ("key", "API_KEY")
        };
        return Err(Error::new(
            name.span(),
            format!(
                "`{name} =` needs the expected {what}: an expression yielding a string, such as \
                 `{name} = {example}` (a `const`) or `{name} = config::{}()`",
                example.to_ascii_lowercase()
            ),
        ));
    }
    syn::parse2(tokens)
}

/// `header = "..."`: an HTTP header name (RFC 9110 token characters), lowercased, since header
/// names are case-insensitive.
pub(crate) fn header_name(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
    let header = string(name, tokens)?;
    let value = header.value();
    if value.is_empty() {
        return Err(Error::new(
            header.span(),
            format!(
                "`header` must not be empty: write the header the key is sent in, such as \
                 `header = \"{API_KEY_HEADER}\"` (the default when neither `header` nor `query` \
                 is given)"
            ),
        ));
    }
    let is_token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if let Some(bad) = value.chars().find(|c| !is_token(*c)) {
        return Err(Error::new(
            header.span(),
            format!(
                "`{}` is not an HTTP header name: {bad:?} cannot appear in one; a header name \
                 is ASCII letters, digits and any of !#$%&'*+-.^_`|~, such as \
                 `header = \"{API_KEY_HEADER}\"`",
                value.escape_debug()
            ),
        ));
    }
    Ok(LitStr::new(&value.to_ascii_lowercase(), header.span()))
}

/// `query = "..."`: the query-string parameter holding the key.
pub(crate) fn query_name(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
    let query = string(name, tokens)?;
    if query.value().is_empty() {
        return Err(Error::new(
            query.span(),
            "`query` must not be empty: write the query parameter the key is sent in, such as \
             `query = \"api_key\"`",
        ));
    }
    Ok(query)
}

/// `check = path::to::predicate`: the path of an `async fn` of extractors returning `bool`
/// (whether it is one is checked where the expansion uses it).
pub(crate) fn predicate(name: &Ident, tokens: TokenStream) -> Result<Path> {
    const EXPECTED: &str = "`check` takes the path of an async fn returning bool, such as \
                            `check = is_admin` for `async fn is_admin(session: Session) -> bool`";
    if tokens.is_empty() {
        return Err(Error::new(name.span(), EXPECTED));
    }
    match syn::parse2(tokens)? {
        Expr::Path(ExprPath {
            path, qself: None, ..
        }) => Ok(path),
        Expr::Call(call) => {
            let fix = match &*call.func {
                Expr::Path(ExprPath {
                    path, qself: None, ..
                }) => format!("write `check = {}`", path_text(path)),
                _ => "name the function".to_owned(),
            };
            Err(Error::new_spanned(
                &call,
                format!(
                    "{EXPECTED}, not a call: {fix}, without arguments; the checkpoint calls it on \
                     each request, with its arguments extracted from the request"
                ),
            ))
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(string),
            ..
        }) => Err(Error::new(
            string.span(),
            format!(
                "{EXPECTED}, not a string: write the path unquoted, `check = {}`",
                string.value()
            ),
        )),
        Expr::Closure(closure) => Err(Error::new_spanned(
            closure,
            format!(
                "{EXPECTED}, not a closure: move the closure's body into such an async fn and \
                 name it"
            ),
        )),
        other => Err(Error::new_spanned(other, EXPECTED)),
    }
}

/// `session_key` or `form_key` of `#[include_csrf]`.
pub(crate) fn csrf_key(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
    let key = string(name, tokens)?;
    if key.value().is_empty() {
        let what = if name == "session_key" {
            "the session key holding the CSRF token"
        } else {
            "the form field carrying the CSRF token"
        };
        return Err(Error::new(
            key.span(),
            format!(
                "`{name}` must not be empty: write {what}, such as `{name} = \"csrf\"` (the \
                 default, also used when `{name}` is left out)"
            ),
        ));
    }
    Ok(key)
}

pub(crate) fn allowed_values(name: &Ident, tokens: TokenStream) -> Result<Vec<AllowedLit>> {
    match parse_expr(name, tokens)? {
        Expr::Array(array) if array.elems.is_empty() => Err(Error::new_spanned(
            array,
            "`values` must not be empty: no session value could ever pass",
        )),
        Expr::Array(array) => {
            let mut errors = Errors::default();
            let values: Vec<_> = array
                .elems
                .iter()
                .filter_map(|element| {
                    if let Expr::Array(nested) = element {
                        errors.push(Error::new_spanned(
                            nested,
                            "nested arrays are not supported: list every allowed value in one \
                             array",
                        ));
                        return None;
                    }
                    errors.take(allowed_scalar(element))
                })
                .collect();
            match errors.0 {
                Some(error) => Err(error),
                None => Ok(values),
            }
        }
        scalar => Ok(vec![allowed_scalar(&scalar)?]),
    }
}

fn allowed_scalar(expr: &Expr) -> Result<AllowedLit> {
    const UNSUPPORTED: &str = "unsupported value: `values` takes string, integer and bool \
                               literals, or an array of them";
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Str(string) => Ok(AllowedLit::Str(string.value())),
            Lit::Bool(boolean) => Ok(AllowedLit::Bool(boolean.value)),
            Lit::Int(int) => Ok(AllowedLit::Int(integer(int, false, int)?)),
            Lit::Float(float) => Err(Error::new(
                float.span(),
                "floats are not supported: session values are compared by JSON type, and \
                 float equality is unreliable; use an integer or a string",
            )),
            other => Err(Error::new(other.span(), UNSUPPORTED)),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => Ok(AllowedLit::Int(integer(int, true, expr)?)),
            _ => allowed_scalar(inner).and(Err(Error::new_spanned(expr, UNSUPPORTED))),
        },
        Expr::Path(path) if path.path.is_ident("null") || path.path.is_ident("None") => {
            Err(Error::new_spanned(
                path,
                format!(
                    "`{}` cannot be an allowed value: a missing session key always fails the \
                     check; list only the values that should pass",
                    path.path.to_token_stream()
                ),
            ))
        }
        Expr::Path(path) => Err(Error::new_spanned(
            path,
            format!(
                "`values` must be written out as literals, and `{}` is a name the attribute \
                 cannot read: write the value itself (such as `values = \"admin\"`), or \
                 declare the whole checkpoint as a `const` and write `#[checkpoint(NAME)]`",
                path_text(&path.path)
            ),
        )),
        other => Err(Error::new_spanned(other, UNSUPPORTED)),
    }
}

/// The value of `int`, negated if `negative`; `written` is the whole literal for errors (with
/// its `-`).
fn integer(int: &syn::LitInt, negative: bool, written: &dyn ToTokens) -> Result<i64> {
    if !int.suffix().is_empty() {
        return Err(Error::new(
            int.span(),
            format!(
                "write integers without a type suffix: `{}`, not `{int}`",
                int.base10_digits()
            ),
        ));
    }
    let magnitude: u64 = int.base10_parse()?;
    let value = if negative {
        0_i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    value.ok_or_else(|| {
        Error::new_spanned(
            written,
            "integer out of range: session integers are i64, from -9223372036854775808 to \
             9223372036854775807; store a larger number as a string and allow it as `\"...\"`",
        )
    })
}

pub(crate) fn target(name: &Ident, tokens: TokenStream) -> Result<TargetSpec> {
    match parse_expr(name, tokens)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(path),
            ..
        }) => {
            let value = path.value();
            if value.is_empty() {
                return Err(Error::new(
                    path.span(),
                    format!("`{name}` must not be empty: write a path such as `{name} = \"/\"`"),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(Error::new(
                    path.span(),
                    format!(
                        "`{name}` must not contain control characters (such as `\\r` or \
                         `\\n`): it is sent as a `Location` header; percent-encode them"
                    ),
                ));
            }
            Ok(TargetSpec::Path(path))
        }
        Expr::Call(call) if is_url_for(&call) => url_for(call),
        other => Err(Error::new_spanned(
            other,
            format!("`{name}` takes a string literal or `url_for(\"route_name\", \"arg\", ...)`"),
        )),
    }
}

fn is_url_for(call: &ExprCall) -> bool {
    matches!(&*call.func, Expr::Path(ExprPath { path, .. }) if path.is_ident("url_for"))
}

fn url_for(call: ExprCall) -> Result<TargetSpec> {
    let mut args = call.args.iter();
    let name = match args.next() {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        })) => name.clone(),
        Some(other) => {
            return Err(Error::new_spanned(
                other,
                "`url_for` takes the route name as a string literal, such as \
                 `url_for(\"login_page\")`",
            ))
        }
        None => {
            return Err(Error::new_spanned(
                &call,
                "`url_for` needs a route name, such as `url_for(\"login_page\")`",
            ))
        }
    };
    let args = args
        .map(|arg| match arg {
            Expr::Lit(ExprLit {
                lit: Lit::Str(string),
                ..
            }) => Ok(string.value()),
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) if int.suffix().is_empty() => Ok(int.base10_digits().to_owned()),
            other => Err(Error::new_spanned(
                other,
                "`url_for` arguments are string or integer literals, one per dynamic segment of \
                 the route, such as `url_for(\"user_page\", \"42\")`",
            )),
        })
        .collect::<Result<_>>()?;
    Ok(TargetSpec::Route { name, args })
}

pub(crate) fn fail_response(name: &Ident, tokens: TokenStream) -> Result<(Path, Span)> {
    match parse_expr(name, tokens)? {
        Expr::Path(ExprPath {
            path, qself: None, ..
        }) => Ok((path, name.span())),
        other => Err(Error::new_spanned(
            other,
            "`fail_response` takes the path of a `fn(&HttpRequest) -> HttpResponse`, such as \
             `fail_response = responses::denied`",
        )),
    }
}

pub(crate) fn fail_status(name: &Ident, tokens: TokenStream) -> Result<u16> {
    match parse_expr(name, tokens)? {
        Expr::Lit(ExprLit {
            lit: Lit::Int(status),
            ..
        }) => {
            let digits = status.base10_digits();
            if !status.suffix().is_empty() {
                return Err(Error::new(
                    status.span(),
                    format!("write the status without a type suffix: `fail_status = {digits}`"),
                ));
            }
            match status.base10_parse::<u16>() {
                Ok(code @ 400..=599) => Ok(code),
                _ => Err(Error::new(
                    status.span(),
                    format!(
                        "`{digits}` is not an HTTP error status: `fail_status` takes a client or \
                         server error from 400 to 599, such as 401 or 403"
                    ),
                )),
            }
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(status),
            ..
        }) => Err(Error::new(
            status.span(),
            format!(
                "`fail_status` takes an integer, not a string: `fail_status = {}`",
                status.value()
            ),
        )),
        other => Err(Error::new_spanned(
            other,
            "`fail_status` takes an integer literal from 400 to 599, such as `fail_status = 401`",
        )),
    }
}

pub(crate) fn flag(name: &Ident, tokens: Option<TokenStream>) -> Result<bool> {
    let Some(tokens) = tokens else {
        return Ok(true);
    };
    match parse_expr(name, tokens)? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(flag),
            ..
        }) => Ok(flag.value),
        other => Err(Error::new_spanned(
            other,
            format!("`{name}` takes `true` or `false` (a bare `{name}` means true)"),
        )),
    }
}

pub(crate) fn path_text(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// `crate = path`: the path the app names the runtime crate by (`crate = checkpoint` for
/// `checkpoint = { package = "checkpoint-runtime", ... }` in its Cargo.toml), written as a path
/// or, as serde's `crate` takes it, in a string.
pub(crate) fn runtime_path(keyword: &syn::Token![crate], tokens: TokenStream) -> Result<Path> {
    const EXPECTED: &str = "`crate` takes the path the app names checkpoint-runtime by, such as \
                            `crate = checkpoint` when its Cargo.toml says `checkpoint = { \
                            package = \"checkpoint-runtime\", ... }`";
    if tokens.is_empty() {
        return Err(Error::new(keyword.span, EXPECTED));
    }
    match syn::parse2(tokens)? {
        Expr::Path(ExprPath {
            path, qself: None, ..
        }) => Ok(path),
        Expr::Lit(ExprLit {
            lit: Lit::Str(path),
            ..
        }) => path.parse(),
        other => Err(Error::new_spanned(other, EXPECTED)),
    }
}

#[cfg(test)]
mod tests {
    //! Each value reader on its own, on the tokens of an option's value.

    use quote::quote;

    use super::*;

    fn ident(name: &str) -> Ident {
        Ident::new(name, Span::call_site())
    }

    fn message<T>(result: Result<T>) -> String {
        match result {
            Ok(_) => panic!("the value was accepted"),
            Err(error) => error.to_string(),
        }
    }

    /// The allowed values of `values = tokens`, written as `b:true`, `i:-1`, `s:x`.
    fn allowed(tokens: TokenStream) -> Result<Vec<String>> {
        allowed_values(&ident("values"), tokens).map(|values| {
            values
                .into_iter()
                .map(|value| match value {
                    AllowedLit::Bool(value) => format!("b:{value}"),
                    AllowedLit::Int(value) => format!("i:{value}"),
                    AllowedLit::Str(value) => format!("s:{value}"),
                })
                .collect()
        })
    }

    fn target_of(tokens: TokenStream) -> Result<String> {
        target(&ident("fail_url"), tokens).map(|target| match target {
            TargetSpec::Path(path) => format!("path {}", path.value()),
            TargetSpec::Route { name, args } => format!("route {} {args:?}", name.value()),
        })
    }

    #[test]
    fn an_expected_key_or_token_is_an_expression() {
        assert!(expected_key(&ident("api_key"), quote!(KEY)).is_ok());
        assert_eq!(
            message(expected_key(&ident("bearer"), TokenStream::new())),
            "`bearer =` needs the expected token: an expression yielding a string, such as \
             `bearer = API_TOKEN` (a `const`) or `bearer = config::api_token()`"
        );
        assert_eq!(
            message(expected_key(&ident("api_key"), TokenStream::new())),
            "`api_key =` needs the expected key: an expression yielding a string, such as \
             `api_key = API_KEY` (a `const`) or `api_key = config::api_key()`"
        );
    }

    #[test]
    fn a_header_name_is_made_of_token_characters_and_lowercased() {
        let header = |tokens| header_name(&ident("header"), tokens).map(|name| name.value());
        assert_eq!(header(quote!("X-Api-Key")).unwrap(), "x-api-key");
        assert_eq!(
            header(quote!("a!#$%&'*+-.^_`|~9")).unwrap(),
            "a!#$%&'*+-.^_`|~9"
        );
        let error = message(header(quote!("x key")));
        assert!(
            error.starts_with("`x key` is not an HTTP header name: ' ' cannot appear in one"),
            "{error}"
        );
        assert!(message(header(quote!("é"))).starts_with("`é` is not an HTTP header name"));
        assert!(message(header(quote!(""))).starts_with("`header` must not be empty"));
        let query = |tokens| query_name(&ident("query"), tokens).map(|name| name.value());
        assert_eq!(query(quote!("key")).unwrap(), "key");
        assert!(message(query(quote!(""))).starts_with("`query` must not be empty"));
    }

    #[test]
    fn a_predicate_is_a_path() {
        let check = |tokens| predicate(&ident("check"), tokens).map(|path| path_text(&path));
        assert_eq!(check(quote!(auth::is_admin)).unwrap(), "auth::is_admin");
        let error = message(check(quote!(is_admin())));
        assert!(
            error.contains("not a call: write `check = is_admin`"),
            "{error}"
        );
        let error = message(check(quote!("is_admin")));
        assert!(error.ends_with("not a string: write the path unquoted, `check = is_admin`"));
        let error = message(check(quote!(|x| true)));
        assert!(error.contains("not a closure"), "{error}");
    }

    #[test]
    fn a_csrf_key_names_what_it_is_for() {
        assert_eq!(
            csrf_key(&ident("form_key"), quote!("csrf"))
                .unwrap()
                .value(),
            "csrf"
        );
        assert!(
            message(csrf_key(&ident("session_key"), quote!(""))).starts_with(
                "`session_key` must not be empty: write the session key holding the CSRF token"
            )
        );
        assert!(
            message(csrf_key(&ident("form_key"), quote!(""))).starts_with(
                "`form_key` must not be empty: write the form field carrying the CSRF token"
            )
        );
        assert!(message(session_key(&ident("session_key"), quote!("")))
            .starts_with("`session_key` must not be empty"));
    }

    #[test]
    fn allowed_values_are_literals_or_an_array_of_them() {
        assert_eq!(allowed(quote!(7)).unwrap(), ["i:7"]);
        assert_eq!(allowed(quote!(-5)).unwrap(), ["i:-5"]);
        assert_eq!(
            allowed(quote!([
                true,
                "admin",
                -9223372036854775808,
                9223372036854775807
            ]))
            .unwrap(),
            [
                "b:true",
                "s:admin",
                "i:-9223372036854775808",
                "i:9223372036854775807"
            ]
        );
        assert_eq!(
            message(allowed(quote!([]))),
            "`values` must not be empty: no session value could ever pass"
        );
        assert!(message(allowed(quote!([[1]]))).starts_with("nested arrays are not supported"));
        assert!(message(allowed(quote!(1.5))).starts_with("floats are not supported"));
        assert!(message(allowed(quote!(-true))).starts_with("unsupported value"));
        assert_eq!(
            message(allowed(quote!(7u8))),
            "write integers without a type suffix: `7`, not `7u8`"
        );
        assert!(message(allowed(quote!(9223372036854775808))).starts_with("integer out of range"));
        for missing in ["null", "None"] {
            let name = ident(missing);
            assert!(
                message(allowed(quote!(#name))).starts_with(&format!(
                    "`{missing}` cannot be an allowed value: a missing session key always fails"
                )),
                "{missing}"
            );
        }
        assert!(message(allowed(quote!(roles::ADMIN)))
            .starts_with("`values` must be written out as literals, and `roles::ADMIN` is a name"));
    }

    #[test]
    fn a_target_is_a_path_or_url_for_with_literal_arguments() {
        assert_eq!(target_of(quote!("/login")).unwrap(), "path /login");
        assert_eq!(
            target_of(quote!(url_for("user", "ann", 42))).unwrap(),
            r#"route user ["ann", "42"]"#
        );
        assert!(message(target_of(quote!(url_for("user", 42u8))))
            .starts_with("`url_for` arguments are string or integer literals"));
        assert_eq!(
            message(target_of(quote!(route_for("user")))),
            "`fail_url` takes a string literal or `url_for(\"route_name\", \"arg\", ...)`"
        );
        assert!(message(target_of(quote!(""))).starts_with("`fail_url` must not be empty"));
        assert!(message(target_of(quote!("/a\nb")))
            .starts_with("`fail_url` must not contain control characters"));
        assert!(message(target_of(quote!(url_for()))).starts_with("`url_for` needs a route name"));
        assert!(message(target_of(quote!(url_for(user))))
            .starts_with("`url_for` takes the route name as a string literal"));
    }

    #[test]
    fn a_status_is_an_error_status_without_a_suffix() {
        let status = |tokens| fail_status(&ident("fail_status"), tokens);
        assert_eq!(status(quote!(400)).unwrap(), 400);
        assert_eq!(status(quote!(599)).unwrap(), 599);
        assert_eq!(
            message(status(quote!(401u16))),
            "write the status without a type suffix: `fail_status = 401`"
        );
        for outside in [quote!(399), quote!(600), quote!(70000)] {
            assert!(message(status(outside)).contains("is not an HTTP error status"));
        }
        assert!(message(status(quote!("401")))
            .starts_with("`fail_status` takes an integer, not a string"));
    }

    #[test]
    fn a_flag_is_bare_or_a_bool() {
        let name = ident("disable_default_fail");
        assert!(flag(&name, None).unwrap());
        assert!(flag(&name, Some(quote!(true))).unwrap());
        assert!(!flag(&name, Some(quote!(false))).unwrap());
        assert!(message(flag(&name, Some(quote!(1)))).contains("takes `true` or `false`"));
    }

    #[test]
    fn paths_read_as_written() {
        assert_eq!(path_text(&syn::parse_quote!(roles::ADMIN)), "roles::ADMIN");
        let keyword = <syn::Token![crate]>::default();
        let runtime = |tokens| runtime_path(&keyword, tokens).map(|path| path_text(&path));
        assert_eq!(runtime(quote!(checkpoint)).unwrap(), "checkpoint");
        assert_eq!(runtime(quote!("::a::b")).unwrap(), "::a::b");
        assert!(message(runtime(quote!(1))).starts_with("`crate` takes the path"));
        let response = fail_response(&ident("fail_response"), quote!(responses::denied));
        assert_eq!(path_text(&response.unwrap().0), "responses::denied");
    }
}
