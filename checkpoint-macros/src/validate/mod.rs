//! Giving the entries of an attribute their meaning, by the grammar's table
//! ([`grammar`](crate::grammar)): the rules that span several options (one check per attribute,
//! what a check needs, where an API key is read, a named checkpoint standing alone), each broken
//! rule a compile error on the tokens at fault, all of them reported at once. Combinations
//! (`any(...)`, `all(...)`, `not(...)`) are read in [`combination`].

mod combination;
mod public;

pub(crate) use public::public_route;

use proc_macro2::TokenStream;
use syn::{Error, Ident, LitStr, Path, Result};

use crate::{
    errors::Errors,
    grammar::{self, Options, Role},
    model::{
        AttrKind, AttrSite, CheckKind, CheckSpec, CheckpointSpec, InlineSpec, KeyLocation,
        SessionSpec,
    },
    parse::Entry,
    suggest, values,
};

const EXPECTED_CHECKPOINT: &str = "expected a checkpoint: options such as \
     `session_key = \"logged_in\", values = true` or `api_key = API_KEY`, or the name of a \
     checkpoint constant such as `LOGGED_IN`";

/// Validates one attribute's entries.
pub(crate) fn attribute(entries: Vec<Entry>, site: &AttrSite) -> Result<CheckpointSpec> {
    match site.kind {
        AttrKind::Checkpoint => checkpoint(entries, site),
        AttrKind::IncludeCsrf => include_csrf(entries, site),
        AttrKind::LoginRequired => login_required(&entries, site, false),
        AttrKind::FreshLoginRequired => login_required(&entries, site, true),
        AttrKind::LoginNotRequired => {
            login_required(&entries, site, false)?;
            Ok(CheckpointSpec::Public { span: site.span })
        }
    }
}

/// `#[login_required]` and `#[fresh_login_required]` take no options: the app's
/// `LoginManager` says how a refused request is answered. Nor does `#[login_not_required]`,
/// which reads its route from the route attribute.
fn login_required(entries: &[Entry], site: &AttrSite, fresh: bool) -> Result<CheckpointSpec> {
    if !entries.is_empty() {
        let written: TokenStream = entries.iter().map(entry_tokens).collect();
        let message = match site.kind {
            AttrKind::LoginNotRequired => "`#[login_not_required]` takes no options: it reads \
                 the route from the route attribute below it (`#[get(\"/path\", name = \
                 \"...\")]`)"
                .to_owned(),
            kind => format!(
                "`#[{}]` takes no options: configure the login view, messages and freshness \
                 window on the app's `checkpoint_runtime::LoginManager`, registered with \
                 `App::app_data`",
                kind.name()
            ),
        };
        return Err(Error::new_spanned(written, message));
    }
    Ok(CheckpointSpec::Login {
        fresh,
        span: site.span,
    })
}

/// `#[checkpoint(...)]`: a named checkpoint, a combination plus action options, or exactly one
/// kind of check plus action options.
fn checkpoint(entries: Vec<Entry>, site: &AttrSite) -> Result<CheckpointSpec> {
    if entries.is_empty() {
        return Err(site.error(EXPECTED_CHECKPOINT));
    }
    if combination::written(&entries) {
        return combination::checkpoint(entries);
    }
    if let Some(named) = named_checkpoint(&entries)? {
        return Ok(named);
    }
    inline_checkpoint(entries, site).map(|inline| CheckpointSpec::Inline(Box::new(inline)))
}

