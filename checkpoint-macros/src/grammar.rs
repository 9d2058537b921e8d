//! The grammar of the attributes, in one table: every option, which attributes take it, what it
//! does, and how its value is read. Reading the entries (`validate.rs`), the "did you mean" hints
//! (`suggest.rs`) and the error messages all read it.
//!
//! | option | attributes | role | value |
//! |---|---|---|---|
//! | `session_key` | `checkpoint` | chooses a session check | a non-empty string |
//! | `values` | `checkpoint` | chooses a session check | a string, integer or bool literal, or an array of them |
//! | `api_key` | `checkpoint` | chooses an API-key check | an expression yielding `AsRef<str>` |
//! | `header`, `query` | `checkpoint` | where the API key is read | a header name / a parameter name |
//! | `bearer` | `checkpoint` | chooses a bearer-token check | an expression yielding `AsRef<str>` |
//! | `check` | `checkpoint` | chooses a custom check | the path of an `async fn` returning `bool` |
//! | `session_key`, `form_key` | `include_csrf` | the CSRF check's keys | a non-empty string |
//! | `fail_url`, `pass_url` | both | action | `"/path"` or `url_for("route", "arg", ...)` |
//! | `fail_json` | both | action | a JSON object |
//! | `fail_response` | both | action | the path of a `fn(&HttpRequest) -> HttpResponse` |
//! | `fail_status` | both | action | an integer from 400 to 599 |
//! | `message`, `message_category` | both | action | a string |
//! | `disable_default_fail` | both | action | bare, or `true`/`false` |
//!
//! `#[login_required]` and `#[fresh_login_required]` take no options. In `#[checkpoint]`, a
//! combination (`any(...)`, `all(...)`, `not(...)`, read in `validate::combination`) takes the
//! place of the options choosing a check; its operands in parentheses take those options, and
//! no action.

use proc_macro2::TokenStream;
use syn::{Expr, Ident, LitStr, Path, Result};

use crate::{
    json,
    model::{ActionSpec, AllowedLit, AttrKind, CheckKind},
    values,
};

/// What an option does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Chooses the check the attribute makes.
    Chooses(CheckKind),
    /// Says more about a check: where the API key is read, the CSRF check's keys.
    Refines(CheckKind),
    /// An action option, which every kind of check takes.
    Action,
}

impl Role {
    /// The kind of check the option belongs to; `None` for an action option.
    pub(crate) fn kind(self) -> Option<CheckKind> {
        match self {
            Role::Chooses(kind) | Role::Refines(kind) => Some(kind),
            Role::Action => None,
        }
    }
}

/// One option of one or more attributes.
pub(crate) struct OptionRule {
    pub(crate) name: &'static str,
    pub(crate) attrs: &'static [AttrKind],
    pub(crate) role: Role,
    /// Whether the option may be written without a value (a flag).
    pub(crate) bare: bool,
    /// Reads the value (`None` for a bare flag) into the attribute's [`Options`].
    pub(crate) read: fn(&Ident, Option<TokenStream>, &mut Options) -> Result<()>,
}

/// The values of the options an attribute was given, where valid.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) session_key: Option<LitStr>,
    pub(crate) values: Option<Vec<AllowedLit>>,
    pub(crate) api_key: Option<Expr>,
    pub(crate) header: Option<LitStr>,
    pub(crate) query: Option<LitStr>,
    pub(crate) bearer: Option<Expr>,
    pub(crate) check: Option<Path>,
    pub(crate) form_key: Option<LitStr>,
    pub(crate) action: ActionSpec,
}

const CHECKPOINT: &[AttrKind] = &[AttrKind::Checkpoint];
const CSRF: &[AttrKind] = &[AttrKind::IncludeCsrf];
const BOTH: &[AttrKind] = &[AttrKind::Checkpoint, AttrKind::IncludeCsrf];

/// `options.$field = Some(reader(name, value))`, as an [`OptionRule::read`].
macro_rules! read_into {
    ($($field:ident).+ = $reader:expr) => {
        |name, value, options| {
            options.$($field).+ = Some($reader(name, value.unwrap_or_default())?);
            Ok(())
        }
    };
}

