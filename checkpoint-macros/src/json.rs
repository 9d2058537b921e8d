//! `fail_json = { ... }` and `fail_json!({ ... })`: a JSON object written as Rust tokens,
//! checked while compiling and turned into compact JSON text.

use std::{collections::BTreeSet, fmt::Write as _};

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::{spanned::Spanned, Error, Lit, Result};

use crate::model::JsonText;

/// Where an object was written, for examples in error messages that match what the user wrote.
#[derive(Clone, Copy)]
pub(crate) enum Written {
    /// `#[checkpoint(..., fail_json = { ... })]`.
    Option,
    /// `fail_json!({ ... })`.
    Macro,
}

impl Written {
    fn example(self) -> &'static str {
        match self {
            Self::Option => "`fail_json = { \"error\": \"Unauthorized\" }`",
            Self::Macro => "`fail_json!({ \"error\": \"Unauthorized\" })`",
        }
    }
}

/// Converts the tokens of one JSON object (a `{ ... }` group) into JSON text.
/// `name_span` points at what introduced the object, for errors when there is no object at all.
pub(crate) fn object_from_tokens(
    tokens: TokenStream,
    name_span: Span,
    written: Written,
) -> Result<JsonText> {
    let span = if tokens.is_empty() {
        name_span
    } else {
        tokens.span()
    };
    let example = written.example();
    let mut trees = tokens.clone().into_iter();
    let object = match trees.next() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
        None => {
            return Err(Error::new(
                name_span,
                format!("expected a JSON object, such as {example}"),
            ))
        }
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket => {
            return Err(Error::new(
                group.span(),
                format!(
                    "the fail_json body must be a JSON object, not an array: wrap the array \
                     in an object, such as {example}"
                ),
            ))
        }
        Some(TokenTree::Literal(literal)) if matches!(Lit::new(literal.clone()), Lit::Str(_)) => {
            return Err(Error::new(
                literal.span(),
                format!(
                    "write the JSON object itself, not a string holding JSON: {example} \
                     (it is checked while compiling)"
                ),
            ))
        }
        Some(_) => {
            return Err(Error::new_spanned(
                tokens,
                format!("expected a JSON object, such as {example}"),
            ))
        }
    };
    let rest: TokenStream = trees.collect();
    if !rest.is_empty() {
        return Err(Error::new_spanned(
            rest,
            "unexpected tokens after the JSON object: fail_json takes a single object",
        ));
    }
    let mut text = String::new();
    write_object(&object, &mut text)?;
    Ok(JsonText { text, span })
}

/// The hint for a value that is not JSON.
const NOT_JSON: &str =
    "not a JSON value: fail_json is data, not Rust code; use a string, number, true, false, \
     null, [..] or {..}";

fn write_value(trees: &mut Tokens, out: &mut String) -> Result<()> {
    match trees.next() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
            write_object(&group, out)
        }
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket => {
            write_array(&group, out)
        }
        Some(TokenTree::Punct(minus)) if minus.as_char() == '-' => match trees.next() {
            Some(TokenTree::Literal(literal)) => {
                out.push('-');
                write_number(&Lit::new(literal), out)
            }
            _ => Err(Error::new(minus.span(), "expected a number after `-`")),
        },
        Some(TokenTree::Literal(literal)) => match Lit::new(literal) {
            Lit::Str(string) if string.suffix().is_empty() => {
                write_string(&string.value(), out);
                Ok(())
            }
            number @ (Lit::Int(_) | Lit::Float(_)) => write_number(&number, out),
            other => Err(Error::new(
                other.span(),
                "not a JSON value: use a string, number, true, false, null, [..] or {..}",
            )),
        },
        Some(TokenTree::Ident(ident)) => match ident.to_string().as_str() {
            word @ ("true" | "false" | "null") => {
                out.push_str(word);
                Ok(())
            }
            word @ ("True" | "False" | "None" | "Null" | "nil" | "NULL" | "TRUE" | "FALSE") => {
                let json = match word {
                    "True" | "TRUE" => "true",
                    "False" | "FALSE" => "false",
                    _ => "null",
                };
                Err(Error::new(
                    ident.span(),
                    format!("not a JSON value: write `{json}`"),
                ))
            }
            _ => Err(Error::new_spanned(rust_expression(ident, trees), NOT_JSON)),
        },
        Some(other) => Err(Error::new(other.span(), NOT_JSON)),
        None => Err(Error::new(
            trees.end_span,
            "expected a JSON value after `:`",
        )),
    }
}

fn write_object(group: &Group, out: &mut String) -> Result<()> {
    let mut trees = Tokens::of(group);
    let mut keys = BTreeSet::new();
    out.push('{');
    while let Some(key) = trees.next() {
        let key = match key {
            TokenTree::Literal(literal) => match Lit::new(literal) {
                Lit::Str(key) if key.suffix().is_empty() => key,
                Lit::Int(int) => return Err(unquoted_key(int.span(), int.base10_digits())),
                other => return Err(Error::new(other.span(), "a JSON key must be a string")),
            },
            TokenTree::Ident(ident) => return Err(unquoted_key(ident.span(), &ident.to_string())),
            other => return Err(Error::new(other.span(), "a JSON key must be a string")),
        };
        if !keys.insert(key.value()) {
            return Err(Error::new(
                key.span(),
                format!(
                    "duplicate key {:?} in the JSON object: each key may appear once",
                    key.value()
                ),
            ));
        }
        if keys.len() > 1 {
            out.push(',');
        }
        write_string(&key.value(), out);
        match trees.next() {
            Some(TokenTree::Punct(colon)) if colon.as_char() == ':' => {}
            other => {
                let span = other.map_or(trees.end_span, |tree| tree.span());
                return Err(Error::new(span, "expected `:` after the key"));
            }
        }
        out.push(':');
        write_value(&mut trees, out)?;
        trees.separator()?;
    }
    out.push('}');
    Ok(())
}

