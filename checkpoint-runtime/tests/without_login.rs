//! With the `login` feature off, `#[login_required]` and `#[fresh_login_required]` are compile
//! errors that say how to turn it on. Run by `scripts/test.sh` as
//! `cargo test -p checkpoint-runtime --no-default-features --test without_login`; with the
//! feature on (the default) there is nothing to test here.
#![cfg(not(feature = "login"))]

#[test]
fn the_login_attributes_need_the_login_feature() {
    trybuild::TestCases::new().compile_fail("tests/ui-without-login/*.rs");
}
