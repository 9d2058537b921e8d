//! `#[checkpoint(any(...), <actions>)]`, `all(...)` and `not(...)`: checks combined under one
//! action.
//!
//! An operand is a checkpoint's name (its check counts, its action gives way), a check written in
//! parentheses (`(session_key = "role", values = "admin")`, `(api_key = KEY, header = "...")`,
//! `(bearer = TOKEN)`, `(check = path)`), or another combination. The attribute's other entries
//! are the action options, which answer for the whole combination.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::{Error, Ident, Result};

use super::{checkpoint_name, given, inline_checkpoint, option_name, Given};
use crate::{
    errors::Errors,
    grammar::{self, Role},
    model::{AttrKind, AttrSite, CheckSpec, CheckpointSpec, Combination, InlineSpec, Operand},
    parse::{self, Entry},
    suggest,
};

/// The combinators, as written before their parentheses.
const COMBINATORS: [&str; 3] = ["any", "all", "not"];

const EXPECTED_OPERAND: &str = "expected an operand: a checkpoint's name such as `ADMIN`, a \
     check in parentheses such as `(session_key = \"role\", values = \"admin\")` or \
     `(api_key = API_KEY)`, or a combination, `any(...)`, `all(...)` or `not(...)`";

/// Whether the attribute's entries hold a combination (or something written like one, a call
/// `name(...)`, which is then reported).
pub(super) fn written(entries: &[Entry]) -> bool {
    entries
        .iter()
        .any(|entry| matches!(entry, Entry::Bare(tokens) if call(tokens).is_some()))
}

/// `#[checkpoint(...)]` holding a combination: the combination, once, and action options.
pub(super) fn checkpoint(entries: Vec<Entry>) -> Result<CheckpointSpec> {
    let mut errors = Errors::default();
    let mut combination: Option<(Combination, String)> = None;
    let mut rest = Vec::new();
    for entry in entries {
        let tokens = match entry {
            Entry::Bare(tokens) => tokens,
            option => {
                rest.push(option);
                continue;
            }
        };
        if let Some((name, group)) = call(&tokens) {
            let combined = errors.take(combinator(&name, &group));
            match (&combination, combined) {
                (Some((_, first)), Some(_)) => errors.push(Error::new_spanned(
                    &tokens,
                    format!(
                        "one combination per attribute, and `{first}(...)` is given above: \
                         combine both in one `all(...)`, or stack two `#[checkpoint]` attributes"
                    ),
                )),
                (None, Some(combined)) => combination = Some((combined, name.to_string())),
                (_, None) => {}
            }
        } else if let Some(path) = checkpoint_name(&tokens) {
            let name = crate::values::path_text(&path);
            errors.push(Error::new_spanned(
                &tokens,
                format!(
                    "`{name}` stands outside the combination: make it an operand, such as \
                     `any(..., {name})`"
                ),
            ));
        } else {
            rest.push(Entry::Bare(tokens));
        }
    }

    let Given {
        errors: option_errors,
        seen,
        options,
        ..
    } = given(rest, AttrKind::Checkpoint);
    errors.extend(option_errors.0);
    for name in &seen {
        let role = grammar::rule(AttrKind::Checkpoint, &name.to_string()).map(|rule| rule.role);
        if let Some(kind) = role.and_then(Role::kind) {
            errors.push(Error::new(
                name.span(),
                format!(
                    "`{name}` belongs to {}, and this checkpoint's check is the combination: \
                     make that check an operand in parentheses, such as `any(..., ({name} = \
                     ...))`",
                    kind.description()
                ),
            ));
        }
    }
    if let Some(error) = errors.0 {
        return Err(error);
    }
    // `written` found a call, so a combination or an error above.
    let Some((combination, _)) = combination else {
        return Err(Error::new(Span::call_site(), EXPECTED_OPERAND));
    };
    Ok(CheckpointSpec::Inline(Box::new(InlineSpec {
        check: CheckSpec::Combined(combination),
        action: options.action,
    })))
}