fn write_array(group: &Group, out: &mut String) -> Result<()> {
    let mut trees = Tokens::of(group);
    out.push('[');
    let mut first = true;
    while trees.peek_some() {
        if !first {
            out.push(',');
        }
        first = false;
        write_value(&mut trees, out)?;
        trees.separator()?;
    }
    out.push(']');
    Ok(())
}

fn write_number(number: &Lit, out: &mut String) -> Result<()> {
    match number {
        Lit::Int(int) if int.suffix().is_empty() => {
            let value: u128 = int.base10_parse()?;
            write!(out, "{value}").expect("writing to a String");
            Ok(())
        }
        Lit::Float(float) if float.suffix().is_empty() => {
            let value: f64 = float.base10_parse()?;
            if !value.is_finite() {
                return Err(Error::new(float.span(), "JSON numbers must be finite"));
            }
            write!(out, "{value:?}").expect("writing to a String");
            Ok(())
        }
        Lit::Int(_) | Lit::Float(_) => Err(Error::new(
            number.span(),
            "JSON numbers take no type suffix: write `401`, not `401u16`",
        )),
        other => Err(Error::new(other.span(), "expected a number")),
    }
}

fn unquoted_key(span: Span, key: &str) -> Error {
    Error::new(
        span,
        format!("a JSON key must be a string: write `\"{key}\"`"),
    )
}

/// A Rust expression where a JSON value should be, starting at `first`: a path, a macro call or
/// a function call, taken whole so that the error covers all of it.
fn rust_expression(first: proc_macro2::Ident, trees: &mut Tokens) -> TokenStream {
    let mut expression: TokenStream = TokenTree::Ident(first).into();
    while let Some(tree) = trees.inner.peek() {
        let part_of_it = match tree {
            TokenTree::Punct(punct) => matches!(punct.as_char(), '!' | ':' | '.'),
            TokenTree::Group(group) => group.delimiter() != Delimiter::Brace,
            TokenTree::Ident(_) => true,
            TokenTree::Literal(_) => false,
        };
        if !part_of_it {
            break;
        }
        expression.extend(trees.inner.next());
    }
    expression
}

/// Writes `value` as a JSON string literal.
fn write_string(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => write!(out, "\\u{:04x}", c as u32).expect("writing to a String"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The tokens inside a group, with comma handling.
struct Tokens {
    inner: std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
    end_span: Span,
}

impl Tokens {
    fn of(group: &Group) -> Self {
        Self {
            inner: group.stream().into_iter().peekable(),
            end_span: group.span_close(),
        }
    }

    fn peek_some(&mut self) -> bool {
        self.inner.peek().is_some()
    }

    /// After a value: a comma, or the end of the group (a trailing comma is accepted).
    fn separator(&mut self) -> Result<()> {
        match self.inner.next() {
            None => Ok(()),
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => Ok(()),
            Some(TokenTree::Punct(operator)) if operator.as_char() != ':' => Err(Error::new(
                operator.span(),
                format!(
                    "`{}` is not JSON: fail_json is data, not Rust code; write the value \
                     itself, such as `401`",
                    operator.as_char()
                ),
            )),
            Some(other) => Err(Error::new(
                other.span(),
                "expected `,` between JSON entries",
            )),
        }
    }
}

impl Iterator for Tokens {
    type Item = TokenTree;

    fn next(&mut self) -> Option<TokenTree> {
        self.inner.next()
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn json(tokens: TokenStream) -> std::result::Result<String, String> {
        object_from_tokens(tokens, Span::call_site(), Written::Option)
            .map(|json| json.text)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn objects_become_compact_json() {
        assert_eq!(json(quote!({})).unwrap(), "{}");
        assert_eq!(
            json(quote!({ "error": "No \"way\"\n", "code": 401, "ok": false, })).unwrap(),
            r#"{"error":"No \"way\"\n","code":401,"ok":false}"#
        );
        assert_eq!(
            json(quote!({ "list": [1, -2, 2.5, null, [], {"a": true}] })).unwrap(),
            r#"{"list":[1,-2,2.5,null,[],{"a":true}]}"#
        );
    }

    #[test]
    fn non_json_is_refused_with_a_reason() {
        assert!(json(quote!(["x"])).unwrap_err().contains("JSON object"));
        assert!(json(quote!("x")).unwrap_err().contains("JSON object"));
        assert!(json(quote!({ error: "x" }))
            .unwrap_err()
            .contains("key must be a string"));
        assert!(json(quote!({ "a": 1, "a": 2 }))
            .unwrap_err()
            .contains("duplicate key"));
        assert!(json(quote!({ "a" 1 }))
            .unwrap_err()
            .contains("expected `:`"));
        assert!(json(quote!({ "a": 1 "b": 2 }))
            .unwrap_err()
            .contains("expected `,`"));
        assert!(json(quote!({ "a": some_var }))
            .unwrap_err()
            .contains("not Rust code"));
        assert!(json(quote!({ "a": 1u8 }))
            .unwrap_err()
            .contains("no type suffix"));
        assert!(json(quote!({ "a": }))
            .unwrap_err()
            .contains("expected a JSON value"));
    }
}
