use checkpoint_runtime::checkpoint;

#[checkpoint(session_key = "level", values = 1u8)]
async fn suffix() -> &'static str {
    "hi"
}

#[checkpoint(session_key = "level", values = [9223372036854775808, -9223372036854775809])]
async fn out_of_range() -> &'static str {
    "hi"
}

fn main() {}
