use checkpoint_runtime::{checkpoint, fresh_login_required, login_required};

#[login_required(login_view = "/login")]
async fn with_an_option() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true)]
#[fresh_login_required(foo)]
async fn stacked_with_an_option() -> &'static str {
    "hi"
}

fn main() {}
