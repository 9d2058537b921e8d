use checkpoint_runtime::{checkpoint, AllowedValue, LoginRequired, SessionCheckpoint};

const A: SessionCheckpoint = SessionCheckpoint::new("a", &[AllowedValue::Bool(true)]);
const LIMIT: u32 = 3;

#[checkpoint(any(A, LIMIT))]
async fn number() -> &'static str { "hi" }

#[checkpoint(any(A, LoginRequired::LOGGED_IN))]
async fn login() -> &'static str { "hi" }

fn main() {}
