use checkpoint_runtime::{checkpoint, AllowedValue, SessionCheckpoint};

const LOGGED_IN: SessionCheckpoint = SessionCheckpoint::new("logged_in", &[AllowedValue::Bool(true)]);
const ADMIN: SessionCheckpoint = SessionCheckpoint::new("role", &[AllowedValue::Str("admin")]);

#[checkpoint(LOGGED_IN, ADMIN)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