/// An entry written as a call, `name(...)`: a combinator, or a misspelt one.
fn call(tokens: &TokenStream) -> Option<(Ident, Group)> {
    let mut tokens = tokens.clone().into_iter();
    match (tokens.next(), tokens.next(), tokens.next()) {
        (Some(TokenTree::Ident(name)), Some(TokenTree::Group(group)), None)
            if group.delimiter() == Delimiter::Parenthesis =>
        {
            Some((name, group))
        }
        _ => None,
    }
}

/// The combination `name(group)`, every operand validated (every faulty one reported).
fn combinator(name: &Ident, group: &Group) -> Result<Combination> {
    let written = name.to_string();
    if !COMBINATORS.contains(&written.as_str()) {
        let hint = match suggest::closest(COMBINATORS, &written, 2) {
            Some(meant) => format!("did you mean `{meant}(...)`?"),
            None => "checks combine with `any(...)`, `all(...)` or `not(...)`".to_owned(),
        };
        return Err(Error::new(
            name.span(),
            format!("`{written}(...)` is not a combinator: {hint}"),
        ));
    }
    let written_operands = parse::comma_separated(group.stream())?;
    match (written.as_str(), written_operands.len()) {
        ("any" | "all", 0) => {
            return Err(Error::new(
                group.span(),
                format!(
                    "`{written}()` has no operands: give it the checks to combine, such as \
                     `{written}(ADMIN, (api_key = API_KEY))`"
                ),
            ))
        }
        ("not", count) if count != 1 => {
            return Err(Error::new(
                group.span(),
                "`not(...)` takes exactly one operand, the check that must fail: write \
                 `not(any(A, B))` for neither of two, `any(not(A), not(B))` for not both",
            ))
        }
        _ => {}
    }
    let mut errors = Errors::default();
    let unparenthesized: Vec<&TokenStream> = written_operands
        .iter()
        .filter(|tokens| option_first(tokens))
        .collect();
    if let [first, ..] = unparenthesized[..] {
        // `any(session_key = "x", values = true)`: one check's options, written as operands.
        let options: Vec<String> = unparenthesized
            .iter()
            .map(|tokens| tokens.to_string())
            .collect();
        let mut spanned = first.clone();
        spanned.extend(unparenthesized.last().map(|last| (*last).clone()));
        errors.push(Error::new_spanned(
            spanned,
            format!(
                "a check inside a combination is written in parentheses, one check to an \
                 operand: `{written}(({}), ...)`",
                options.join(", ")
            ),
        ));
    }
    let operands: Vec<Operand> = written_operands
        .into_iter()
        .filter(|tokens| !option_first(tokens))
        .filter_map(|tokens| errors.take(operand(tokens)))
        .collect();
    if let Some(error) = errors.0 {
        return Err(error);
    }
    Ok(match written.as_str() {
        "any" => Combination::Any(operands),
        "all" => Combination::All(operands),
        _ => Combination::Not(Box::new(
            operands
                .into_iter()
                .next()
                .expect("one operand, counted above"),
        )),
    })
}

/// One operand of a combination.
fn operand(tokens: TokenStream) -> Result<Operand> {
    if let Some((name, group)) = call(&tokens) {
        return combinator(&name, &group).map(Operand::Combined);
    }
    let mut trees = tokens.clone().into_iter();
    if let (Some(TokenTree::Group(group)), None) = (trees.next(), trees.next()) {
        if group.delimiter() == Delimiter::Parenthesis {
            return parenthesized(&group);
        }
    }
    match checkpoint_name(&tokens) {
        Some(path) => Ok(Operand::Named(path)),
        None => Err(Error::new_spanned(tokens, EXPECTED_OPERAND)),
    }
}

/// Whether an operand starts with an option's name (`session_key = ...`, a bare `values`): a
/// check written without its parentheses.
fn option_first(tokens: &TokenStream) -> bool {
    match tokens.clone().into_iter().next() {
        Some(TokenTree::Ident(name)) => {
            grammar::rule(AttrKind::Checkpoint, &name.to_string()).is_some()
        }
        _ => false,
    }
}

