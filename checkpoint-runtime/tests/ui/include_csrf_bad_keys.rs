// The CSRF keys are non-empty string literals, given once; unknown options get a suggestion.
use checkpoint_runtime::include_csrf;

#[include_csrf(session_key = "", form_key = "")]
async fn empty_keys() -> &'static str {
    "hi"
}

#[include_csrf(form_key = csrf)]
async fn not_a_string() -> &'static str {
    "hi"
}

#[include_csrf(form_kye = "token")]
async fn misspelt() -> &'static str {
    "hi"
}

#[include_csrf(token = "csrf", form_key = "a", form_key = "b")]
async fn unknown_and_duplicate() -> &'static str {
    "hi"
}

fn main() {}
