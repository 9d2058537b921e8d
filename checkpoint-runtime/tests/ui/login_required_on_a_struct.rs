use checkpoint_runtime::fresh_login_required;

#[fresh_login_required]
struct Page;

fn main() {}
