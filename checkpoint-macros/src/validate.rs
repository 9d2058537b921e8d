//! Giving the entries of a `#[checkpoint(...)]` their meaning: every rule of what is allowed,
//! each broken rule a compile error on the tokens at fault, all of them reported at once.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Error, Expr, ExprCall, ExprLit, ExprPath, ExprUnary, Lit, LitStr, Path, Result, UnOp};

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

/// Where one attribute was written, for errors about what it lacks: its arguments when there
/// are any (so the error sits inside the parentheses), else the whole attribute.
pub(crate) struct AttrSite {
    pub(crate) args: TokenStream,
    pub(crate) span: Span,
}

impl AttrSite {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        if self.args.is_empty() {
            Error::new(self.span, message)
        } else {
            Error::new_spanned(&self.args, message)
        }
    }
}

/// Validates one attribute's entries.
pub(crate) fn checkpoint(entries: Vec<Entry>, site: &AttrSite) -> Result<CheckpointSpec> {
    if entries.is_empty() {
        return Err(site.error(EXPECTED_CHECKPOINT));
    }
    if let Some(named) = named_checkpoint(&entries)? {
        return Ok(named);
    }

    let mut errors = Errors::default();
    let mut seen: Vec<String> = Vec::new();
    // Options the user evidently meant to give, even if the entry was faulty (`values` without
    // a value, `sesion_key` for `session_key`): no "missing" error is piled onto those.
    let mut meant: Vec<&str> = Vec::new();
    let inline = entries.iter().any(|entry| match entry {
        Entry::Option { .. } => true,
        Entry::Bare(tokens) => option_name(tokens).is_some(),
    });
    let mut session_key = None;
    let mut values = None;
    let mut action = ActionSpec::default();

    for entry in entries {
        let (name, value) = match entry {
            Entry::Option { name, value } => (name, Some(value)),
            Entry::Bare(tokens) => match syn::parse2::<syn::Ident>(tokens.clone()) {
                Ok(name) if name == "disable_default_fail" => (name, None),
                Ok(name) if OPTIONS.contains(&name.to_string().as_str()) => {
                    meant.extend(option_name(&tokens));
                    errors.push(Error::new(
                        name.span(),
                        format!("`{name}` needs a value: `{name} = ...`"),
                    ));
                    continue;
                }
                Ok(name) if misspelt_option(&tokens).is_some() => {
                    let (error, suggestion) = unknown_option(&name);
                    meant.extend(suggestion);
                    errors.push(error);
                    continue;
                }
                _ if syn::parse2::<Path>(tokens.clone()).is_ok() => {
                    errors.push(Error::new_spanned(
                        &tokens,
                        format!(
                            "`{}` is not an option; a named checkpoint stands alone: write \
                             `#[checkpoint(NAME)]` as an attribute of its own, and set its \
                             options on its `.action(...)`",
                            tokens.to_string().replace(' ', "")
                        ),
                    ));
                    continue;
                }
                _ => {
                    errors.push(Error::new_spanned(&tokens, EXPECTED_CHECKPOINT));
                    continue;
                }
            },
        };
        let key = name.to_string();
        if !OPTIONS.contains(&key.as_str()) {
            let (error, suggestion) = unknown_option(&name);
            meant.extend(suggestion);
            errors.push(error);
            continue;
        }
        if seen.contains(&key) {
            errors.push(Error::new(
                name.span(),
                format!("duplicate option `{key}`: it is already set earlier in this attribute; keep only one `{key} = ...`"),
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
                action.fail_json = errors.take(json::object_from_tokens(
                    value,
                    name.span(),
                    json::Written::Option,
                ));
            }
            "fail_response" => action.fail_response = errors.take(fail_response(&name, value)),
            "fail_status" => action.fail_status = errors.take(fail_status(&name, value)),
            "message" => action.message = errors.take(string(&name, value)),
            "message_category" => action.message_category = errors.take(string(&name, value)),
            _ => unreachable!("every name in OPTIONS is handled"),
        }
    }

    // Only an attribute that is evidently written with options lacks some: for anything else
    // (a string, an expression) the error above already says what a checkpoint looks like.
    if inline {
        let lacking =
            |option: &str| !seen.iter().any(|seen| seen == option) && !meant.contains(&option);
        match (lacking("session_key"), lacking("values")) {
            (true, true) => errors.push(site.error(
                "missing `session_key = \"...\"` and `values = ...`: the session key this \
                 checkpoint reads, and the value (or array of values) it must hold",
            )),
            (true, false) => {
                errors.push(site.error(
                    "missing `session_key = \"...\"`: the session key this checkpoint reads",
                ))
            }
            (false, true) => errors.push(site.error(
                "missing `values = ...`: the value (or array of values) the session key must hold",
            )),
            (false, false) => {}
        }
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
        _ => Err(site.error(EXPECTED_CHECKPOINT)),
    }
}

/// The option an entry names when it is a bare option name (`values`, `disable_default_fail`).
fn option_name(tokens: &TokenStream) -> Option<&'static str> {
    let ident = syn::parse2::<syn::Ident>(tokens.clone()).ok()?;
    OPTIONS.iter().copied().find(|option| ident == option)
}

