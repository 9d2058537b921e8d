//! The typed model of a checkpoint stack, between parsing and expansion. Everything in it has
//! been validated: expansion cannot fail.

use proc_macro2::Span;
use syn::{Expr, LitStr, Path};

/// One `#[checkpoint(...)]`, `#[include_csrf(...)]`, `#[login_required]` or
/// `#[fresh_login_required]` attribute.
pub(crate) enum CheckpointSpec {
    /// `#[checkpoint(NAME)]`: a checkpoint value declared elsewhere.
    Named(Path),
    /// A checkpoint written out in the attribute.
    Inline(Box<InlineSpec>),
    /// `#[login_required]`, or `#[fresh_login_required]` when `fresh`; `span` is the attribute's.
    Login { fresh: bool, span: Span },
}

/// An inline checkpoint: what it checks, and what it does about the verdict.
pub(crate) struct InlineSpec {
    pub(crate) check: CheckSpec,
    pub(crate) action: ActionSpec,
}

/// What an inline checkpoint verifies.
pub(crate) enum CheckSpec {
    /// `session_key = "...", values = ...`.
    Session(SessionSpec),
    /// `api_key = EXPR`, read from a header or the query string.
    ApiKey { expr: Expr, location: KeyLocation },
    /// `bearer = EXPR`.
    Bearer { expr: Expr },
    /// `check = path::to::predicate`, an `async fn` of extractors returning `bool`.
    Predicate { path: Path },
    /// `#[include_csrf(...)]`; a key not given is the runtime's default.
    Csrf {
        session_key: Option<LitStr>,
        form_key: Option<LitStr>,
    },
}

pub(crate) struct SessionSpec {
    pub(crate) session_key: LitStr,
    pub(crate) values: Vec<AllowedLit>,
}

/// Where an API key is read.
pub(crate) enum KeyLocation {
    /// A header name, lowercased (header names are case-insensitive), spanned as written.
    Header(LitStr),
    /// A query-string parameter.
    Query(LitStr),
}

/// An allowed session value, as written.
pub(crate) enum AllowedLit {
    Bool(bool),
    Int(i64),
    Str(String),
}

/// The action options; `None` and `false` mean "not given".
#[derive(Default)]
pub(crate) struct ActionSpec {
    pub(crate) fail_url: Option<TargetSpec>,
    pub(crate) pass_url: Option<TargetSpec>,
    pub(crate) fail_json: Option<JsonText>,
    /// The function's path, and the span of the option's name (what expects its type).
    pub(crate) fail_response: Option<(Path, Span)>,
    pub(crate) fail_status: Option<u16>,
    pub(crate) message: Option<LitStr>,
    pub(crate) message_category: Option<LitStr>,
    pub(crate) disable_default_fail: bool,
}

/// A redirect target: `"/path"` or `url_for("route", "arg", ...)`.
pub(crate) enum TargetSpec {
    Path(LitStr),
    Route { name: LitStr, args: Vec<String> },
}

/// A JSON object, already checked and serialised to compact text.
pub(crate) struct JsonText {
    pub(crate) text: String,
    pub(crate) span: Span,
}