/// A checkpoint written out: exactly one kind of check plus action options.
fn inline_checkpoint(entries: Vec<Entry>, site: &AttrSite) -> Result<InlineSpec> {
    let attr = AttrKind::Checkpoint;
    let inline = entries.iter().any(|entry| match entry {
        Entry::Option { .. } => true,
        Entry::Bare(tokens) => option_name(attr, tokens).is_some(),
    });
    let Given {
        mut errors,
        seen,
        mut meant,
        options,
    } = given(entries, attr);
    let written = |option: &str| seen.iter().find(|name| *name == option);

    let chosen = chosen_checks(&seen, &mut errors);
    key_location(&seen, &mut meant, &mut errors);

    // Only an attribute that is evidently written with options lacks some: for anything else
    // (a string, an expression) the error above already says what a checkpoint looks like.
    // Nor does one choosing several checks: the error above says to split it.
    let intended = |option: &str| written(option).is_some() || meant.contains(&option);
    let kind = chosen.first().map(|(kind, _)| *kind);
    if inline && chosen.len() <= 1 {
        let session = kind == Some(CheckKind::Session)
            || kind.is_none() && (intended("session_key") || intended("values"));
        let hinted = ["api_key", "bearer", "check"]
            .iter()
            .any(|option| intended(option))
            || meant.contains(&"form_key");
        if session {
            match (!intended("session_key"), !intended("values")) {
                (true, false) => errors.push(site.error(
                    "missing `session_key = \"...\"`: the session key this checkpoint reads",
                )),
                (false, true) => errors.push(site.error(
                    "missing `values = ...`: the value (or array of values) the session key \
                     must hold",
                )),
                (true, true) | (false, false) => {}
            }
        } else if kind.is_none() && !hinted {
            errors.push(site.error(
                "missing the check this checkpoint makes: `session_key = \"...\", values = ...` \
                 for a session value, `api_key = ...`, `bearer = ...`, or \
                 `check = path::to::predicate` (and for a CSRF check, `#[include_csrf]`)",
            ));
        }
    }
    if let Some(error) = errors.0 {
        return Err(error);
    }

    let check = match chosen.first() {
        Some((CheckKind::Session, _)) => match (options.session_key, options.values) {
            (Some(session_key), Some(values)) => CheckSpec::Session(SessionSpec {
                session_key,
                values,
            }),
            _ => return Err(site.error(EXPECTED_CHECKPOINT)),
        },
        Some((CheckKind::ApiKey, name)) => {
            let Some(expr) = options.api_key else {
                return Err(site.error(EXPECTED_CHECKPOINT));
            };
            let location = match (options.header, options.query) {
                (_, Some(query)) => KeyLocation::Query(query),
                (Some(header), None) => KeyLocation::Header(header),
                (None, None) => {
                    KeyLocation::Header(LitStr::new(values::API_KEY_HEADER, name.span()))
                }
            };
            CheckSpec::ApiKey { expr, location }
        }
        Some((CheckKind::Bearer, _)) => match options.bearer {
            Some(expr) => CheckSpec::Bearer { expr },
            None => return Err(site.error(EXPECTED_CHECKPOINT)),
        },
        Some((CheckKind::Predicate, _)) => match options.check {
            Some(path) => CheckSpec::Predicate { path },
            None => return Err(site.error(EXPECTED_CHECKPOINT)),
        },
        Some((CheckKind::Csrf, _)) | None => return Err(site.error(EXPECTED_CHECKPOINT)),
    };
    Ok(InlineSpec {
        check,
        action: options.action,
    })
}

/// The kinds of check the options in `seen` choose, each with the first option choosing it, in
/// the order written; more than one is an error on each extra one.
fn chosen_checks<'a>(seen: &'a [Ident], errors: &mut Errors) -> Vec<(CheckKind, &'a Ident)> {
    let mut chosen: Vec<(CheckKind, &Ident)> = Vec::new();
    for name in seen {
        let role = grammar::rule(AttrKind::Checkpoint, &name.to_string()).map(|rule| rule.role);
        if let Some(Role::Chooses(kind)) = role {
            if chosen.iter().all(|(seen, _)| *seen != kind) {
                chosen.push((kind, name));
            }
        }
    }
    if let Some(&(first, first_name)) = chosen.first() {
        for &(kind, name) in &chosen[1..] {
            errors.push(Error::new(
                name.span(),
                format!(
                    "`{name}` and `{first_name}` choose two different checks, {} and {}, and one \
                     attribute makes one check: stack two attributes, `{}` then `{}`",
                    kind.description(),
                    first.description(),
                    first.attribute(),
                    kind.attribute(),
                ),
            ));
        }
    }
    chosen
}

/// `header` and `query`: each needs `api_key`, and only one of them may be given.
fn key_location(seen: &[Ident], meant: &mut Vec<&'static str>, errors: &mut Errors) {
    let locations: Vec<&Ident> = seen
        .iter()
        .filter(|name| *name == "header" || *name == "query")
        .collect();
    let api_key = seen.iter().any(|name| name == "api_key") || meant.contains(&"api_key");
    if let (Some(first), false) = (locations.first(), api_key) {
        // The user evidently means an API-key check: no "missing check" error on top.
        meant.push("api_key");
        errors.push(Error::new(
            first.span(),
            format!(
                "`{first}` says where an API key is read, so it needs `api_key`: write \
                 `api_key = EXPECTED_KEY, {first} = \"...\"`"
            ),
        ));
    }
    if let [first, second] = locations[..] {
        errors.push(Error::new(
            second.span(),
            format!(
                "`{second}` and `{first}` both say where the API key is read: keep one, \
                 `header = \"...\"` or `query = \"...\"`"
            ),
        ));
    }
}

