use checkpoint_runtime::login_required;

#[login_required]
fn handler() -> &'static str {
    "hi"
}

fn main() {}
