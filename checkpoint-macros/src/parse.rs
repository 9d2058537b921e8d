//! Splitting the arguments of one of the attributes into entries, before any meaning is given to
//! them (that is `validate.rs`, by the table in `grammar.rs`).

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::{
    parse::{ParseStream, Parser},
    Error, Expr, Ident, Result, Token,
};

/// One comma-separated entry of the attribute.
pub(crate) enum Entry {
    /// `name = value`: the value's tokens up to the next comma outside the value (a Rust
    /// expression keeps the commas of its generics and closure parameters).
    Option { name: Ident, value: TokenStream },
    /// Anything else: a bare flag, a checkpoint path, or a mistake.
    Bare(TokenStream),
}

/// The entries of one attribute.
pub(crate) struct Entries {
    /// The attribute's own, in order.
    pub(crate) options: Vec<Entry>,
    /// `crate = path` entries: where the runtime crate is, for a renamed dependency. They apply
    /// to the whole stack, so they are read apart from the attribute's own options.
    pub(crate) runtime: Vec<(Token![crate], TokenStream)>,
}

/// Splits `args` at top-level commas.
pub(crate) fn entries(args: TokenStream) -> Result<Entries> {
    Parser::parse2(parse_entries, args)
}

/// How deep arguments may nest, as [`within_nesting_limit`] counts: far more than any
/// checkpoint needs, and far less than what overflows the compiler's stack.
pub(crate) const MAX_NESTING: usize = 256;

/// Refuses `tokens` when parsing them might overflow the compiler's stack, which aborts the
/// compiler with no word of where (syn's parser recurses, and rustc runs macros on an 8 MiB
/// stack). Checked once on an attribute's whole arguments, and on `fail_json!`'s object, before
/// anything parses them. syn recurses at most once per token of an expression before its
/// operand (a group, or a prefix: `!`, `-`, `&`, `mut`, a closure's `|..|`, a generic's `<`), so
/// the count along each path into the groups is the tokens since the last separator of each
/// level: a bound on that recursion, found without recursing. A `,` separates only outside a
/// closure's `|..|` and a generic's `<..>` (`A<B, A<B, ...>>` nests); a `;` always. The error
/// is on the token past the limit.
pub(crate) fn within_nesting_limit(tokens: &TokenStream) -> Result<()> {
    /// One level entered: a group's trees, and what its tokens so far count.
    struct Level {
        trees: proc_macro2::token_stream::IntoIter,
        /// The count at the group that opened this level.
        at_group: usize,
        /// Tokens since the level's last separator.
        since_separator: usize,
        /// `<` not yet closed by a `>` (a `->` or `=>` closes none).
        open_angles: usize,
        /// Inside a closure's parameters: an odd number of `|` since the last separator.
        in_pipes: bool,
        /// The last token was a `-` or `=` joined to the next.
        arrow_next: bool,
    }
    let level = |tokens: TokenStream, at_group| Level {
        trees: tokens.into_iter(),
        at_group,
        since_separator: 0,
        open_angles: 0,
        in_pipes: false,
        arrow_next: false,
    };
    let mut levels = vec![level(tokens.clone(), 0)];
    while let Some(current) = levels.last_mut() {
        let Some(tree) = current.trees.next() else {
            levels.pop();
            continue;
        };
        let arrow = std::mem::take(&mut current.arrow_next);
        if let TokenTree::Punct(punct) = &tree {
            match punct.as_char() {
                ';' => {
                    (current.since_separator, current.open_angles) = (0, 0);
                    current.in_pipes = false;
                    continue;
                }
                ',' if current.open_angles == 0 && !current.in_pipes => {
                    current.since_separator = 0;
                    continue;
                }
                '<' => current.open_angles += 1,
                '>' if !arrow => current.open_angles = current.open_angles.saturating_sub(1),
                '|' => current.in_pipes = !current.in_pipes,
                '-' | '=' => current.arrow_next = punct.spacing() == Spacing::Joint,
                _ => {}
            }
        }
        current.since_separator += 1;
        let count = current.at_group + current.since_separator;
        let span = match &tree {
            TokenTree::Group(group) => group.span_open(),
            tree => tree.span(),
        };
        if count > MAX_NESTING {
            return Err(Error::new(
                span,
                format!(
                    "these arguments nest deeper than this attribute reads (more than \
                     {MAX_NESTING} groups and operators in a row): write the value as a \
                     constant or a function, and name it here"
                ),
            ));
        }
        if let TokenTree::Group(group) = tree {
            levels.push(level(group.stream(), count));
        }
    }
    Ok(())
}

