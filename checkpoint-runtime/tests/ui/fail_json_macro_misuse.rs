use checkpoint_runtime::{fail_json, FailJson};

const ARRAY: FailJson = fail_json!(["error"]);
const UNQUOTED: FailJson = fail_json!({ error: "no" });
const EMPTY: FailJson = fail_json!();
const TWO: FailJson = fail_json!({ "a": 1 } { "b": 2 });

fn main() {}
