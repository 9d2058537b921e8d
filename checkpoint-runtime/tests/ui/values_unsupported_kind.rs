use checkpoint_runtime::checkpoint;

const ADMIN: &str = "admin";

#[checkpoint(session_key = "role", values = ADMIN)]
async fn from_a_constant() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "role", values = None)]
async fn none() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "role", values = ['a', b"admin", -true])]
async fn other_literals() -> &'static str {
    "hi"
}

fn main() {}
