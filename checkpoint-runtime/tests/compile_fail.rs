//! Compile-time behaviour of `#[checkpoint]` and `fail_json!`: every misuse in `tests/ui` must
//! fail with the error recorded next to it (pointing at the tokens at fault). What must compile,
//! `tests/ui-pass`, is a test crate of its own per file (`Cargo.toml`'s `pass_*` targets): here
//! only failures, which trybuild checks all in one `cargo check` rather than one build per file.
//!
//! After changing a message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p checkpoint-runtime --test compile_fail` and read the diff.

#![cfg(all(feature = "login", feature = "csrf"))]

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
