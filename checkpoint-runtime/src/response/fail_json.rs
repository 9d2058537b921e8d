//! The JSON body of the `fail_json` option, checked when the program is compiled.

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
