//! The typed model of a checkpoint stack, between parsing and expansion: which attribute was
//! written where, and what each one, validated, asks for. Expansion cannot fail.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, LitStr, Path};

/// Which of the crate's attributes was written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrKind {
    Checkpoint,
    IncludeCsrf,
    LoginRequired,
    FreshLoginRequired,
    LoginNotRequired,
}

impl AttrKind {
    /// Every attribute, in the order the documentation lists them.
    pub(crate) const ALL: [AttrKind; 5] = [
        AttrKind::Checkpoint,
        AttrKind::IncludeCsrf,
        AttrKind::LoginRequired,
        AttrKind::FreshLoginRequired,
        AttrKind::LoginNotRequired,
    ];

    /// The attribute's name, as written after `#[`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AttrKind::Checkpoint => "checkpoint",
            AttrKind::IncludeCsrf => "include_csrf",
            AttrKind::LoginRequired => "login_required",
            AttrKind::FreshLoginRequired => "fresh_login_required",
            AttrKind::LoginNotRequired => "login_not_required",
        }
    }
}

/// Where one attribute was written, for errors about what it lacks: its arguments when there
/// are any (so the error sits inside the parentheses), else the attribute's name.
pub(crate) struct AttrSite {
    pub(crate) kind: AttrKind,
    pub(crate) args: TokenStream,
    pub(crate) span: Span,
}

impl AttrSite {
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        if self.args.is_empty() {
            syn::Error::new(self.span, message)
        } else {
            syn::Error::new_spanned(&self.args, message)
        }
    }
}

/// The kinds of check an attribute can make.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckKind {
    Session,
    ApiKey,
    Bearer,
    Predicate,
    Csrf,
}

impl CheckKind {
    pub(crate) fn description(self) -> &'static str {
        match self {
            CheckKind::Session => "a session check",
            CheckKind::ApiKey => "an API-key check",
            CheckKind::Bearer => "a bearer-token check",
            CheckKind::Predicate => "a custom check",
            CheckKind::Csrf => "a CSRF check",
        }
    }

    /// The attribute making a check of this kind on its own.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            CheckKind::Session => "#[checkpoint(session_key = \"...\", values = ...)]",
            CheckKind::ApiKey => "#[checkpoint(api_key = ...)]",
            CheckKind::Bearer => "#[checkpoint(bearer = ...)]",
            CheckKind::Predicate => "#[checkpoint(check = path::to::predicate)]",
            CheckKind::Csrf => "#[include_csrf(...)]",
        }
    }
}

/// One `#[checkpoint(...)]`, `#[include_csrf(...)]`, `#[login_required]` or
/// `#[fresh_login_required]` attribute.
pub(crate) enum CheckpointSpec {
    /// `#[checkpoint(NAME)]`: a checkpoint value declared elsewhere.
    Named(Path),
    /// A checkpoint written out in the attribute.
    Inline(Box<InlineSpec>),
    /// `#[login_required]`, or `#[fresh_login_required]` when `fresh`; `span` is the attribute's.
    Login { fresh: bool, span: Span },
    /// `#[login_not_required]`, written at `span`: no check, a public route.
    Public { span: Span },
}

/// The route a `#[login_not_required]` handler serves, as its route attribute (`#[get("/path")]`)
/// says: what `LoginRequired`'s middleware recognises it by.
pub(crate) struct PublicSpec {
    /// The route's name: `name = "..."` on the route attribute, or the handler's.
    pub(crate) name: String,
    /// The path, as written.
    pub(crate) path: LitStr,
    /// The methods the route serves, upper-case.
    pub(crate) methods: Vec<String>,
    /// Which of the handler's attributes is the route attribute.
    pub(crate) attribute: usize,
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
    /// `#[include_csrf(...)]`, written at `span`; a key not given is the runtime's default.
    Csrf {
        session_key: Option<LitStr>,
        form_key: Option<LitStr>,
        span: Span,
    },
    /// `any(...)`, `all(...)` or `not(...)`: checks combined under the attribute's one action.
    Combined(Combination),
}

/// Checks combined, each operand a named checkpoint, an inline check or another combination.
pub(crate) enum Combination {
    /// `any(...)`: passes when one operand passes, trying them in order.
    Any(Vec<Operand>),
    /// `all(...)`: passes when every operand passes, trying them in order.
    All(Vec<Operand>),
    /// `not(...)`: passes when its operand fails.
    Not(Box<Operand>),
}

/// One operand of a [`Combination`].
pub(crate) enum Operand {
    /// A checkpoint declared elsewhere: its check, not its action.
    Named(Path),
    /// A check written in parentheses: a session, API-key, bearer or custom check, no action.
    Check(CheckSpec),
    /// A combination inside a combination.
    Combined(Combination),
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

impl ActionSpec {
    /// Whether no option is given: the action `Checkpoint::with_check` sets already.
    pub(crate) fn is_default(&self) -> bool {
        let Self {
            fail_url,
            pass_url,
            fail_json,
            fail_response,
            fail_status,
            message,
            message_category,
            disable_default_fail,
        } = self;
        fail_url.is_none()
            && pass_url.is_none()
            && fail_json.is_none()
            && fail_response.is_none()
            && fail_status.is_none()
            && message.is_none()
            && message_category.is_none()
            && !disable_default_fail
    }
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

/// The path the expansion names the runtime crate by: `::checkpoint_runtime`, or the path a
/// stack gives with `crate = ...` when the app renamed the dependency.
pub(crate) struct Runtime(Option<Path>);

impl Runtime {
    pub(crate) fn new(path: Option<Path>) -> Self {
        Self(path)
    }

    /// The path, as written (or `::checkpoint_runtime`).
    pub(crate) fn path(&self) -> TokenStream {
        match &self.0 {
            Some(path) => quote::ToTokens::to_token_stream(path),
            None => quote::quote!(::checkpoint_runtime),
        }
    }

    /// The path with every token spanned at `span`, for code whose errors are reported there.
    pub(crate) fn at(&self, span: Span) -> TokenStream {
        self.path()
            .into_iter()
            .map(|mut token| {
                token.set_span(span);
                token
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_is_default_until_an_option_is_given() {
        assert!(ActionSpec::default().is_default());
        let text = || LitStr::new("x", Span::call_site());
        let options: [fn(&mut ActionSpec, LitStr); 8] = [
            |action, text| action.fail_url = Some(TargetSpec::Path(text)),
            |action, text| action.pass_url = Some(TargetSpec::Path(text)),
            |action, text| {
                action.fail_json = Some(JsonText {
                    text: text.value(),
                    span: text.span(),
                })
            },
            |action, text| action.fail_response = Some((syn::parse_quote!(respond), text.span())),
            |action, _| action.fail_status = Some(401),
            |action, text| action.message = Some(text),
            |action, text| action.message_category = Some(text),
            |action, _| action.disable_default_fail = true,
        ];
        for (index, set) in options.into_iter().enumerate() {
            let mut action = ActionSpec::default();
            set(&mut action, text());
            assert!(!action.is_default(), "option {index} is given");
        }
    }
}
