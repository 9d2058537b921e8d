// A predicate that does not exist is reported on its path.
use checkpoint_runtime::checkpoint;

#[checkpoint(check = predicates::is_admin)]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
