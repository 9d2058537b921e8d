use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, LOGGED_IN)]
async fn named_after_options() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, disable_default_fial)]
async fn misspelt_flag() -> &'static str {
    "hi"
}

#[checkpoint(sesion_key = "k", values = true)]
async fn misspelt_required_option() -> &'static str {
    "hi"
}

fn main() {}