/// `#[include_csrf(...)]`: both keys optional, plus action options; empty is all defaults.
fn include_csrf(entries: Vec<Entry>, site: &AttrSite) -> Result<CheckpointSpec> {
    let Given {
        errors, options, ..
    } = given(entries, AttrKind::IncludeCsrf);
    if let Some(error) = errors.0 {
        return Err(error);
    }
    Ok(CheckpointSpec::Inline(Box::new(InlineSpec {
        check: CheckSpec::Csrf {
            session_key: options.session_key,
            form_key: options.form_key,
            span: site.span,
        },
        action: options.action,
    })))
}

/// What the entries of one attribute say, each option read on its own.
struct Given {
    errors: Errors,
    /// The names of the options written (correctly named, even if their value is faulty).
    seen: Vec<Ident>,
    /// Options the user evidently meant to give, even if the entry was faulty (`values` without
    /// a value, `sesion_key` for `session_key`): no "missing" error is piled onto those.
    meant: Vec<&'static str>,
    options: Options,
}

/// Reads every entry as an option of `attr`, as the grammar says, reporting each faulty one.
/// `attr` is `#[checkpoint]` or `#[include_csrf]`: the login attributes take no options.
fn given(entries: Vec<Entry>, attr: AttrKind) -> Given {
    let mut errors = Errors::default();
    let mut seen: Vec<Ident> = Vec::new();
    let mut meant: Vec<&'static str> = Vec::new();
    let mut options = Options::default();
    // In `#[include_csrf]`, `api_key` with its `header`/`query` is one mistake, reported once.
    let api_key_written = entries
        .iter()
        .any(|entry| matches!(entry, Entry::Option { name, .. } if name == "api_key"));
    let misplaced = |name: &Ident| {
        let refines_api_key = name == "header" || name == "query";
        (!(attr == AttrKind::IncludeCsrf && refines_api_key && api_key_written))
            .then(|| misplaced_option_error(attr, name))
    };

    for entry in entries {
        let (name, value) = match entry {
            Entry::Option { name, value } => (name, Some(value)),
            Entry::Bare(tokens) => match syn::parse2::<Ident>(tokens.clone()) {
                Ok(name)
                    if grammar::rule(attr, &name.to_string()).is_some_and(|rule| rule.bare) =>
                {
                    (name, None)
                }
                Ok(name) if option_name(attr, &tokens).is_some() => {
                    meant.extend(option_name(attr, &tokens));
                    errors.push(Error::new(
                        name.span(),
                        format!("`{name}` needs a value: `{name} = ...`"),
                    ));
                    continue;
                }
                Ok(name) if grammar::misplaced(attr, &name.to_string()).is_some() => {
                    meant.extend(grammar::misplaced(attr, &name.to_string()).map(|rule| rule.name));
                    errors.extend(misplaced(&name));
                    continue;
                }
                Ok(name) if suggest::misspelt_option(attr, &tokens).is_some() => {
                    let (error, suggestion) = suggest::unknown_option(attr, &name);
                    meant.extend(suggestion);
                    errors.push(error);
                    continue;
                }
                _ if syn::parse2::<Path>(tokens.clone()).is_ok() => {
                    let written = tokens.to_string().replace(' ', "");
                    errors.push(Error::new_spanned(
                        &tokens,
                        match attr {
                            AttrKind::Checkpoint => format!(
                                "`{written}` is not an option; a named checkpoint stands alone: \
                                 write `#[checkpoint(NAME)]` as an attribute of its own, and set \
                                 its options on its `.action(...)`"
                            ),
                            _ => format!(
                                "`{written}` is not an option of `#[include_csrf]`, which takes \
                                 `session_key = \"...\"`, `form_key = \"...\"` and the action \
                                 options; a named checkpoint goes in a `#[checkpoint({written})]` \
                                 of its own"
                            ),
                        },
                    ));
                    continue;
                }
                _ => {
                    errors.push(Error::new_spanned(
                        &tokens,
                        match attr {
                            AttrKind::Checkpoint => EXPECTED_CHECKPOINT,
                            _ => {
                                "expected options of `#[include_csrf]`: `session_key = \"...\"`, \
                                 `form_key = \"...\"`, or action options such as \
                                 `fail_url = \"/\"`; or nothing, for the defaults"
                            }
                        },
                    ));
                    continue;
                }
            },
        };
        let key = name.to_string();
        let Some(rule) = grammar::rule(attr, &key) else {
            if let Some(rule) = grammar::misplaced(attr, &key) {
                meant.push(rule.name);
                errors.extend(misplaced(&name));
            } else {
                let (error, suggestion) = suggest::unknown_option(attr, &name);
                meant.extend(suggestion);
                errors.push(error);
            }
            continue;
        };
        if seen.iter().any(|seen| *seen == key) {
            errors.push(Error::new(
                name.span(),
                format!("duplicate option `{key}`: it is already set earlier in this attribute; keep only one `{key} = ...`"),
            ));
            continue;
        }
        seen.push(name.clone());
        errors.take((rule.read)(&name, value, &mut options));
    }
    options_without_effect(&seen, options.action.disable_default_fail, &mut errors);
    Given {
        errors,
        seen,
        meant,
        options,
    }
}