/// An operand in parentheses: a check written out (no action of its own), or a name or
/// combination in parentheses, which is that operand.
fn parenthesized(group: &Group) -> Result<Operand> {
    let parse::Entries { options, runtime } = parse::entries(group.stream())?;
    if let Some((keyword, _)) = runtime.first() {
        return Err(Error::new(
            keyword.span,
            "`crate = ...` names the runtime crate for the whole attribute: write it at the \
             attribute's top level, not in an operand",
        ));
    }
    match &options[..] {
        [] => {
            return Err(Error::new(
                group.span(),
                "an empty operand: write a check in the parentheses, such as `(session_key = \
                 \"role\", values = \"admin\")`, or a checkpoint's name without them",
            ))
        }
        [Entry::Bare(tokens)] if option_name(AttrKind::Checkpoint, tokens).is_none() => {
            return operand(tokens.clone());
        }
        _ => {}
    }
    let mut errors = Errors::default();
    for entry in &options {
        let name = match entry {
            Entry::Option { name, .. } => Some(name.clone()),
            Entry::Bare(tokens) => syn::parse2::<Ident>(tokens.clone()).ok(),
        };
        let action = name.as_ref().filter(|name| {
            grammar::rule(AttrKind::Checkpoint, &name.to_string())
                .is_some_and(|rule| rule.role == Role::Action)
        });
        if let Some(name) = action {
            errors.push(Error::new(
                name.span(),
                format!(
                    "`{name}` is an action, and an operand has none: the combination's actions \
                     answer for all of it, so write `{name}` after the combination, \
                     `#[checkpoint(any(...), {name} = ...)]`"
                ),
            ));
        }
    }
    if let Some(error) = errors.0 {
        return Err(error);
    }
    let site = AttrSite {
        kind: AttrKind::Checkpoint,
        args: group.stream(),
        span: group.span(),
    };
    Ok(Operand::Check(inline_checkpoint(options, &site)?.check))
}

#[cfg(test)]
mod tests {
    //! Combinations, run as the macros run them (`parse::entries`, then
    //! [`attribute`](super::super::attribute)) on token streams.

    use proc_macro2::TokenStream;
    use quote::quote;

    use super::super::tests::{one_error, refusal, validate};
    use super::*;
    use crate::{model::KeyLocation, values::path_text};

    /// What `#[checkpoint(args)]` combines, written out: `any(A, (session k))`.
    fn combined(args: TokenStream) -> String {
        match validate(AttrKind::Checkpoint, args.clone()) {
            Ok(CheckpointSpec::Inline(inline)) => match inline.check {
                CheckSpec::Combined(combination) => describe(&combination),
                _ => panic!("#[checkpoint({args})] is no combination"),
            },
            Ok(_) => panic!("#[checkpoint({args})] is no inline checkpoint"),
            Err(error) => panic!("#[checkpoint({args})] was refused: {error}"),
        }
    }

