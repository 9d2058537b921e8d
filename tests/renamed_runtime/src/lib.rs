//! Nothing: this package exists for its test, `tests/renamed.rs`.
