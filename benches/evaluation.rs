//! The evaluation alone, no HTTP: a checkpoint's verdict on the JSON text actix-session stores,
//! against the hand-written decode-and-compare (`serde_json::from_str` into an owned value, then
//! a comparison with the allowed values), for pass and fail, with 1, 10 and 100 allowed values.
//!
//! `cargo bench --bench evaluation` times them with divan. With `CHECKPOINT_CALLGRIND=NAME` the
//! binary instead evaluates the case `NAME` (`SHAPE/VARIANT/VERDICT/N`, e.g.
//! `string/checkpoint/pass/100`) `CHECKPOINT_CALLGRIND_REQUESTS` times (default 10000) inside
//! `measured_evaluations`, for `bench/callgrind.sh` to count instructions;
//! `CHECKPOINT_CALLGRIND=list` prints the names.

use std::hint::black_box;

use checkpoint_runtime::{__private::evaluate_stored_json, AllowedValue, Outcome, SessionCheck};
use divan::Bencher;

const SIZES: [usize; 3] = [1, 10, 100];

fn main() {
    match std::env::var("CHECKPOINT_CALLGRIND") {
        Ok(name) if name == "list" => {
            for name in case_names() {
                println!("{name}");
            }
        }
        Ok(name) => {
            let count = std::env::var("CHECKPOINT_CALLGRIND_REQUESTS")
                .ok()
                .and_then(|count| count.parse().ok())
                .unwrap_or(10_000);
            let evaluate = case(&name)
                .unwrap_or_else(|| panic!("no case {name:?}; try CHECKPOINT_CALLGRIND=list"));
            black_box(evaluate());
            measured_evaluations(&*evaluate, count);
        }
        Err(_) => divan::main(),
    }
}

/// The allowed strings of a check with `n` values, `role000` upwards; a passing value is the
/// last one, so a linear search scans them all.
struct Fixture {
    check: SessionCheck,
    allowed: &'static [&'static str],
    pass_scalar: String,
    pass_list: String,
}

const FAIL_SCALAR: &str = r#""guest""#;
const FAIL_LIST: &str = r#"["guest","viewer","visitor"]"#;

fn fixture(n: usize) -> Fixture {
    let allowed: Vec<&'static str> = (0..n)
        .map(|index| &*String::leak(format!("role{index:03}")))
        .collect();
    let allowed: &'static [&'static str] = Vec::leak(allowed);
    let values: Vec<AllowedValue> = allowed.iter().map(|text| AllowedValue::Str(text)).collect();
    let last = allowed[n - 1];
    Fixture {
        check: SessionCheck::new("user_type", Vec::leak(values)),
        allowed,
        pass_scalar: format!(r#""{last}""#),
        pass_list: format!(r#"["guest","viewer","{last}"]"#),
    }
}

const BOOL_CHECK: SessionCheck = SessionCheck::new("logged_in", &[AllowedValue::Bool(true)]);

fn checkpoint(check: &SessionCheck, stored: &str) -> bool {
    evaluate_stored_json(check, stored) == Outcome::Pass
}

fn hand_written_bool(stored: &str) -> bool {
    serde_json::from_str::<bool>(stored).is_ok_and(|value| value)
}

fn hand_written_string(allowed: &[&str], stored: &str) -> bool {
    serde_json::from_str::<String>(stored).is_ok_and(|value| allowed.contains(&value.as_str()))
}

fn hand_written_list(allowed: &[&str], stored: &str) -> bool {
    serde_json::from_str::<Vec<String>>(stored)
        .is_ok_and(|values| values.iter().any(|value| allowed.contains(&value.as_str())))
}

type Evaluation = Box<dyn Fn(&str) -> bool>;

/// Every case as `(name, stored JSON, evaluation)`.
fn cases() -> Vec<(String, String, Evaluation)> {
    let mut cases: Vec<(String, String, Evaluation)> = Vec::new();
    for (verdict, stored) in [("pass", "true"), ("fail", "false")] {
        cases.push((
            format!("bool/checkpoint/{verdict}/1"),
            stored.to_owned(),
            Box::new(|stored| checkpoint(&BOOL_CHECK, stored)),
        ));
        cases.push((
            format!("bool/hand_written/{verdict}/1"),
            stored.to_owned(),
            Box::new(hand_written_bool),
        ));
    }
    for n in SIZES {
        let Fixture {
            check,
            allowed,
            pass_scalar,
            pass_list,
        } = fixture(n);
        for (shape, verdict, stored) in [
            ("string", "pass", pass_scalar),
            ("string", "fail", FAIL_SCALAR.to_owned()),
            ("list", "pass", pass_list),
            ("list", "fail", FAIL_LIST.to_owned()),
        ] {
            cases.push((
                format!("{shape}/checkpoint/{verdict}/{n}"),
                stored.clone(),
                Box::new(move |stored| checkpoint(&check, stored)),
            ));
            let hand_written: Evaluation = if shape == "string" {
                Box::new(move |stored| hand_written_string(allowed, stored))
            } else {
                Box::new(move |stored| hand_written_list(allowed, stored))
            };
            cases.push((
                format!("{shape}/hand_written/{verdict}/{n}"),
                stored,
                hand_written,
            ));
        }
    }
    cases
}

fn case_names() -> Vec<String> {
    cases().into_iter().map(|(name, _, _)| name).collect()
}

fn case(name: &str) -> Option<Box<dyn Fn() -> bool>> {
    let (_, stored, evaluate) = cases().into_iter().find(|(known, _, _)| known == name)?;
    Some(Box::new(move || evaluate(black_box(&stored))))
}

/// Runs `evaluate` `count` times: the only function `bench/callgrind.sh` counts.
#[inline(never)]
fn measured_evaluations(evaluate: &dyn Fn() -> bool, count: usize) {
    for _ in 0..count {
        black_box(evaluate());
    }
}

fn run(bencher: Bencher, name: &str, expected: bool) {
    let evaluate = case(name).expect("a known case");
    assert_eq!(evaluate(), expected, "{name}");
    bencher.bench_local(evaluate);
}

macro_rules! group {
    ($shape:ident, $sizes:expr) => {
        mod $shape {
            use super::*;

            #[divan::bench(args = $sizes)]
            fn checkpoint_pass(bencher: Bencher, n: usize) {
                run(
                    bencher,
                    &format!("{}/checkpoint/pass/{n}", stringify!($shape)),
                    true,
                );
            }

            #[divan::bench(args = $sizes)]
            fn hand_written_pass(bencher: Bencher, n: usize) {
                run(
                    bencher,
                    &format!("{}/hand_written/pass/{n}", stringify!($shape)),
                    true,
                );
            }

            #[divan::bench(args = $sizes)]
            fn checkpoint_fail(bencher: Bencher, n: usize) {
                run(
                    bencher,
                    &format!("{}/checkpoint/fail/{n}", stringify!($shape)),
                    false,
                );
            }

            #[divan::bench(args = $sizes)]
            fn hand_written_fail(bencher: Bencher, n: usize) {
                run(
                    bencher,
                    &format!("{}/hand_written/fail/{n}", stringify!($shape)),
                    false,
                );
            }
        }
    };
}

group!(bool, [1]);
group!(string, SIZES);
group!(list, SIZES);