    fn describe(combination: &Combination) -> String {
        let list = |operands: &[Operand]| {
            operands
                .iter()
                .map(describe_operand)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match combination {
            Combination::Any(operands) => format!("any({})", list(operands)),
            Combination::All(operands) => format!("all({})", list(operands)),
            Combination::Not(operand) => format!("not({})", describe_operand(operand)),
        }
    }

    fn describe_operand(operand: &Operand) -> String {
        match operand {
            Operand::Named(path) => path_text(path),
            Operand::Combined(combination) => describe(combination),
            Operand::Check(CheckSpec::Session(session)) => {
                format!("(session {})", session.session_key.value())
            }
            Operand::Check(CheckSpec::ApiKey { location, .. }) => match location {
                KeyLocation::Header(header) => format!("(api_key header {})", header.value()),
                KeyLocation::Query(query) => format!("(api_key query {})", query.value()),
            },
            Operand::Check(CheckSpec::Bearer { .. }) => "(bearer)".to_owned(),
            Operand::Check(CheckSpec::Predicate { path }) => format!("(check {})", path_text(path)),
            Operand::Check(_) => "(other)".to_owned(),
        }
    }

    fn error(args: TokenStream) -> String {
        one_error(AttrKind::Checkpoint, args)
    }

    #[test]
    fn combinations_hold_names_checks_and_combinations() {
        assert_eq!(combined(quote!(any(A, B))), "any(A, B)");
        assert_eq!(combined(quote!(all(A, roles::B))), "all(A, roles::B)");
        assert_eq!(combined(quote!(not(A))), "not(A)");
        assert_eq!(
            combined(quote!(any(
                (session_key = "role", values = "admin"),
                (api_key = KEY, query = "key"),
                (bearer = TOKEN),
                (check = is_admin)
            ))),
            "any((session role), (api_key query key), (bearer), (check is_admin))"
        );
        assert_eq!(
            combined(quote!(all(not(A), any(B, (C)), (D)))),
            "all(not(A), any(B, C), D)"
        );
        // The attribute's other entries are the combination's action.
        match validate(
            AttrKind::Checkpoint,
            quote!(any(A, B), fail_url = "/login", disable_default_fail = false),
        ) {
            Ok(CheckpointSpec::Inline(inline)) => assert!(inline.action.fail_url.is_some()),
            _ => panic!("a combination with an action"),
        }
    }

    #[test]
    fn only_a_known_combinator_in_parentheses_combines() {
        assert_eq!(
            error(quote!(anu(A, B))),
            "`anu(...)` is not a combinator: did you mean `any(...)`?"
        );
        assert_eq!(
            error(quote!(either(A, B))),
            "`either(...)` is not a combinator: checks combine with `any(...)`, `all(...)` or \
             `not(...)`"
        );
        // Brackets are no call: not a checkpoint at all.
        assert!(error(quote!(any[A, B])).starts_with("expected a checkpoint:"));
        assert!(error(quote!(any { A })).starts_with("expected a checkpoint:"));
    }

    #[test]
    fn a_combinator_takes_its_count_of_operands() {
        assert_eq!(
            error(quote!(any())),
            "`any()` has no operands: give it the checks to combine, such as \
             `any(ADMIN, (api_key = API_KEY))`"
        );
        assert!(error(quote!(all())).starts_with("`all()` has no operands"));
        for args in [quote!(not()), quote!(not(A, B))] {
            assert!(error(args)
                .starts_with("`not(...)` takes exactly one operand, the check that must fail"),);
        }
    }

    #[test]
    fn one_combination_per_attribute_and_every_name_inside_it() {
        assert_eq!(
            error(quote!(any(A), all(B))),
            "one combination per attribute, and `any(...)` is given above: combine both in one \
             `all(...)`, or stack two `#[checkpoint]` attributes"
        );
        assert_eq!(
            error(quote!(any(A), B)),
            "`B` stands outside the combination: make it an operand, such as `any(..., B)`"
        );
        let error = error(quote!(any(A), session_key = "k"));
        assert!(
            error.starts_with(
                "`session_key` belongs to a session check, and this checkpoint's check is the \
                 combination"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_check_inside_a_combination_is_in_parentheses_without_an_action() {
        assert_eq!(
            error(quote!(any(session_key = "k", values = 1))),
            "a check inside a combination is written in parentheses, one check to an operand: \
             `any((session_key = \"k\", values = 1), ...)`"
        );
        assert_eq!(
            error(quote!(any(
                A,
                (session_key = "k", values = 1, fail_url = "/")
            ))),
            "`fail_url` is an action, and an operand has none: the combination's actions answer \
             for all of it, so write `fail_url` after the combination, \
             `#[checkpoint(any(...), fail_url = ...)]`"
        );
        assert_eq!(
            error(quote!(any(A, ()))),
            "an empty operand: write a check in the parentheses, such as `(session_key = \"role\", \
             values = \"admin\")`, or a checkpoint's name without them"
        );
        // A bare option in parentheses is a check missing its value, not an operand's name.
        assert_eq!(
            refusal(AttrKind::Checkpoint, quote!(any(A, (values)))),
            [
                "`values` needs a value: `values = ...`",
                "missing `session_key = \"...\"`: the session key this checkpoint reads",
            ]
        );
        let error = error(quote!(any(A, (crate = x))));
        assert!(
            error.starts_with("`crate = ...` names the runtime crate for the whole attribute"),
            "{error}"
        );
        assert!(
            super::super::tests::one_error(AttrKind::Checkpoint, quote!(any(A, "x")))
                .starts_with("expected an operand: a checkpoint's name")
        );
    }
}