/// An option that takes a value.
const fn option(
    name: &'static str,
    attrs: &'static [AttrKind],
    role: Role,
    read: fn(&Ident, Option<TokenStream>, &mut Options) -> Result<()>,
) -> OptionRule {
    OptionRule {
        name,
        attrs,
        role,
        bare: false,
        read,
    }
}

/// Every option, in the order error messages list them: those choosing a check, then the
/// action options.
pub(crate) const OPTIONS: &[OptionRule] = &[
    option(
        "session_key",
        CHECKPOINT,
        Role::Chooses(CheckKind::Session),
        read_into!(session_key = values::session_key),
    ),
    option(
        "values",
        CHECKPOINT,
        Role::Chooses(CheckKind::Session),
        read_into!(values = values::allowed_values),
    ),
    option(
        "api_key",
        CHECKPOINT,
        Role::Chooses(CheckKind::ApiKey),
        read_into!(api_key = values::expected_key),
    ),
    option(
        "header",
        CHECKPOINT,
        Role::Refines(CheckKind::ApiKey),
        read_into!(header = values::header_name),
    ),
    option(
        "query",
        CHECKPOINT,
        Role::Refines(CheckKind::ApiKey),
        read_into!(query = values::query_name),
    ),
    option(
        "bearer",
        CHECKPOINT,
        Role::Chooses(CheckKind::Bearer),
        read_into!(bearer = values::expected_key),
    ),
    option(
        "check",
        CHECKPOINT,
        Role::Chooses(CheckKind::Predicate),
        read_into!(check = values::predicate),
    ),
    option(
        "session_key",
        CSRF,
        Role::Refines(CheckKind::Csrf),
        read_into!(session_key = values::csrf_key),
    ),
    option(
        "form_key",
        CSRF,
        Role::Refines(CheckKind::Csrf),
        read_into!(form_key = values::csrf_key),
    ),
    option(
        "fail_url",
        BOTH,
        Role::Action,
        read_into!(action.fail_url = values::target),
    ),
    option(
        "pass_url",
        BOTH,
        Role::Action,
        read_into!(action.pass_url = values::target),
    ),
    option(
        "fail_json",
        BOTH,
        Role::Action,
        read_into!(action.fail_json = fail_json_object),
    ),
    option(
        "fail_response",
        BOTH,
        Role::Action,
        read_into!(action.fail_response = values::fail_response),
    ),
    option(
        "fail_status",
        BOTH,
        Role::Action,
        read_into!(action.fail_status = values::fail_status),
    ),
    option(
        "message",
        BOTH,
        Role::Action,
        read_into!(action.message = values::string),
    ),
    option(
        "message_category",
        BOTH,
        Role::Action,
        read_into!(action.message_category = values::string),
    ),
    OptionRule {
        name: "disable_default_fail",
        attrs: BOTH,
        role: Role::Action,
        bare: true,
        read: |name, value, options| {
            options.action.disable_default_fail = values::flag(name, value)?;
            Ok(())
        },
    },
];

fn fail_json_object(name: &Ident, value: TokenStream) -> Result<crate::model::JsonText> {
    json::object_from_tokens(value, name.span(), json::Written::Option)
}

/// The option `name` of `attr`.
pub(crate) fn rule(attr: AttrKind, name: &str) -> Option<&'static OptionRule> {
    OPTIONS
        .iter()
        .find(|rule| rule.name == name && rule.attrs.contains(&attr))
}

/// The names of the options of `attr`, in the table's order.
pub(crate) fn option_names(attr: AttrKind) -> impl Iterator<Item = &'static str> {
    OPTIONS
        .iter()
        .filter(move |rule| rule.attrs.contains(&attr))
        .map(|rule| rule.name)
}

/// The option `name` of another attribute, when `attr` has none of that name: written in the
/// wrong attribute.
pub(crate) fn misplaced(attr: AttrKind, name: &str) -> Option<&'static OptionRule> {
    if rule(attr, name).is_some() {
        return None;
    }
    OPTIONS.iter().find(|rule| rule.name == name)
}
