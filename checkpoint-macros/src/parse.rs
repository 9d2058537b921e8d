//! Splitting the arguments of one `#[checkpoint(...)]` into entries, before any meaning is
//! given to them (that is `validate.rs`).

use proc_macro2::{TokenStream, TokenTree};
use syn::{
    parse::{ParseStream, Parser},
    Ident, Result, Token,
};

/// One comma-separated entry of the attribute.
pub(crate) enum Entry {
    /// `name = value`, with the value's tokens up to the next top-level comma.
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
                value: tokens_until_comma(input)?,
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

fn tokens_until_comma(input: ParseStream<'_>) -> Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}
