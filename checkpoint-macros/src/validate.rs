//! Giving the entries of a `#[checkpoint(...)]` or `#[include_csrf(...)]` their meaning: every
//! rule of what is allowed, each broken rule a compile error on the tokens at fault, all of them
//! reported at once.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{
    Error, Expr, ExprCall, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitStr, Path, Result, UnOp,
};

use crate::{
    json,
    model::{
        ActionSpec, AllowedLit, CheckSpec, CheckpointSpec, InlineSpec, KeyLocation, SessionSpec,
        TargetSpec,
    },
    parse::Entry,
};

/// The options of `#[checkpoint(...)]`: those choosing the check, then the action options.
const CHECKPOINT_OPTIONS: &[&str] = &[
    "session_key",
    "values",
    "api_key",
    "header",
    "query",
    "bearer",
    "check",
    "fail_url",
    "pass_url",
    "fail_json",
    "fail_response",
    "fail_status",
    "message",
    "message_category",
    "disable_default_fail",
];

/// The options of `#[include_csrf(...)]`: its two keys, then the action options.
const CSRF_OPTIONS: &[&str] = &[
    "session_key",
    "form_key",
    "fail_url",
    "pass_url",
    "fail_json",
    "fail_response",
    "fail_status",
    "message",
    "message_category",
    "disable_default_fail",
];

/// The default header of `api_key`.
const API_KEY_HEADER: &str = "x-api-key";

const EXPECTED_CHECKPOINT: &str = "expected a checkpoint: options such as \
     `session_key = \"logged_in\", values = true` or `api_key = API_KEY`, or the name of a \
     checkpoint constant such as `LOGGED_IN`";

/// Which of the crate's attributes is being validated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrKind {
    Checkpoint,
    IncludeCsrf,
    LoginRequired,
    FreshLoginRequired,
}

impl AttrKind {
    /// The attribute's name, as written after `#[`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AttrKind::Checkpoint => "checkpoint",
            AttrKind::IncludeCsrf => "include_csrf",
            AttrKind::LoginRequired => "login_required",
            AttrKind::FreshLoginRequired => "fresh_login_required",
        }
    }

    fn options(self) -> &'static [&'static str] {
        match self {
            AttrKind::Checkpoint => CHECKPOINT_OPTIONS,
            AttrKind::IncludeCsrf => CSRF_OPTIONS,
            AttrKind::LoginRequired | AttrKind::FreshLoginRequired => &[],
        }
    }
}

/// The kinds of check, for errors about options of different kinds in one attribute.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Session,
    ApiKey,
    Bearer,
    Predicate,
    Csrf,
}

impl Kind {
    /// The kind an option belongs to; `None` for the action options, which every kind takes.
    fn of(option: &str) -> Option<Kind> {
        match option {
            "session_key" | "values" => Some(Kind::Session),
            "api_key" | "header" | "query" => Some(Kind::ApiKey),
            "bearer" => Some(Kind::Bearer),
            "check" => Some(Kind::Predicate),
            "form_key" => Some(Kind::Csrf),
            _ => None,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Kind::Session => "a session check",
            Kind::ApiKey => "an API-key check",
            Kind::Bearer => "a bearer-token check",
            Kind::Predicate => "a custom check",
            Kind::Csrf => "a CSRF check",
        }
    }

    /// The attribute making a check of this kind on its own.
    fn attribute(self) -> &'static str {
        match self {
            Kind::Session => "#[checkpoint(session_key = \"...\", values = ...)]",
            Kind::ApiKey => "#[checkpoint(api_key = ...)]",
            Kind::Bearer => "#[checkpoint(bearer = ...)]",
            Kind::Predicate => "#[checkpoint(check = path::to::predicate)]",
            Kind::Csrf => "#[include_csrf(...)]",
        }
    }
}

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

    fn extend(&mut self, error: Option<Error>) {
        if let Some(error) = error {
            self.push(error);
        }
    }

    fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }
}

