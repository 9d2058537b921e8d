//! With the optional features off, the attributes they provide are compile errors that say how
//! to turn them on: `#[login_required]` and `#[fresh_login_required]` without `login`,
//! `#[include_csrf]` without `csrf`. Run by `scripts/test.sh` as
//! `cargo test -p checkpoint-runtime --no-default-features --test feature_gates`; with either
//! feature on there is nothing to test here.
#![cfg(not(any(feature = "login", feature = "csrf")))]

#[test]
fn the_gated_attributes_need_their_features() {
    trybuild::TestCases::new().compile_fail("tests/ui-without-features/*.rs");
}
