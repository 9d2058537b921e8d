use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "k", values = true, fail_status = 200)]
async fn success_status() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "k", values = true, fail_status = 1000)]
async fn not_a_status() -> &'static str {
    "hi"
}

fn main() {}
