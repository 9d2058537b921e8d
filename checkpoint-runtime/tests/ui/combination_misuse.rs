use checkpoint_runtime::{checkpoint, AllowedValue, SessionCheckpoint};

const A: SessionCheckpoint = SessionCheckpoint::new("a", &[AllowedValue::Bool(true)]);
const B: SessionCheckpoint = SessionCheckpoint::new("b", &[AllowedValue::Bool(true)]);

#[checkpoint(any())]
async fn empty() -> &'static str { "hi" }

#[checkpoint(not(A, B))]
async fn not_two() -> &'static str { "hi" }

#[checkpoint(any(A, (session_key = "x", values = true, fail_url = "/")), fail_url = "/")]
async fn action_in_operand() -> &'static str { "hi" }

#[checkpoint(anyy(A, B))]
async fn misspelt() -> &'static str { "hi" }

#[checkpoint(any(session_key = "x", values = true))]
async fn without_parentheses() -> &'static str { "hi" }

#[checkpoint(any(A, B), session_key = "x")]
async fn check_outside() -> &'static str { "hi" }

#[checkpoint(any(A), B)]
async fn name_outside() -> &'static str { "hi" }

#[checkpoint(any(A), all(B))]
async fn two_combinations() -> &'static str { "hi" }

#[checkpoint(all(A, ()))]
async fn empty_operand() -> &'static str { "hi" }

#[checkpoint(all(A, (session_key = "x")))]
async fn incomplete_operand() -> &'static str { "hi" }

#[checkpoint(any(A, "admin"))]
async fn not_an_operand() -> &'static str { "hi" }

#[checkpoint(any(A, B), message = "no redirect")]
async fn dead_action() -> &'static str { "hi" }

fn main() {}
