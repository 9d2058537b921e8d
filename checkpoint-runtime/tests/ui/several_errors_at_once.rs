use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = 2.5, fial_url = "/", fail_status = 200, fail_json = { a: 1 })]
async fn handler() -> &'static str {
    "hi"
}

fn main() {}