/// Where one attribute was written, for errors about what it lacks: its arguments when there
/// are any (so the error sits inside the parentheses), else the whole attribute.
pub(crate) struct AttrSite {
    pub(crate) kind: AttrKind,
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
pub(crate) fn attribute(entries: Vec<Entry>, site: &AttrSite) -> Result<CheckpointSpec> {
    match site.kind {
        AttrKind::Checkpoint => checkpoint(entries, site),
        AttrKind::IncludeCsrf => include_csrf(entries),
        AttrKind::LoginRequired => login_required(site, false),
        AttrKind::FreshLoginRequired => login_required(site, true),
    }
}

/// `#[login_required]` and `#[fresh_login_required]` take no options: the app's
/// `LoginManager` says how a refused request is answered.
fn login_required(site: &AttrSite, fresh: bool) -> Result<CheckpointSpec> {
    if !site.args.is_empty() {
        return Err(Error::new_spanned(
            &site.args,
            format!(
                "`#[{}]` takes no options: configure the login view, messages and freshness \
                 window on the app's `checkpoint_runtime::LoginManager`, registered with \
                 `App::app_data`",
                site.kind.name()
            ),
        ));
    }
    Ok(CheckpointSpec::Login {
        fresh,
        span: site.span,
    })
}

/// `#[checkpoint(...)]`: a named checkpoint, or exactly one kind of check plus action options.
fn checkpoint(entries: Vec<Entry>, site: &AttrSite) -> Result<CheckpointSpec> {
    if entries.is_empty() {
        return Err(site.error(EXPECTED_CHECKPOINT));
    }
    if let Some(named) = named_checkpoint(&entries)? {
        return Ok(named);
    }

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
        let session = kind == Some(Kind::Session)
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
        Some((Kind::Session, _)) => match (options.session_key, options.values) {
            (Some(session_key), Some(values)) => CheckSpec::Session(SessionSpec {
                session_key,
                values,
            }),
            _ => return Err(site.error(EXPECTED_CHECKPOINT)),
        },
        Some((Kind::ApiKey, name)) => {
            let Some(expr) = options.api_key else {
                return Err(site.error(EXPECTED_CHECKPOINT));
            };
            let location = match (options.header, options.query) {
                (_, Some(query)) => KeyLocation::Query(query),
                (Some(header), None) => KeyLocation::Header(header),
                (None, None) => KeyLocation::Header(LitStr::new(API_KEY_HEADER, name.span())),
            };
            CheckSpec::ApiKey { expr, location }
        }
        Some((Kind::Bearer, _)) => match options.bearer {
            Some(expr) => CheckSpec::Bearer { expr },
            None => return Err(site.error(EXPECTED_CHECKPOINT)),
        },
        Some((Kind::Predicate, _)) => match options.check {
            Some(path) => CheckSpec::Predicate { path },
            None => return Err(site.error(EXPECTED_CHECKPOINT)),
        },
        Some((Kind::Csrf, _)) | None => return Err(site.error(EXPECTED_CHECKPOINT)),
    };
    Ok(CheckpointSpec::Inline(Box::new(InlineSpec {
        check,
        action: options.action,
    })))
}

