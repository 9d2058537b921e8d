//! The JSON body of the `fail_json` option, checked when the program is compiled.

/// A JSON object written as Rust tokens, checked while compiling, as a [`FailJson`] for
/// [`Action::fail_json`](crate::Action::fail_json) (the attribute's `fail_json = { ... }` is the
/// same). Keys are strings; values are strings, numbers, `true`, `false`, `null`, arrays and
/// objects. A syntax error, a duplicate key or anything that is not a JSON object is a compile
/// error on the offending tokens.
///
/// ```
/// use checkpoint_runtime::{fail_json, Action, FailJson};
///
/// const DENIED: FailJson = fail_json!({ "error": "Unauthorized", "retry": false, "code": 401 });
/// const API: Action = Action::new().fail_json(DENIED).fail_status(401);
/// assert_eq!(DENIED.as_str(), r#"{"error":"Unauthorized","retry":false,"code":401}"#);
/// # let _ = API;
/// ```
#[macro_export]
macro_rules! fail_json {
    ($($object:tt)*) => {
        $crate::__private::fail_json!($crate, $($object)*)
    };
}

/// A JSON object sent as the body of a failed check.
///
/// Build it with [`fail_json!`](crate::fail_json!) (or the attribute's `fail_json = { ... }`),
/// which validates the object while compiling; there is no other public constructor, so the body
/// is always a valid JSON object.
///
/// ```
/// use checkpoint_runtime::{fail_json, FailJson};
///
/// const DENIED: FailJson = fail_json!({ "error": "Unauthorized", "code": 401 });
/// assert_eq!(DENIED.as_str(), r#"{"error":"Unauthorized","code":401}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailJson(&'static str);

impl FailJson {
    #[doc(hidden)]
    pub const fn __from_checked_text(text: &'static str) -> Self {
        Self(text)
    }

    /// The JSON text.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
}
