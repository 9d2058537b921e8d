//! Procedural macros of actix-checkpoint. Depend on `checkpoint-runtime`, which re-exports them
//! and documents them; the generated code calls into it.
//!
//! The work is a pipeline: `parse` splits an attribute into entries, `validate` turns them into
//! the typed `model` (every misuse a spanned compile error, all reported at once), `expand`
//! emits the wrapper. What may be written is one table, `grammar` (read by `validate`, the value
//! readers in `values` and the hints in `suggest`); `json` checks `fail_json` objects.
//!
//! `#[checkpoint(...)]`, `#[include_csrf(...)]` (a CSRF check, with its own options),
//! `#[login_required]` and `#[fresh_login_required]` share it: whichever is topmost on a handler
//! takes the others below it, in order, into one wrapper.

mod errors;
mod expand;
mod grammar;
mod json;
mod model;
#[cfg(test)]
mod never_panics;
mod parse;
mod suggest;
mod validate;
mod values;

use errors::Errors;
use model::{AttrKind, AttrSite};
use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::ToTokens;
use syn::{spanned::Spanned, Attribute, Error, Item, ItemFn, Meta, Result};

/// The topmost of this crate's attributes on a handler takes every other one below it and
/// generates a single wrapper that runs them top to bottom, before the handler's extractors.
#[proc_macro_attribute]
pub fn checkpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    guard(AttrKind::Checkpoint, args.into(), item.into()).into()
}

/// Stacks with the crate's other attributes, in any order, into one wrapper.
#[proc_macro_attribute]
pub fn include_csrf(args: TokenStream, item: TokenStream) -> TokenStream {
    guard(AttrKind::IncludeCsrf, args.into(), item.into()).into()
}

/// Stacks with the crate's other attributes, in any order, into one wrapper.
#[proc_macro_attribute]
pub fn login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    guard(AttrKind::LoginRequired, args.into(), item.into()).into()
}

/// Stacks with the crate's other attributes, in any order, into one wrapper.
#[proc_macro_attribute]
pub fn fresh_login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    guard(AttrKind::FreshLoginRequired, args.into(), item.into()).into()
}

/// Makes the handler's route public under `LoginRequired`'s middleware; stacks with the crate's
/// other attributes, above the route attribute.
#[proc_macro_attribute]
pub fn login_not_required(args: TokenStream, item: TokenStream) -> TokenStream {
    guard(AttrKind::LoginNotRequired, args.into(), item.into()).into()
}

