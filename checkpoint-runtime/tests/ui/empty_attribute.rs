use checkpoint_runtime::checkpoint;

#[checkpoint()]
async fn handler() -> &'static str {
    "hi"
}

#[checkpoint]
async fn no_parentheses() -> &'static str {
    "hi"
}

fn main() {}
