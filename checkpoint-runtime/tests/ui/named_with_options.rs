use checkpoint_runtime::{checkpoint, AllowedValue, SessionCheckpoint};

const LOGGED_IN: SessionCheckpoint = SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]);

#[checkpoint(LOGGED_IN, fail_url = "/")]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
