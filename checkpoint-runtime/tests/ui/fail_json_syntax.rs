use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_json = { "error" "no" })]
async fn missing_colon() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_json = { "a": 1 "b": 2 })]
async fn missing_comma() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_json = { "code": 401u16 })]
async fn suffix() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_json = { "error": })]
async fn missing_value() -> &'static str {
    "hi"
}

fn main() {}
