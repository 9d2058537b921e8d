// A user loader of the older form, taking the id as a `String`: the error names the form that
// is wanted, an async closure borrowing the id.
use checkpoint_runtime::LoginManager;

struct User {
    name: String,
}

fn main() {
    let _ = LoginManager::new().user_loader(|id: String| async move { Some(User { name: id }) });
}