/// The kinds of check the options in `seen` choose, each with the first option choosing it, in
/// the order written; more than one is an error on each extra one.
fn chosen_checks<'a>(seen: &'a [Ident], errors: &mut Errors) -> Vec<(Kind, &'a Ident)> {
    let mut chosen: Vec<(Kind, &Ident)> = Vec::new();
    for name in seen {
        // `header` and `query` only refine `api_key`: they choose nothing.
        if name == "header" || name == "query" {
            continue;
        }
        if let Some(kind) = Kind::of(&name.to_string()) {
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
fn include_csrf(entries: Vec<Entry>) -> Result<CheckpointSpec> {
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

/// The values of the options given, where valid.
#[derive(Default)]
struct Options {
    session_key: Option<LitStr>,
    values: Option<Vec<AllowedLit>>,
    api_key: Option<Expr>,
    header: Option<LitStr>,
    query: Option<LitStr>,
    bearer: Option<Expr>,
    check: Option<Path>,
    form_key: Option<LitStr>,
    action: ActionSpec,
}

/// Reads every entry as an option of `attr`, reporting each faulty one. `attr` is
/// `#[checkpoint]` or `#[include_csrf]`: the login attributes take no options, so in the matches
/// below they share `#[include_csrf]`'s arm, which they never reach.
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
                Ok(name) if name == "disable_default_fail" => (name, None),
                Ok(name) if option_name(attr, &tokens).is_some() => {
                    meant.extend(option_name(attr, &tokens));
                    errors.push(Error::new(
                        name.span(),
                        format!("`{name}` needs a value: `{name} = ...`"),
                    ));
                    continue;
                }
                Ok(name) if misplaced_option(attr, &name).is_some() => {
                    meant.extend(misplaced_option(attr, &name));
                    errors.extend(misplaced(&name));
                    continue;
                }
                Ok(name) if misspelt_option(attr, &tokens).is_some() => {
                    let (error, suggestion) = unknown_option(attr, &name);
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
        if !attr.options().contains(&key.as_str()) {
            if let Some(option) = misplaced_option(attr, &name) {
                meant.push(option);
                errors.extend(misplaced(&name));
            } else {
                let (error, suggestion) = unknown_option(attr, &name);
                meant.extend(suggestion);
                errors.push(error);
            }
            continue;
        }
        if seen.iter().any(|seen| *seen == key) {
            errors.push(Error::new(
                name.span(),
                format!("duplicate option `{key}`: it is already set earlier in this attribute; keep only one `{key} = ...`"),
            ));
            continue;
        }
        seen.push(name.clone());
        if key == "disable_default_fail" {
            options.action.disable_default_fail = errors.take(flag(&name, value)).unwrap_or(false);
            continue;
        }
        let value = value.unwrap_or_default();
        let action = &mut options.action;
        match (attr, key.as_str()) {
            (AttrKind::Checkpoint, "session_key") => {
                options.session_key = errors.take(session_key_value(&name, value));
            }
            (_, "session_key" | "form_key") => {
                let key_value = errors.take(csrf_key(&name, value));
                if name == "session_key" {
                    options.session_key = key_value;
                } else {
                    options.form_key = key_value;
                }
            }
            (_, "values") => options.values = errors.take(allowed_values(&name, value)),
            (_, "api_key") => options.api_key = errors.take(expected_key(&name, value)),
            (_, "header") => options.header = errors.take(header_name(&name, value)),
            (_, "query") => options.query = errors.take(query_name(&name, value)),
            (_, "bearer") => options.bearer = errors.take(expected_key(&name, value)),
            (_, "check") => options.check = errors.take(predicate(&name, value)),
            (_, "fail_url") => action.fail_url = errors.take(target(&name, value)),
            (_, "pass_url") => action.pass_url = errors.take(target(&name, value)),
            (_, "fail_json") => {
                action.fail_json = errors.take(json::object_from_tokens(
                    value,
                    name.span(),
                    json::Written::Option,
                ));
            }
            (_, "fail_response") => action.fail_response = errors.take(fail_response(&name, value)),
            (_, "fail_status") => action.fail_status = errors.take(fail_status(&name, value)),
            (_, "message") => action.message = errors.take(string(&name, value)),
            (_, "message_category") => action.message_category = errors.take(string(&name, value)),
            _ => unreachable!("every option of every attribute is handled"),
        }
    }
    Given {
        errors,
        seen,
        meant,
        options,
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
            let kind = Kind::of(&name.to_string()).unwrap_or(Kind::Session);
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

/// The option `name` is, when it belongs to the other attribute (or, for `#[include_csrf]`, to
/// another kind of check).
fn misplaced_option(attr: AttrKind, name: &Ident) -> Option<&'static str> {
    let other = match attr {
        AttrKind::Checkpoint => CSRF_OPTIONS,
        _ => CHECKPOINT_OPTIONS,
    };
    other
        .iter()
        .copied()
        .find(|option| name == option && !attr.options().contains(option))
}

/// The option an entry names when it is a bare option name (`values`, `disable_default_fail`).
fn option_name(attr: AttrKind, tokens: &TokenStream) -> Option<&'static str> {
    let ident = syn::parse2::<Ident>(tokens.clone()).ok()?;
    attr.options()
        .iter()
        .copied()
        .find(|option| ident == option)
}

/// `#[checkpoint(NAME)]`: a leading bare path that is not an option name. `None` when the
/// attribute does not start with a name; an error when a name is followed by other entries.
fn named_checkpoint(entries: &[Entry]) -> Result<Option<CheckpointSpec>> {
    let attr = AttrKind::Checkpoint;
    let Some((Entry::Bare(tokens), rest)) = entries.split_first() else {
        return Ok(None);
    };
    if option_name(attr, tokens).is_some()
        || misspelt_option(attr, tokens).is_some()
        || syn::parse2::<Ident>(tokens.clone())
            .is_ok_and(|name| misplaced_option(attr, &name).is_some())
    {
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
        if let (None, Ok(second)) = (
            option_name(attr, second),
            syn::parse2::<Path>(second.clone()),
        ) {
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
fn misspelt_option(attr: AttrKind, tokens: &TokenStream) -> Option<&'static str> {
    let ident = syn::parse2::<Ident>(tokens.clone()).ok()?;
    closest_option(attr, &ident.to_string(), 2)
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
fn unknown_option(attr: AttrKind, name: &Ident) -> (Error, Option<&'static str>) {
    let written = name.to_string();
    let closest = closest_option(attr, &written, 3);
    let hint = match closest {
        Some(option) => format!("did you mean `{option}`?"),
        None => format!("expected one of: {}", attr.options().join(", ")),
    };
    let error = Error::new(name.span(), format!("unknown option `{written}`: {hint}"));
    (error, closest)
}

/// The option of `attr` nearest to `written`, if within `max_distance` edits.
fn closest_option(attr: AttrKind, written: &str, max_distance: usize) -> Option<&'static str> {
    attr.options()
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

fn parse_expr(name: &Ident, tokens: TokenStream) -> Result<Expr> {
    if tokens.is_empty() {
        return Err(Error::new(name.span(), format!("`{name} =` needs a value")));
    }
    syn::parse2(tokens)
}

fn string(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
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

fn session_key_value(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
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
fn expected_key(name: &Ident, tokens: TokenStream) -> Result<Expr> {
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
fn header_name(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
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
fn query_name(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
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
fn predicate(name: &Ident, tokens: TokenStream) -> Result<Path> {
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
fn csrf_key(name: &Ident, tokens: TokenStream) -> Result<LitStr> {
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

fn allowed_values(name: &Ident, tokens: TokenStream) -> Result<Vec<AllowedLit>> {
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

fn target(name: &Ident, tokens: TokenStream) -> Result<TargetSpec> {
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

fn fail_response(name: &Ident, tokens: TokenStream) -> Result<(Path, Span)> {
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

fn fail_status(name: &Ident, tokens: TokenStream) -> Result<u16> {
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

fn flag(name: &Ident, tokens: Option<TokenStream>) -> Result<bool> {
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
