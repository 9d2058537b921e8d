// A handler guarded only by session checkpoints gets a hidden type declared beside it, which an
// `impl` block cannot hold (as with actix-web's own `#[get]`): the error points at the handler.
use checkpoint_runtime::checkpoint;

struct Pages;

impl Pages {
    #[checkpoint(session_key = "k", values = true)]
    async fn handler() -> &'static str {
        "hi"
    }
}

fn main() {}
