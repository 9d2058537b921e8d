//! Splitting the arguments of one `#[checkpoint(...)]` or `#[include_csrf(...)]` into entries,
//! before any meaning is given to them (that is `validate.rs`).

use proc_macro2::{TokenStream, TokenTree};
use syn::{
    parse::{ParseStream, Parser},
    Expr, Ident, Result, Token,
};

/// One comma-separated entry of the attribute.
pub(crate) enum Entry {
    /// `name = value`: the value's tokens up to the next comma outside the value (a Rust
    /// expression keeps the commas of its generics and closure parameters).
    Option { name: Ident, value: TokenStream },
    /// Anything else: a bare flag, a checkpoint path, or a mistake.
    Bare(TokenStream),
}

/// Splits `args` at top-level commas.
pub(crate) fn entries(args: TokenStream) -> Result<Vec<Entry>> {
    Parser::parse2(parse_entries, args)
}

fn parse_entries(input: ParseStream<'_>) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        let entry = if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Entry::Option {
                name,
                value: value_tokens(input)?,
            }
        } else {
            Entry::Bare(tokens_until_comma(input)?)
        };
        entries.push(entry);
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(entries)
}

/// An option's value: a whole Rust expression when the tokens up to the entry's end are one
/// (`api_key = keys::get::<A, B>()`, `check = |a, b| ...`), else everything up to the next comma
/// (a `fail_json` object, or a mistake for `validate` to point at).
fn value_tokens(input: ParseStream<'_>) -> Result<TokenStream> {
    let fork = input.fork();
    if fork.parse::<Expr>().is_ok() && (fork.is_empty() || fork.peek(Token![,])) {
        let mut tokens = TokenStream::new();
        while !input.is_empty() && input.cursor() != fork.cursor() {
            tokens.extend([input.parse::<TokenTree>()?]);
        }
        return Ok(tokens);
    }
    tokens_until_comma(input)
}

fn tokens_until_comma(input: ParseStream<'_>) -> Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}
