//! Giving the entries of a `#[checkpoint(...)]` their meaning: every rule of what is allowed,
//! each broken rule a compile error on the tokens at fault, all of them reported at once.

use proc_macro2::{Span, TokenStream};
use syn::{
    Error, Expr, ExprCall, ExprLit, ExprPath, ExprUnary, Lit, LitStr,
    Path, Result, UnOp,
};

use crate::{
    json,
    model::{ActionSpec, AllowedLit, CheckpointSpec, SessionSpec, TargetSpec},
    parse::Entry,
};

const OPTIONS: &[&str] = &[
    "session_key",
    "values",
    "fail_url",
    "pass_url",
    "fail_json",
    "fail_response",
    "fail_status",
    "message",
    "message_category",
    "disable_default_fail",
];

const EXPECTED_CHECKPOINT: &str = "expected a checkpoint: options such as \
     `session_key = \"logged_in\", values = true`, or the name of a checkpoint constant such as \
     `LOGGED_IN`";

/// Collects errors so that one build reports every mistake.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }
}

/// Validates one attribute's entries; `attr_span` points at the attribute for errors about
/// what is missing.
pub(crate) fn checkpoint(entries: Vec<Entry>, attr_span: Span) -> Result<CheckpointSpec> {
    if let [Entry::Bare(tokens)] = entries.as_slice() {
        if let Ok(path) = syn::parse2::<Path>(tokens.clone()) {
            if path.get_ident().is_none_or(|ident| ident != "disable_default_fail") {
                return Ok(CheckpointSpec::Named(path));
            }
        }
    }
    if entries.is_empty() {
        return Err(Error::new(attr_span, EXPECTED_CHECKPOINT));
    }

    let mut errors = Errors::default();
    let mut seen: Vec<String> = Vec::new();
    let mut session_key = None;
    let mut values = None;
    let mut action = ActionSpec::default();

    for entry in entries {
        let (name, value) = match entry {
            Entry::Option { name, value } => (name, Some(value)),
            Entry::Bare(tokens) => match syn::parse2::<syn::Ident>(tokens.clone()) {
                Ok(name) if name == "disable_default_fail" => (name, None),
                Ok(name) if OPTIONS.contains(&name.to_string().as_str()) => {
                    errors.push(Error::new(
                        name.span(),
                        format!("`{name}` needs a value: `{name} = ...`"),
                    ));
                    continue;
                }
                Ok(_) => {
                    errors.push(Error::new_spanned(
                        &tokens,
                        "a named checkpoint stands alone: `#[checkpoint(NAME)]`; set its options \
                         on its `.action(...)`",
                    ));
                    continue;
                }
                Err(_) => {
                    errors.push(Error::new_spanned(&tokens, EXPECTED_CHECKPOINT));
                    continue;
                }
            },
        };
        let key = name.to_string();
        if !OPTIONS.contains(&key.as_str()) {
            errors.push(unknown_option(&name));
            continue;
        }
        if seen.contains(&key) {
            errors.push(Error::new(
                name.span(),
                format!("duplicate option `{key}`: each option may appear once"),
            ));
            continue;
        }
        seen.push(key.clone());
        if key == "disable_default_fail" {
            action.disable_default_fail = errors.take(flag(&name, value)).unwrap_or(false);
            continue;
        }
        let value = value.unwrap_or_default();
        match key.as_str() {
            "session_key" => session_key = errors.take(session_key_value(&name, value)),
            "values" => values = errors.take(allowed_values(&name, value)),
            "fail_url" => action.fail_url = errors.take(target(&name, value)),
            "pass_url" => action.pass_url = errors.take(target(&name, value)),
            "fail_json" => {
                action.fail_json = errors.take(json::object_from_tokens(value, name.span()));
            }
            "fail_response" => action.fail_response = errors.take(fail_response(&name, value)),
            "fail_status" => action.fail_status = errors.take(fail_status(&name, value)),
            "message" => action.message = errors.take(string(&name, value)),
            "message_category" => action.message_category = errors.take(string(&name, value)),
            _ => unreachable!("every name in OPTIONS is handled"),
        }
    }

    let named = |option| seen.iter().any(|seen| seen == option);
    if !named("session_key") {
        errors.push(Error::new(
            attr_span,
            "missing `session_key = \"...\"`: the session key this checkpoint reads",
        ));
    }
    if !named("values") {
        errors.push(Error::new(
            attr_span,
            "missing `values = ...`: the value (or array of values) the session key must hold",
        ));
    }
    if let Some(error) = errors.0 {
        return Err(error);
    }
    match (session_key, values) {
        (Some(session_key), Some(values)) => Ok(CheckpointSpec::Session(SessionSpec {
            session_key,
            values,
            action,
        })),
        _ => Err(Error::new(attr_span, EXPECTED_CHECKPOINT)),
    }
}