/// Action options that could never take effect beside the others written, each an error on its
/// name: the decision order answers a failure with the first of `fail_json`, `fail_response`,
/// `fail_url` and `disable_default_fail`, so those after the first given are dead, and a
/// `message` needs a redirect that can happen (Flask-Imp ignores what this rejects).
/// `disable_default_fail = false` is as good as not given.
fn options_without_effect(seen: &[Ident], disable_default_fail: bool, errors: &mut Errors) {
    let given = |option: &str| {
        let in_effect = option != "disable_default_fail" || disable_default_fail;
        seen.iter().find(|name| *name == option && in_effect)
    };
    let mut dead = |name: &Ident, why: String| {
        errors.push(Error::new(
            name.span(),
            format!("`{name}` would never take effect: {why}; remove it"),
        ))
    };
    // The failure answers, in the order the first one given answers every failure.
    let answers = [
        "fail_json",
        "fail_response",
        "fail_url",
        "disable_default_fail",
    ];
    let first_answer = answers.iter().find_map(|option| given(option));
    for option in answers {
        if let (Some(first), Some(name)) = (first_answer, given(option)) {
            if first != name {
                let why = if option == "disable_default_fail" {
                    format!("`{first}` answers every failure, so the handler never runs on one")
                } else {
                    format!("`{first}` answers every failure before it")
                };
                dead(name, why);
            }
        }
    }
    let json = given("fail_json");
    if let (Some(json), Some(pass_url)) = (json, given("pass_url")) {
        dead(
            pass_url,
            format!(
                "with `{json}` the checkpoint guards an API, where a passing request runs the \
                 handler rather than being redirected (Flask-Imp ignores `pass_url` there)"
            ),
        );
    }
    let redirects = json.is_none() && (given("fail_url").is_some() || given("pass_url").is_some());
    if let (Some(message), false) = (given("message"), redirects) {
        let why = match json {
            Some(json) => format!("a message is flashed on a redirect, and with `{json}` this checkpoint never redirects"),
            None => "a message is flashed on a redirect, and this checkpoint has neither `fail_url` nor `pass_url`".to_owned(),
        };
        dead(message, why);
    }
    if let (Some(category), None) = (given("message_category"), given("message")) {
        dead(
            category,
            "it is the category of `message`, which is not given".to_owned(),
        );
    }
    if let (Some(status), None, Some(first)) = (given("fail_status"), json, first_answer) {
        dead(
            status,
            format!(
                "it is the status of `fail_json` and of the default failure, and `{first}` \
                 answers every failure instead"
            ),
        );
    }
}

/// The error for an option of the other attribute, or of a check `#[include_csrf]` cannot
/// make: it says where the option belongs.
fn misplaced_option_error(attr: AttrKind, name: &Ident) -> Error {
    let message = match attr {
        AttrKind::Checkpoint => format!(
            "`{name}` is an option of `#[include_csrf]`, not of `#[checkpoint]`: for a CSRF \
             check write `#[include_csrf({name} = \"...\")]` as an attribute of its own"
        ),
        _ => {
            let kind = grammar::misplaced(attr, &name.to_string())
                .and_then(|rule| rule.role.kind())
                .unwrap_or(CheckKind::Session);
            format!(
                "`{name}` is not an option of `#[include_csrf]`, which checks a CSRF token and \
                 takes `session_key = \"...\"`, `form_key = \"...\"` and the action options; \
                 for {} as well, stack `{}`",
                kind.description(),
                kind.attribute()
            )
        }
    };
    Error::new(name.span(), message)
}

/// The option an entry names when it is a bare option name (`values`, `disable_default_fail`).
fn option_name(attr: AttrKind, tokens: &TokenStream) -> Option<&'static str> {
    let ident = syn::parse2::<Ident>(tokens.clone()).ok()?;
    grammar::rule(attr, &ident.to_string()).map(|rule| rule.name)
}