/// The work of the topmost attribute `kind`, written with `args`, on `item`: the whole pipeline
/// (parse, validate, expand), on `proc_macro2` tokens so that it also runs outside a macro, in
/// the unit tests.
fn guard(kind: AttrKind, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let mut handler = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(handler) => handler,
        Err(_) => return with_compile_error(item.clone(), not_a_handler(kind, item)),
    };

    let (stacked, attrs): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(&mut handler.attrs)
        .into_iter()
        .partition(|attr| our_attribute(attr).is_some());
    handler.attrs = attrs;

    let mut errors = Errors::default();
    if handler.sig.asyncness.is_none() {
        errors.push(Error::new(
            handler.sig.fn_token.span(),
            "checkpoint handlers must be `async fn`: write `async fn`",
        ));
        // Emitted as the `async fn` it should be, so that registering it (`#[get]`,
        // `.to(handler)`) adds no second error about `Handler`.
        handler.sig.asyncness = Some(syn::Token![async](handler.sig.fn_token.span()));
    }
    if let Some(receiver) = handler.sig.receiver() {
        errors.push(Error::new_spanned(
            receiver,
            "checkpoint handlers cannot take `self`: make the handler a free function",
        ));
    }

    let mut stack = Vec::new();
    let mut runtime: Option<syn::Path> = None;
    let first = Ok(AttrSite {
        kind,
        args,
        span: Span::call_site(),
    });
    let sites = std::iter::once(first).chain(stacked.iter().map(stacked_site));
    for site in sites {
        // The nesting limit once, on the whole arguments, before anything parses them.
        let Some((site, entries)) = errors.take(site.and_then(|site| {
            parse::within_nesting_limit(&site.args)?;
            parse::entries(site.args.clone()).map(|entries| (site, entries))
        })) else {
            continue;
        };
        for (keyword, value) in entries.runtime {
            if let Some(path) = errors.take(values::runtime_path(&keyword, value)) {
                match &runtime {
                    None => runtime = Some(path),
                    Some(first) if values::path_text(first) == values::path_text(&path) => {}
                    Some(first) => errors.push(Error::new_spanned(
                        &path,
                        format!(
                            "`crate = {}` contradicts the `crate = {}` given above: one stack \
                             names the runtime crate once",
                            values::path_text(&path),
                            values::path_text(first)
                        ),
                    )),
                }
            }
        }
        stack.extend(errors.take(validate::attribute(entries.options, &site)));
    }

    let public = errors
        .take(validate::public_route(
            &stack,
            &handler.attrs,
            &handler.sig.ident,
        ))
        .flatten();
    if let Some(error) = errors.0 {
        return with_compile_error(handler.into_token_stream(), error);
    }
    let runtime = model::Runtime::new(runtime);
    let registration = public
        .map(|public| {
            expand::public_route(&public, &handler.sig.ident, &runtime, &mut handler.attrs)
        })
        .unwrap_or_default();
    stack.retain(|spec| !matches!(spec, model::CheckpointSpec::Public { .. }));
    let stacked_paths: Vec<&syn::Path> = stacked.iter().map(Attribute::path).collect();
    let mut expansion = if stack.is_empty() {
        // Only `#[login_not_required]`: the handler as written.
        let uses = stacked_paths
            .iter()
            .map(|path| quote::quote!(#[allow(unused_imports)] use #path as _;));
        let mut handler = handler;
        handler
            .block
            .stmts
            .splice(0..0, uses.map(|tokens| syn::parse_quote!(#tokens)));
        handler.into_token_stream()
    } else {
        let attrs = std::mem::take(&mut handler.attrs);
        expand::wrapper(handler, attrs, &stack, &stacked_paths, &runtime)
    };
    expansion.extend(registration);
    expansion
}

/// One of our attributes below the topmost: its arguments are in parentheses, or absent.
fn stacked_site(attr: &Attribute) -> Result<AttrSite> {
    let kind = our_attribute(attr).unwrap_or(AttrKind::Checkpoint);
    let args = match &attr.meta {
        Meta::Path(_) => TokenStream2::new(),
        Meta::List(list) => list.tokens.clone(),
        Meta::NameValue(pair) => {
            return Err(Error::new_spanned(
                &pair.value,
                format!(
                    "`#[{} = ...]` is not a form of this attribute: write its options in \
                     parentheses, `#[{}(...)]`",
                    kind.name(),
                    kind.name()
                ),
            ))
        }
    };
    Ok(AttrSite {
        kind,
        args,
        span: attr.path().span(),
    })
}

/// The work of `checkpoint_runtime::fail_json!`, which passes its `$crate` first: `$crate, {
/// ... }`, a JSON object checked at compile time, as a `FailJson`.
#[doc(hidden)]
#[proc_macro]
pub fn fail_json(input: TokenStream) -> TokenStream {
    let mut input = TokenStream2::from(input).into_iter();
    let runtime: TokenStream2 = input
        .by_ref()
        .take_while(|token| !matches!(token, proc_macro2::TokenTree::Punct(comma) if comma.as_char() == ','))
        .collect();
    let object: TokenStream2 = input.collect();
    if let Err(error) = parse::within_nesting_limit(&object) {
        return error.into_compile_error().into();
    }
    match json::object_from_tokens(object, Span::call_site(), json::Written::Macro) {
        Ok(json) => expand::fail_json(&json, &runtime).into(),
        Err(error) => error.into_compile_error().into(),
    }
}

/// The error for `#[checkpoint]` or `#[include_csrf]` on something other than a function, on the
/// keyword that says what it is.
fn not_a_handler(kind: AttrKind, item: TokenStream2) -> Error {
    let (what, span) = match syn::parse2::<Item>(item) {
        Ok(Item::Struct(item)) => ("a struct", item.struct_token.span),
        Ok(Item::Enum(item)) => ("an enum", item.enum_token.span),
        Ok(Item::Union(item)) => ("a union", item.union_token.span),
        Ok(Item::Const(item)) => ("a const", item.const_token.span),
        Ok(Item::Static(item)) => ("a static", item.static_token.span),
        Ok(Item::Impl(item)) => ("an impl block", item.impl_token.span),
        Ok(Item::Trait(item)) => ("a trait", item.trait_token.span),
        Ok(Item::Mod(item)) => ("a module", item.mod_token.span),
        Ok(Item::Type(item)) => ("a type alias", item.type_token.span),
        Ok(Item::Use(item)) => ("a use declaration", item.use_token.span),
        _ => ("this item", Span::call_site()),
    };
    let hint = if what == "an impl block" {
        "; put it on each handler function, and make them free functions"
    } else {
        ""
    };
    Error::new(
        span,
        format!(
            "#[{}] goes on an `async fn` request handler, not on {what}{hint}",
            kind.name()
        ),
    )
}

/// Which of our attributes `attr` is, recognised by its last path segment so that
/// `#[checkpoint_runtime::checkpoint]` counts too.
fn our_attribute(attr: &Attribute) -> Option<AttrKind> {
    let segment = attr.path().segments.last()?;
    AttrKind::ALL
        .into_iter()
        .find(|kind| segment.ident == kind.name())
}

/// The item as written (so IDEs keep working inside it) plus the errors.
fn with_compile_error(item: TokenStream2, error: Error) -> TokenStream2 {
    let mut tokens = item;
    tokens.extend(error.into_compile_error());
    tokens
}