fn parse_entries(input: ParseStream<'_>) -> Result<Entries> {
    let mut entries = Vec::new();
    let mut runtime = Vec::new();
    while !input.is_empty() {
        let option = input.peek2(Token![=]) && !input.peek2(Token![==]);
        if input.peek(Token![crate]) && option {
            let keyword = input.parse()?;
            input.parse::<Token![=]>()?;
            runtime.push((keyword, value_tokens(input)?));
        } else if input.peek(Ident) && option {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            entries.push(Entry::Option {
                name,
                value: value_tokens(input)?,
            });
        } else {
            entries.push(Entry::Bare(tokens_until_comma(input)?));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(Entries {
        options: entries,
        runtime,
    })
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
        return Ok(ungrouped(tokens));
    }
    tokens_until_comma(input)
}

/// `tokens` without the invisible groups around them: a `macro_rules!` fragment (`$v:expr`,
/// `$p:path`) arrives wrapped in one, and reads as what it holds.
fn ungrouped(mut tokens: TokenStream) -> TokenStream {
    loop {
        let mut trees = tokens.clone().into_iter();
        match (trees.next(), trees.next()) {
            (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::None => {
                tokens = group.stream();
            }
            _ => return tokens,
        }
    }
}

/// The tokens of `input` between top-level commas (the operands of `any(...)`); a trailing comma
/// adds none.
pub(crate) fn comma_separated(input: TokenStream) -> Result<Vec<TokenStream>> {
    Parser::parse2(
        |input: ParseStream<'_>| {
            let mut items = Vec::new();
            while !input.is_empty() {
                items.push(tokens_until_comma(input)?);
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(items)
        },
        input,
    )
}

fn tokens_until_comma(input: ParseStream<'_>) -> Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(ungrouped(tokens))
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Group, Literal};
    use quote::quote;

    use super::*;

    #[test]
    fn a_macro_fragment_reads_as_what_it_holds() {
        let invisible = |tokens: TokenStream| {
            TokenStream::from(TokenTree::Group(Group::new(Delimiter::None, tokens)))
        };
        let value = invisible(invisible(TokenStream::from(TokenTree::Literal(
            Literal::string("admin"),
        ))));
        let path = invisible(quote!(roles::ADMIN));
        let args = quote!(session_key = "role", values = #value, #path);
        let entries = entries(args).unwrap();
        let Entry::Option { value, .. } = &entries.options[1] else {
            panic!("values = ...");
        };
        assert_eq!(value.to_string(), "\"admin\"");
        let Entry::Bare(path) = &entries.options[2] else {
            panic!("a bare path");
        };
        assert_eq!(path.to_string(), "roles :: ADMIN");
        // Visible groups stay.
        assert_eq!(ungrouped(quote!((1))).to_string(), "(1)");
    }

    /// An invisible group prints as what it holds, so the test above cannot tell whether it was
    /// taken off: this one looks at the trees.
    #[test]
    fn no_invisible_group_is_left_around_a_value_or_a_bare_entry() {
        let invisible = |tokens: TokenStream| {
            TokenStream::from(TokenTree::Group(Group::new(Delimiter::None, tokens)))
        };
        let value = invisible(invisible(quote!("admin")));
        let path = invisible(quote!(ADMIN));
        let entries = entries(quote!(values = #value, #path)).unwrap();
        let Entry::Option { value, .. } = &entries.options[0] else {
            panic!("values = ...");
        };
        let trees: Vec<TokenTree> = value.clone().into_iter().collect();
        assert!(
            matches!(&trees[..], [TokenTree::Literal(_)]),
            "the value is the literal itself: {trees:?}"
        );
        let Entry::Bare(path) = &entries.options[1] else {
            panic!("a bare path");
        };
        let trees: Vec<TokenTree> = path.clone().into_iter().collect();
        assert!(
            matches!(&trees[..], [TokenTree::Ident(_)]),
            "the entry is the name itself: {trees:?}"
        );
    }

    #[test]
    fn nesting_counts_groups_and_the_tokens_since_a_separator() {
        let lexed = |text: String| text.parse::<TokenStream>().unwrap();
        let parentheses =
            |depth: usize| lexed(format!("{}1{}", "(".repeat(depth), ")".repeat(depth)));
        // Each group counts one, and the `1` inside one more.
        assert!(within_nesting_limit(&parentheses(MAX_NESTING - 1)).is_ok());
        let error = within_nesting_limit(&parentheses(MAX_NESTING)).unwrap_err();
        assert!(error.to_string().contains("nest deeper"), "{error}");
        assert!(within_nesting_limit(&lexed("! ".repeat(MAX_NESTING))).is_ok());
        assert!(within_nesting_limit(&lexed("! ".repeat(MAX_NESTING + 1))).is_err());
        // A `,` or `;` starts the count again: long lists are not deep.
        let list = vec!["-1"; 10 * MAX_NESTING].join(", ");
        assert!(within_nesting_limit(&lexed(format!("values = [{list}]"))).is_ok());
        let statements = "let a = 1; ".repeat(10 * MAX_NESTING);
        assert!(within_nesting_limit(&lexed(format!("check = {{ {statements} }}"))).is_ok());
        // But not a `,` inside a generic's `<..>` or a closure's `|..|`, which nest on.
        let generic = format!(
            "f::<{}C{}>()",
            "A<B, ".repeat(MAX_NESTING),
            ">".repeat(MAX_NESTING)
        );
        assert!(within_nesting_limit(&lexed(generic)).is_err());
        let closures = format!("{}a", "|a, b| ".repeat(MAX_NESTING));
        assert!(within_nesting_limit(&lexed(closures)).is_err());
        // A `->` or `=>` closes no `<`.
        let arrows = format!("A<{}B>", "Fn() -> C, ".repeat(MAX_NESTING));
        assert!(within_nesting_limit(&lexed(arrows)).is_err());
        // A `>` closes one: a comma after a closed generic separates.
        let closed = vec!["f::<A>()"; 10 * MAX_NESTING].join(", ");
        assert!(within_nesting_limit(&lexed(closed)).is_ok());
    }

    /// Each entry, `name = value` or `bare tokens`, as text.
    fn split(args: TokenStream) -> Vec<String> {
        let entries = entries(args).expect("the arguments split");
        let mut split: Vec<String> = entries
            .runtime
            .iter()
            .map(|(_, value)| format!("crate = {value}"))
            .collect();
        split.extend(entries.options.iter().map(|entry| match entry {
            Entry::Option { name, value } => format!("{name} = {value}"),
            Entry::Bare(tokens) => format!("bare {tokens}"),
        }));
        split
    }

    #[test]
    fn entries_split_at_the_commas_outside_a_value() {
        assert_eq!(
            split(quote!(
                api_key = keys::get::<A, B>(),
                header = "h",
                ADMIN,
                crate = rt,
            )),
            [
                "crate = rt",
                "api_key = keys :: get :: < A , B > ()",
                "header = \"h\"",
                "bare ADMIN"
            ]
        );
        // A value that is no single expression runs to the next comma.
        assert_eq!(split(quote!(values = 1 2, x)), ["values = 1 2", "bare x"]);
        // `==` is no option.
        assert_eq!(split(quote!(a == b)), ["bare a == b"]);
        assert_eq!(
            comma_separated(quote!(A, (B, C),)).unwrap().len(),
            2,
            "a trailing comma adds no operand"
        );
    }
}