/// `#[checkpoint(NAME)]`: a leading bare path that is not an option name. `None` when the
/// attribute does not start with a name; an error when a name is followed by other entries.
fn named_checkpoint(entries: &[Entry]) -> Result<Option<CheckpointSpec>> {
    let attr = AttrKind::Checkpoint;
    let Some((Entry::Bare(tokens), rest)) = entries.split_first() else {
        return Ok(None);
    };
    let Some(first) = checkpoint_name(tokens) else {
        return Ok(None);
    };
    if rest.is_empty() {
        return Ok(Some(CheckpointSpec::Named(first)));
    }
    let name = values::path_text(&first);
    if let [Entry::Bare(second), ..] = rest {
        if let (None, Ok(second)) = (
            option_name(attr, second),
            syn::parse2::<Path>(second.clone()),
        ) {
            return Err(Error::new_spanned(
                &second,
                format!(
                    "one checkpoint per attribute: stack them as `#[checkpoint({name})]` \
                     `#[checkpoint({})]`",
                    values::path_text(&second)
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

/// The path a bare entry is when it names a checkpoint: a path that is not an option's name,
/// nor a near miss of one.
fn checkpoint_name(tokens: &TokenStream) -> Option<Path> {
    let attr = AttrKind::Checkpoint;
    let option_like = option_name(attr, tokens).is_some()
        || suggest::misspelt_option(attr, tokens).is_some()
        || syn::parse2::<Ident>(tokens.clone())
            .is_ok_and(|name| grammar::misplaced(attr, &name.to_string()).is_some());
    if option_like {
        return None;
    }
    syn::parse2::<Path>(tokens.clone()).ok()
}

fn entry_tokens(entry: &Entry) -> TokenStream {
    match entry {
        Entry::Option { name, value } => quote::quote!(#name = #value),
        Entry::Bare(tokens) => tokens.clone(),
    }
}

#[cfg(test)]
mod tests {
    //! The rules of one attribute, run as the macros run them (`parse::entries`, then
    //! [`attribute`]) on token streams: what is accepted, and each refusal's messages.

    use proc_macro2::{Span, TokenStream};
    use quote::quote;

    use super::*;
    use crate::{
        model::{ActionSpec, TargetSpec},
        parse,
    };

    /// The attribute `kind` written with `args`, validated.
    pub(in crate::validate) fn validate(
        kind: AttrKind,
        args: TokenStream,
    ) -> Result<CheckpointSpec> {
        let entries = parse::entries(args.clone()).expect("the arguments split into entries");
        attribute(
            entries.options,
            &AttrSite {
                kind,
                args,
                span: Span::call_site(),
            },
        )
    }

    /// Every message of the refusal of `kind` written with `args`, in order.
    pub(in crate::validate) fn refusal(kind: AttrKind, args: TokenStream) -> Vec<String> {
        match validate(kind, args.clone()) {
            Ok(_) => panic!("#[{}({args})] was accepted", kind.name()),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    /// The one message of the refusal of `kind` written with `args`.
    pub(in crate::validate) fn one_error(kind: AttrKind, args: TokenStream) -> String {
        let mut messages = refusal(kind, args.clone());
        assert_eq!(
            messages.len(),
            1,
            "#[{}({args})] should be refused once: {messages:#?}",
            kind.name()
        );
        messages.remove(0)
    }

    /// The inline checkpoint `#[checkpoint(args)]` is.
    fn inline(args: TokenStream) -> InlineSpec {
        match validate(AttrKind::Checkpoint, args.clone()) {
            Ok(CheckpointSpec::Inline(inline)) => *inline,
            Ok(_) => panic!("#[checkpoint({args})] is not an inline checkpoint"),
            Err(error) => panic!("#[checkpoint({args})] was refused: {error}"),
        }
    }

    fn checkpoint_errors(args: TokenStream) -> Vec<String> {
        refusal(AttrKind::Checkpoint, args)
    }

    fn checkpoint_error(args: TokenStream) -> String {
        one_error(AttrKind::Checkpoint, args)
    }

    fn csrf_error(args: TokenStream) -> String {
        one_error(AttrKind::IncludeCsrf, args)
    }

    fn target_text(target: &Option<TargetSpec>) -> Option<String> {
        target.as_ref().map(|target| match target {
            TargetSpec::Path(path) => path.value(),
            TargetSpec::Route { name, .. } => name.value(),
        })
    }

    #[test]
    fn the_login_attributes_take_no_options() {
        for (kind, expected) in [
            (AttrKind::LoginRequired, false),
            (AttrKind::FreshLoginRequired, true),
        ] {
            match validate(kind, TokenStream::new()) {
                Ok(CheckpointSpec::Login { fresh, .. }) => assert_eq!(fresh, expected),
                _ => panic!("#[{}] is a login check", kind.name()),
            }
            let error = one_error(kind, quote!(x = 1));
            assert!(
                error.starts_with(&format!("`#[{}]` takes no options: configure", kind.name())),
                "{error}"
            );
        }
        assert!(matches!(
            validate(AttrKind::LoginNotRequired, TokenStream::new()),
            Ok(CheckpointSpec::Public { .. })
        ));
        let error = one_error(AttrKind::LoginNotRequired, quote!(name = "x"));
        assert!(
            error.starts_with("`#[login_not_required]` takes no options: it reads the route"),
            "{error}"
        );
    }

    #[test]
    fn a_session_check_needs_both_its_key_and_its_values() {
        let InlineSpec { check, action } = inline(quote!(session_key = "role", values = ["a", 1]));
        let CheckSpec::Session(session) = check else {
            panic!("a session check");
        };
        assert_eq!(session.session_key.value(), "role");
        assert_eq!(session.values.len(), 2);
        assert!(action.fail_url.is_none() && !action.disable_default_fail);

        assert_eq!(
            checkpoint_error(quote!(session_key = "role")),
            "missing `values = ...`: the value (or array of values) the session key must hold"
        );
        assert_eq!(
            checkpoint_error(quote!(values = true)),
            "missing `session_key = \"...\"`: the session key this checkpoint reads"
        );
        // A bare `values` is meant as the option: its missing value, then the missing key.
        assert_eq!(
            checkpoint_errors(quote!(values)),
            [
                "`values` needs a value: `values = ...`",
                "missing `session_key = \"...\"`: the session key this checkpoint reads",
            ]
        );
        // A faulty key still counts as written: only its own error.
        let error = checkpoint_error(quote!(session_key = "", values = 1));
        assert!(
            error.starts_with("`session_key` must not be empty"),
            "{error}"
        );
    }

    #[test]
    fn an_attribute_without_a_check_says_which_it_may_make() {
        let error = checkpoint_error(quote!(fail_url = "/"));
        assert!(
            error.starts_with("missing the check this checkpoint makes: `session_key"),
            "{error}"
        );
        // Not a checkpoint at all: what one looks like, and nothing about a missing check.
        assert_eq!(checkpoint_error(quote!("x")), EXPECTED_CHECKPOINT);
        assert_eq!(
            one_error(AttrKind::Checkpoint, TokenStream::new()),
            EXPECTED_CHECKPOINT
        );
        // A misplaced `form_key` says where it belongs, and that is all.
        let error = checkpoint_error(quote!(form_key = "f"));
        assert!(
            error.starts_with(
                "`form_key` is an option of `#[include_csrf]`, not of `#[checkpoint]`: for a CSRF \
                 check write `#[include_csrf(form_key = \"...\")]`"
            ),
            "{error}"
        );
        // So does a bare one, which is no checkpoint's name.
        let error = checkpoint_error(quote!(form_key));
        assert!(
            error.starts_with("`form_key` is an option of `#[include_csrf]`"),
            "{error}"
        );
        // An API key's location means an API-key check: no "missing check" on top.
        let error = checkpoint_error(quote!(header = "x-key"));
        assert!(
            error.starts_with("`header` says where an API key is read, so it needs `api_key`"),
            "{error}"
        );
        // A bare option beside a check: only its missing value.
        assert_eq!(
            checkpoint_error(quote!(api_key = KEY, values)),
            "`values` needs a value: `values = ...`"
        );
    }

    #[test]
    fn one_attribute_makes_one_check() {
        let error = checkpoint_error(quote!(api_key = KEY, session_key = "k", values = 1));
        assert!(
            error.starts_with(
                "`session_key` and `api_key` choose two different checks, a session check and an \
                 API-key check"
            ),
            "{error}"
        );
    }

    #[test]
    fn the_api_key_is_read_from_one_header_or_query_parameter() {
        let location = |args: TokenStream| match inline(args).check {
            CheckSpec::ApiKey { location, .. } => match location {
                KeyLocation::Header(header) => format!("header {}", header.value()),
                KeyLocation::Query(query) => format!("query {}", query.value()),
            },
            _ => panic!("an API-key check"),
        };
        assert_eq!(location(quote!(api_key = KEY)), "header x-api-key");
        assert_eq!(
            location(quote!(api_key = KEY, header = "X-Key")),
            "header x-key"
        );
        assert_eq!(location(quote!(api_key = KEY, query = "key")), "query key");
        assert_eq!(location(quote!(query = "key", api_key = KEY)), "query key");
        assert!(matches!(
            inline(quote!(bearer = TOKEN)).check,
            CheckSpec::Bearer { .. }
        ));
        assert!(matches!(
            inline(quote!(check = is_admin)).check,
            CheckSpec::Predicate { .. }
        ));

        let error = checkpoint_error(quote!(query = "key"));
        assert!(
            error.starts_with("`query` says where an API key is read, so it needs `api_key`"),
            "{error}"
        );
        let error = checkpoint_error(quote!(api_key = KEY, header = "h", query = "q"));
        assert!(
            error.starts_with("`query` and `header` both say where the API key is read"),
            "{error}"
        );
    }

    #[test]
    fn include_csrf_takes_its_keys_and_the_actions() {
        match validate(AttrKind::IncludeCsrf, TokenStream::new()) {
            Ok(CheckpointSpec::Inline(inline)) => match inline.check {
                CheckSpec::Csrf {
                    session_key,
                    form_key,
                    ..
                } => assert!(session_key.is_none() && form_key.is_none()),
                _ => panic!("a CSRF check"),
            },
            _ => panic!("#[include_csrf] is accepted"),
        }
        match validate(
            AttrKind::IncludeCsrf,
            quote!(session_key = "s", form_key = "f", disable_default_fail),
        ) {
            Ok(CheckpointSpec::Inline(inline)) => {
                let CheckSpec::Csrf {
                    session_key,
                    form_key,
                    ..
                } = inline.check
                else {
                    panic!("a CSRF check");
                };
                assert_eq!(session_key.unwrap().value(), "s");
                assert_eq!(form_key.unwrap().value(), "f");
                assert!(inline.action.disable_default_fail);
            }
            _ => panic!("#[include_csrf(...)] is accepted"),
        }
        let error = csrf_error(quote!(form_key = ""));
        assert!(error.starts_with("`form_key` must not be empty"), "{error}");
    }

    #[test]
    fn an_api_key_in_include_csrf_is_one_mistake() {
        for args in [
            quote!(api_key = KEY, header = "h"),
            quote!(api_key = KEY, query = "q"),
        ] {
            let error = csrf_error(args);
            assert!(
                error.starts_with(
                    "`api_key` is not an option of `#[include_csrf]`, which checks a CSRF token"
                ),
                "{error}"
            );
            assert!(
                error.ends_with(
                    "for an API-key check as well, stack `#[checkpoint(api_key = ...)]`"
                ),
                "{error}"
            );
        }
        // Without `api_key`, the location is the mistake.
        for name in ["header", "query"] {
            let ident = Ident::new(name, Span::call_site());
            let error = csrf_error(quote!(#ident = "h"));
            assert!(
                error.starts_with(&format!("`{name}` is not an option of `#[include_csrf]`")),
                "{error}"
            );
        }
        let error = csrf_error(quote!(api_key));
        assert!(
            error.starts_with("`api_key` is not an option of `#[include_csrf]`"),
            "{error}"
        );
    }

    #[test]
    fn a_bare_word_is_a_flag_an_option_missing_its_value_a_misspelling_or_a_name() {
        // A flag.
        assert!(
            inline(quote!(session_key = "k", values = 1, disable_default_fail))
                .action
                .disable_default_fail
        );
        // A misspelt option.
        for kind in [AttrKind::Checkpoint, AttrKind::IncludeCsrf] {
            let error = one_error(kind, quote!(disable_default_fial));
            assert_eq!(
                error,
                "unknown option `disable_default_fial`: did you mean `disable_default_fail`?"
            );
        }
        let error = checkpoint_error(quote!(session_key = "k", values = 1, disable_default_fial));
        assert_eq!(
            error,
            "unknown option `disable_default_fial`: did you mean `disable_default_fail`?"
        );
        // A name, which stands alone.
        let error = checkpoint_error(quote!(session_key = "k", values = 1, ADMIN));
        assert!(
            error.starts_with(
                "`ADMIN` is not an option; a named checkpoint stands alone: write \
                 `#[checkpoint(NAME)]`"
            ),
            "{error}"
        );
        let error = csrf_error(quote!(roles::ADMIN));
        assert!(
            error.starts_with(
                "`roles::ADMIN` is not an option of `#[include_csrf]`, which takes `session_key"
            ),
            "{error}"
        );
        assert!(
            error
                .ends_with("a named checkpoint goes in a `#[checkpoint(roles::ADMIN)]` of its own"),
            "{error}"
        );
        // Nothing readable.
        let error = csrf_error(quote!("x"));
        assert!(
            error.starts_with("expected options of `#[include_csrf]`"),
            "{error}"
        );
        let error = checkpoint_error(quote!(session_key = "k", values = 1, "x"));
        assert_eq!(error, EXPECTED_CHECKPOINT);
    }

    #[test]
    fn an_option_is_given_once() {
        let error = checkpoint_error(quote!(
            session_key = "k",
            values = 1,
            fail_url = "/a",
            fail_url = "/b"
        ));
        assert!(
            error.starts_with("duplicate option `fail_url`: it is already set earlier"),
            "{error}"
        );
    }

    #[test]
    fn the_action_options_that_can_take_effect_together_are_accepted() {
        let action = |args: TokenStream| -> ActionSpec {
            let mut all = quote!(session_key = "k", values = 1,);
            all.extend(args);
            inline(all).action
        };
        let with_fail_url = action(quote!(
            fail_url = "/login",
            message = "m",
            message_category = "c"
        ));
        assert_eq!(
            target_text(&with_fail_url.fail_url).as_deref(),
            Some("/login")
        );
        assert_eq!(with_fail_url.message.unwrap().value(), "m");
        assert_eq!(with_fail_url.message_category.unwrap().value(), "c");
        let with_pass_url = action(quote!(pass_url = "/home", message = "m"));
        assert_eq!(
            target_text(&with_pass_url.pass_url).as_deref(),
            Some("/home")
        );
        let json = action(quote!(fail_json = { "error": "no" }, fail_status = 403));
        assert_eq!(json.fail_json.unwrap().text, r#"{"error":"no"}"#);
        assert_eq!(json.fail_status, Some(403));
        assert_eq!(action(quote!(fail_status = 401)).fail_status, Some(401));
        assert!(action(quote!(fail_response = deny)).fail_response.is_some());
        // `disable_default_fail = false` is as good as not given.
        let off = action(quote!(fail_url = "/", disable_default_fail = false));
        assert!(!off.disable_default_fail && off.fail_url.is_some());
    }

    #[test]
    fn an_action_option_that_could_never_take_effect_is_refused() {
        let errors = |args: TokenStream| {
            let mut all = quote!(session_key = "k", values = 1,);
            all.extend(args);
            checkpoint_errors(all)
        };
        assert_eq!(
            errors(quote!(fail_json = { "a": 1 }, fail_url = "/")),
            ["`fail_url` would never take effect: `fail_json` answers every failure before it; remove it"]
        );
        assert_eq!(
            errors(quote!(fail_url = "/", disable_default_fail)),
            ["`disable_default_fail` would never take effect: `fail_url` answers every failure, so \
              the handler never runs on one; remove it"]
        );
        assert_eq!(
            errors(quote!(fail_response = deny, fail_status = 401)),
            ["`fail_status` would never take effect: it is the status of `fail_json` and of the \
              default failure, and `fail_response` answers every failure instead; remove it"]
        );
        assert_eq!(
            errors(quote!(message_category = "c")),
            ["`message_category` would never take effect: it is the category of `message`, which \
              is not given; remove it"]
        );
        assert_eq!(
            errors(quote!(message = "m")),
            [
                "`message` would never take effect: a message is flashed on a redirect, and this \
              checkpoint has neither `fail_url` nor `pass_url`; remove it"
            ]
        );
        let with_json = errors(quote!(fail_json = { "a": 1 }, fail_url = "/", message = "m"));
        assert_eq!(with_json.len(), 2, "{with_json:#?}");
        assert!(with_json[0].starts_with("`fail_url` would never take effect"));
        assert_eq!(
            with_json[1],
            "`message` would never take effect: a message is flashed on a redirect, and with \
             `fail_json` this checkpoint never redirects; remove it"
        );
        let with_pass_url = errors(quote!(fail_json = { "a": 1 }, pass_url = "/", message = "m"));
        assert_eq!(with_pass_url.len(), 2, "{with_pass_url:#?}");
        assert!(
            with_pass_url[0].starts_with(
                "`pass_url` would never take effect: with `fail_json` the checkpoint guards an API"
            ),
            "{with_pass_url:#?}"
        );
        assert!(with_pass_url[1].starts_with("`message` would never take effect"));
    }

    #[test]
    fn a_named_checkpoint_stands_alone() {
        match validate(AttrKind::Checkpoint, quote!(roles::ADMIN)) {
            Ok(CheckpointSpec::Named(path)) => assert_eq!(values::path_text(&path), "roles::ADMIN"),
            _ => panic!("a named checkpoint"),
        }
        assert_eq!(
            checkpoint_error(quote!(ADMIN, EDITOR)),
            "one checkpoint per attribute: stack them as `#[checkpoint(ADMIN)]` \
             `#[checkpoint(EDITOR)]`"
        );
        let error = checkpoint_error(quote!(ADMIN, fail_url = "/"));
        assert!(
            error.starts_with("`ADMIN` is a named checkpoint, which takes no options here"),
            "{error}"
        );
        let error = checkpoint_error(quote!(ADMIN, values));
        assert!(
            error.starts_with("`ADMIN` is a named checkpoint, which takes no options here"),
            "{error}"
        );
        // An option's name or a near miss of one is no checkpoint's name.
        assert_eq!(
            checkpoint_errors(quote!(values))
                .first()
                .map(String::as_str),
            Some("`values` needs a value: `values = ...`")
        );
    }
}
