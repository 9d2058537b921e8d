//! Compile-time behaviour of `#[checkpoint]` and `fail_json!`: every misuse in `tests/ui` must
//! fail with the error recorded next to it (pointing at the tokens at fault), and every file in
//! `tests/ui-pass` must compile.
//!
//! After changing a message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p checkpoint-runtime --test compile_fail` and read the diff.

#![cfg(all(feature = "login", feature = "csrf"))]

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}