fn unknown_option(name: &syn::Ident) -> Error {
    let written = name.to_string();
    let closest = OPTIONS
        .iter()
        .map(|option| (edit_distance(&written, option), option))
        .min()
        .filter(|(distance, _)| *distance <= 3);
    let hint = match closest {
        Some((_, option)) => format!("did you mean `{option}`?"),
        None => format!("expected one of: {}", OPTIONS.join(", ")),
    };
    Error::new(name.span(), format!("unknown option `{written}`: {hint}"))
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

fn parse_expr(name: &syn::Ident, tokens: TokenStream) -> Result<Expr> {
    if tokens.is_empty() {
        return Err(Error::new(
            name.span(),
            format!("`{name} =` needs a value"),
        ));
    }
    syn::parse2(tokens)
}

fn string(name: &syn::Ident, tokens: TokenStream) -> Result<LitStr> {
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

fn session_key_value(name: &syn::Ident, tokens: TokenStream) -> Result<LitStr> {
    let key = string(name, tokens)?;
    if key.value().is_empty() {
        return Err(Error::new(key.span(), "`session_key` must not be empty"));
    }
    Ok(key)
}

fn allowed_values(name: &syn::Ident, tokens: TokenStream) -> Result<Vec<AllowedLit>> {
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
            Lit::Int(int) => Ok(AllowedLit::Int(integer(int, false)?)),
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
            }) => Ok(AllowedLit::Int(integer(int, true)?)),
            _ => allowed_scalar(inner).and(Err(Error::new_spanned(expr, UNSUPPORTED))),
        },
        Expr::Path(path) if path.path.is_ident("null") || path.path.is_ident("None") => {
            Err(Error::new_spanned(
                path,
                "null is not supported: a missing session key already fails the check",
            ))
        }
        other => Err(Error::new_spanned(other, UNSUPPORTED)),
    }
}

fn integer(int: &syn::LitInt, negative: bool) -> Result<i64> {
    if !int.suffix().is_empty() {
        return Err(Error::new(
            int.span(),
            "write integers without a type suffix, such as `42`",
        ));
    }
    let magnitude: u64 = int.base10_parse()?;
    let value = if negative {
        0_i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    value.ok_or_else(|| Error::new(int.span(), "integer out of range for i64"))
}

fn target(name: &syn::Ident, tokens: TokenStream) -> Result<TargetSpec> {
    match parse_expr(name, tokens)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(path),
            ..
        }) => {
            let value = path.value();
            if value.is_empty() {
                return Err(Error::new(path.span(), format!("`{name}` must not be empty")));
            }
            if value.chars().any(char::is_control) {
                return Err(Error::new(
                    path.span(),
                    format!("`{name}` must not contain control characters"),
                ));
            }
            Ok(TargetSpec::Path(path))
        }
        Expr::Call(call) if is_url_for(&call) => url_for(call),
        other => Err(Error::new_spanned(
            other,
            format!(
                "`{name}` takes a string literal or `url_for(\"route_name\", \"arg\", ...)`"
            ),
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
                "`url_for` arguments are string or integer literals",
            )),
        })
        .collect::<Result<_>>()?;
    Ok(TargetSpec::Route { name, args })
}

fn fail_response(name: &syn::Ident, tokens: TokenStream) -> Result<Path> {
    match parse_expr(name, tokens)? {
        Expr::Path(ExprPath { path, qself: None, .. }) => Ok(path),
        other => Err(Error::new_spanned(
            other,
            "`fail_response` takes the path of a `fn(&HttpRequest) -> HttpResponse`, such as \
             `fail_response = responses::denied`",
        )),
    }
}

fn fail_status(name: &syn::Ident, tokens: TokenStream) -> Result<u16> {
    const RANGE: &str = "`fail_status` must be an HTTP error status from 400 to 599, such as 401";
    match parse_expr(name, tokens)? {
        Expr::Lit(ExprLit {
            lit: Lit::Int(status),
            ..
        }) => match status.base10_parse::<u16>() {
            Ok(code @ 400..=599) if status.suffix().is_empty() => Ok(code),
            _ => Err(Error::new(status.span(), RANGE)),
        },
        other => Err(Error::new_spanned(other, RANGE)),
    }
}

fn flag(name: &syn::Ident, tokens: Option<TokenStream>) -> Result<bool> {
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

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("fail_url", "fail_url"), 0);
        assert_eq!(edit_distance("fail_ur", "fail_url"), 1);
        assert_eq!(edit_distance("fial_url", "fail_url"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
