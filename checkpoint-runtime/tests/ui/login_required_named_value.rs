use checkpoint_runtime::login_required;

#[login_required = "yes"]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