/// `#[checkpoint(NAME)]`: a leading bare path that is not an option name. `None` when the
/// attribute does not start with a name; an error when a name is followed by other entries.
fn named_checkpoint(entries: &[Entry]) -> Result<Option<CheckpointSpec>> {
    let Some((Entry::Bare(tokens), rest)) = entries.split_first() else {
        return Ok(None);
    };
    if option_name(tokens).is_some() || misspelt_option(tokens).is_some() {
        return Ok(None);
    }
    let Ok(first) = syn::parse2::<Path>(tokens.clone()) else {
        return Ok(None);
    };
    if rest.is_empty() {
        return Ok(Some(CheckpointSpec::Named(first)));
    }
    let name = path_text(&first);
    if let [Entry::Bare(second), ..] = rest {
        if let (None, Ok(second)) = (option_name(second), syn::parse2::<Path>(second.clone())) {
            return Err(Error::new_spanned(
                &second,
                format!(
                    "one checkpoint per attribute: stack them as `#[checkpoint({name})]` \
                     `#[checkpoint({})]`",
                    path_text(&second)
                ),
            ));
        }
    }
    let others: TokenStream = rest.iter().map(entry_tokens).collect();
    Err(Error::new_spanned(
        others,
        format!(
            "`{name}` is a named checkpoint, which takes no options here: set them on its \
             `.action(Action::new()...)`, or drop the name and write the whole checkpoint \
             inline as `session_key = \"...\", values = ...` plus options"
        ),
    ))
}

/// The option a bare word is a near miss of, such as `disable_default_fial`.
fn misspelt_option(tokens: &TokenStream) -> Option<&'static str> {
    let ident = syn::parse2::<syn::Ident>(tokens.clone()).ok()?;
    closest_option(&ident.to_string(), 2)
}

fn path_text(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

fn entry_tokens(entry: &Entry) -> TokenStream {
    match entry {
        Entry::Option { name, value } => quote::quote!(#name = #value),
        Entry::Bare(tokens) => tokens.clone(),
    }
}

/// The error for an unknown option, and the option it was probably meant to be.
fn unknown_option(name: &syn::Ident) -> (Error, Option<&'static str>) {
    let written = name.to_string();
    let closest = closest_option(&written, 3);
    let hint = match closest {
        Some(option) => format!("did you mean `{option}`?"),
        None => format!("expected one of: {}", OPTIONS.join(", ")),
    };
    let error = Error::new(name.span(), format!("unknown option `{written}`: {hint}"));
    (error, closest)
}

/// The option nearest to `written`, if within `max_distance` edits.
fn closest_option(written: &str, max_distance: usize) -> Option<&'static str> {
    OPTIONS
        .iter()
        .map(|option| (edit_distance(written, option), *option))
        .min()
        .filter(|(distance, _)| *distance <= max_distance)
        .map(|(_, option)| option)
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
        return Err(Error::new(name.span(), format!("`{name} =` needs a value")));
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
        return Err(Error::new(
            key.span(),
            "`session_key` must not be empty: write the key this checkpoint reads, such as \
             `session_key = \"logged_in\"`",
        ));
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

fn target(name: &syn::Ident, tokens: TokenStream) -> Result<TargetSpec> {
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

fn fail_response(name: &syn::Ident, tokens: TokenStream) -> Result<(Path, Span)> {
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

fn fail_status(name: &syn::Ident, tokens: TokenStream) -> Result<u16> {
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
