// A user loader of the older form, taking the id as a `String`: a type mismatch that shows the
// signature wanted, a closure borrowing the id (`for<'a> fn((&'a str,))`).
use checkpoint_runtime::LoginManager;

struct User {
    name: String,
}

fn main() {
    let _ = LoginManager::new().user_loader(|id: String| async move { Some(User { name: id }) });
}
