//! Property tests of the session value matcher ([`AllowedValues::match_stored_json`]) against a
//! small reference model built on `serde_json::Value`.
//!
//! The model: the stored text decodes as a `Value` or is an error; a scalar passes when it
//! equals one allowed value of its own JSON type (integers only: floats never, integers beyond
//! `i64` never); a top-level array passes when any element passes as a scalar (nested arrays
//! and objects never); anything else fails.

use proptest::prelude::*;
use serde_json::Value;

use super::{
    allowed_value::{AllowedValue, AllowedValues},
    stored_json::Match,
};

/// `cases` cases, with no regression files written into the source tree.
fn quiet_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The model's verdict, or `Err` when `stored` is not JSON.
fn reference(allowed: &[AllowedValue], stored: &str) -> Result<Match, serde_json::Error> {
    let value: Value = serde_json::from_str(stored)?;
    let scalar_passes = |value: &Value| {
        allowed.iter().any(|allowed| match (allowed, value) {
            (AllowedValue::Bool(allowed), Value::Bool(value)) => allowed == value,
            (AllowedValue::Int(allowed), Value::Number(value)) => {
                !value.is_f64() && value.as_i64() == Some(*allowed)
            }
            (AllowedValue::Str(allowed), Value::String(value)) => allowed == value,
            _ => false,
        })
    };
    let passes = match &value {
        Value::Array(elements) => elements.iter().any(scalar_passes),
        scalar => scalar_passes(scalar),
    };
    Ok(if passes {
        Match::Allowed
    } else {
        Match::NotAllowed
    })
}

/// Asserts that the matcher agrees with the model on `stored`: the same verdict, or an error
/// from both.
fn assert_agrees(values: &AllowedValues<'_>, stored: &str) -> Result<(), TestCaseError> {
    let actual = values.match_stored_json(stored);
    let expected = reference(values.as_slice(), stored);
    match (&actual, &expected) {
        (Ok(actual), Ok(expected)) => {
            prop_assert_eq!(actual, expected, "stored {:?} against {:?}", stored, values)
        }
        (Err(_), Err(_)) => {}
        _ => prop_assert!(
            false,
            "stored {:?} against {:?}: matcher {:?}, serde_json::Value {:?}",
            stored,
            values,
            actual,
            expected
        ),
    }
    Ok(())
}

/// Strings likely to collide with one another and with allowed values, and some that need
/// escaping.
const COMMON_STRINGS: &[&str] = &[
    "", "a", "ab", "admin", "editor", "true", "1", "é", "a\"b", "a\\b", "a\nb", "\u{1f}", "\u{7f}",
    "😀", "/", "a b",
];

fn arbitrary_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(COMMON_STRINGS).prop_map(str::to_owned),
        2 => "[a-e]{0,3}",
        1 => any::<String>(),
        1 => proptest::collection::vec(
            prop_oneof![any::<char>(), (0_u8..0x80).prop_map(char::from)],
            0..6,
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

fn arbitrary_number() -> impl Strategy<Value = serde_json::Number> {
    prop_oneof![
        4 => (-3_i64..4).prop_map(serde_json::Number::from),
        2 => any::<i64>().prop_map(serde_json::Number::from),
        1 => prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1), Just(0)]
            .prop_map(serde_json::Number::from),
        1 => prop_oneof![
            any::<u64>(),
            Just(u64::MAX),
            Just(i64::MAX as u64 + 1),
            Just(10_u64.pow(18)),
            Just(10_u64.pow(19)),
        ]
        .prop_map(serde_json::Number::from),
        1 => prop_oneof![
            any::<f64>(),
            Just(0.0),
            Just(-0.0),
            Just(1.0),
            Just(2.0),
            Just(1e3),
            Just(-7.5),
        ]
        .prop_filter_map("finite", serde_json::Number::from_f64),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        2 => any::<bool>().prop_map(Value::Bool),
        3 => arbitrary_number().prop_map(Value::Number),
        3 => arbitrary_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 8, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            1 => proptest::collection::btree_map(arbitrary_string(), inner, 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// The scalars of `value` that a session check could compare: the value itself, the elements of
/// a top-level list, and (never matching, but worth allowing) anything nested deeper.
fn scalars_of(value: &Value, into: &mut Vec<AllowedValue>) {
    match value {
        Value::Bool(flag) => into.push(AllowedValue::Bool(*flag)),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                into.push(AllowedValue::Int(int));
            } else if let Some(float) = number.as_f64() {
                // An integer allowed value equal to a float must still not match it.
                if float.fract() == 0.0 && float.abs() < 1e18 {
                    into.push(AllowedValue::Int(float as i64));
                }
            }
        }
        Value::String(text) => into.push(AllowedValue::Str(leak(text))),
        Value::Array(elements) => elements
            .iter()
            .for_each(|element| scalars_of(element, into)),
        Value::Object(members) => members.iter().for_each(|(key, member)| {
            into.push(AllowedValue::Str(leak(key)));
            scalars_of(member, into);
        }),
        Value::Null => {}
    }
}

/// Allowed strings must live for `'static`, as they do in a user's `const`.
fn leak(text: &str) -> &'static str {
    String::leak(text.to_owned())
}

fn arbitrary_allowed_value() -> impl Strategy<Value = AllowedValue> {
    prop_oneof![
        any::<bool>().prop_map(AllowedValue::Bool),
        (-3_i64..4).prop_map(AllowedValue::Int),
        any::<i64>().prop_map(AllowedValue::Int),
        arbitrary_string().prop_map(|text| AllowedValue::Str(leak(&text))),
    ]
}

/// An allowed set of `sizes` values: arbitrary ones mixed with values taken from the session
/// value.
fn allowed_for(
    value: &Value,
    sizes: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<AllowedValue>> {
    let mut from_value = Vec::new();
    scalars_of(value, &mut from_value);
    let picks = if from_value.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        proptest::collection::vec(proptest::sample::select(from_value), 0..4).boxed()
    };
    (
        proptest::collection::vec(arbitrary_allowed_value(), sizes),
        picks,
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(mut values, picks, at)| {
            for pick in picks {
                let at = at.index(values.len() + 1);
                values.insert(at, pick);
            }
            values
        })
}

/// How a string is written in the custom serialisation.
#[derive(Debug, Clone, Copy)]
enum Escaping {
    /// Only what JSON requires.
    Minimal,
    /// Every third character (and every non-ASCII one) as `\uXXXX`, `/` as `\/`.
    Heavy,
}

fn write_string(text: &str, escaping: Escaping, out: &mut String) {
    out.push('"');
    for (at, ch) in text.chars().enumerate() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{0}'..='\u{1f}' => out.push_str(&format!("\\u{:04x}", u32::from(ch))),
            '/' if matches!(escaping, Escaping::Heavy) => out.push_str("\\/"),
            _ if matches!(escaping, Escaping::Heavy) && (at % 3 == 0 || !ch.is_ascii()) => {
                let mut units = [0_u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            _ => out.push(ch),
        }
    }
    out.push('"');
}

/// `value` as JSON, with `separator` around punctuation and strings written as `escaping` says.
fn write_json(value: &Value, escaping: Escaping, separator: &str, out: &mut String) {
    match value {
        Value::String(text) => write_string(text, escaping, out),
        Value::Array(elements) => {
            out.push('[');
            for (at, element) in elements.iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                out.push_str(separator);
                write_json(element, escaping, separator, out);
            }
            out.push_str(separator);
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (at, (key, member)) in members.iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                out.push_str(separator);
                write_string(key, escaping, out);
                out.push_str(separator);
                out.push(':');
                out.push_str(separator);
                write_json(member, escaping, separator, out);
            }
            out.push_str(separator);
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The ways the same value can be stored: compact (what actix-session writes), pretty, and
/// escaped with and without whitespace.
fn serialisations(value: &Value) -> Vec<String> {
    let mut forms = vec![
        serde_json::to_string(value).expect("a Value serialises"),
        serde_json::to_string_pretty(value).expect("a Value serialises"),
    ];
    for (escaping, separator) in [
        (Escaping::Heavy, ""),
        (Escaping::Heavy, " \n\t"),
        (Escaping::Minimal, "\r\n "),
    ] {
        let mut form = String::new();
        write_json(value, escaping, separator, &mut form);
        forms.push(form);
    }
    forms
}

/// Text that is JSON-like but often not JSON.
fn json_like_text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"",
        "\\",
        "\\\"",
        "\\n",
        "\\u0061",
        "\\u00e9",
        "\\x",
        "true",
        "false",
        "null",
        "tru",
        "nul",
        "0",
        "1",
        "-",
        "-0",
        "01",
        "1.0",
        "1e3",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        ".",
        "e",
        "+",
        " ",
        "\t",
        "\n",
        "\r",
        "\u{0}",
        "\u{1f}",
        "\u{7f}",
        "é",
        "a",
        "admin",
        "\"admin\"",
        "\"a\\u0062\"",
        "[\"admin\"]",
        "[1,2]",
        "[[",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 0..12)
        .prop_map(|pieces| pieces.concat())
}

/// Valid JSON around one leaf that `serde_json::Value` refuses (a lone surrogate escape, a
/// number beyond `f64`), nested in lists and objects to a random depth.
fn json_around_a_refused_leaf() -> impl Strategy<Value = String> {
    let leaf = proptest::sample::select(
        &[
            r#""\ud800""#,
            r#""x\udc00""#,
            r#""\ud83d\u0041""#,
            "1e400",
            "-1e400",
            "1e309",
        ][..],
    );
    let wrapper = (any::<bool>(), arbitrary_json(), arbitrary_json());
    (leaf, proptest::collection::vec(wrapper, 0..4)).prop_map(|(leaf, wrappers)| {
        let mut text = leaf.to_owned();
        for (in_object, before, after) in wrappers {
            let (before, after) = (before.to_string(), after.to_string());
            text = if in_object {
                format!(r#"{{"b":{before},"k":{text},"a":{after}}}"#)
            } else {
                format!("[{before},{text},{after}]")
            };
        }
        text
    })
}

/// A fixed allowed set, built in a `const` exactly as a user's checkpoint is.
const FIXED: AllowedValues<'static> = AllowedValues::new(&[
    AllowedValue::Bool(true),
    AllowedValue::Int(-1),
    AllowedValue::Int(0),
    AllowedValue::Int(1),
    AllowedValue::Int(i64::MAX),
    AllowedValue::Str(""),
    AllowedValue::Str("a"),
    AllowedValue::Str("a\"b"),
    AllowedValue::Str("ab"),
    AllowedValue::Str("admin"),
    AllowedValue::Str("é"),
    AllowedValue::Str("😀"),
]);

const fn many_ints<const N: usize>(step: i64) -> [AllowedValue; N] {
    let mut values = [AllowedValue::Int(0); N];
    let mut at = 0;
    while at < N {
        values[at] = AllowedValue::Int(at as i64 * step - 100);
        at += 1;
    }
    values
}

const ASCENDING_INTS: [AllowedValue; 200] = many_ints(3);
const DESCENDING_INTS: [AllowedValue; 200] = many_ints(-3);
const SOME_INTS: [AllowedValue; 100] = many_ints(7);
/// Too many values to index (more than 128): scanned, in either order.
const MANY_ASCENDING: AllowedValues<'static> = AllowedValues::new(&ASCENDING_INTS);
const MANY_DESCENDING: AllowedValues<'static> = AllowedValues::new(&DESCENDING_INTS);
/// Enough to be indexed.
const INDEXED_INTS: AllowedValues<'static> = AllowedValues::new(&SOME_INTS);

proptest! {
    #![proptest_config(quiet_config(400))]

    #[test]
    fn the_matcher_agrees_with_the_model_on_any_session_value(
        (value, allowed) in arbitrary_json()
            .prop_flat_map(|value| {
                let allowed = allowed_for(&value, 1..118);
                (Just(value), allowed)
            }),
    ) {
        let values = AllowedValues::new(&allowed);
        for stored in serialisations(&value) {
            assert_agrees(&values, &stored)?;
            for fixed in [&FIXED, &MANY_ASCENDING, &MANY_DESCENDING, &INDEXED_INTS] {
                assert_agrees(fixed, &stored)?;
            }
        }
    }

}

proptest! {
    // Each case builds 125 to 300 values: fewer cases keep this one fast.
    #![proptest_config(quiet_config(120))]

    #[test]
    fn the_matcher_agrees_with_the_model_beyond_the_index(
        (value, allowed) in arbitrary_json()
            .prop_flat_map(|value| {
                let allowed = allowed_for(&value, 125..300);
                (Just(value), allowed)
            }),
    ) {
        let values = AllowedValues::new(&allowed);
        for stored in serialisations(&value) {
            assert_agrees(&values, &stored)?;
        }
    }
}

proptest! {
    #![proptest_config(quiet_config(3000))]

    #[test]
    fn json_like_text_errors_exactly_when_serde_json_does(stored in json_like_text()) {
        for fixed in [&FIXED, &MANY_ASCENDING, &MANY_DESCENDING, &INDEXED_INTS] {
            assert_agrees(fixed, &stored)?;
        }
    }

    #[test]
    fn arbitrary_text_errors_exactly_when_serde_json_does(stored in any::<String>()) {
        assert_agrees(&FIXED, &stored)?;
        let bracketed = format!("[{stored}]");
        assert_agrees(&FIXED, &bracketed)?;
        let quoted = format!("\"{stored}\"");
        assert_agrees(&FIXED, &quoted)?;
    }

    #[test]
    fn arbitrary_bytes_errors_exactly_when_serde_json_does(
        bytes in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        // Only UTF-8 reaches the matcher (`&str`): take the bytes as they are when they are,
        // and decoded lossily otherwise.
        let stored = String::from_utf8_lossy(&bytes);
        assert_agrees(&FIXED, &stored)?;
    }
}

proptest! {
    #![proptest_config(quiet_config(500))]

    #[test]
    fn json_refused_by_serde_json_anywhere_is_an_error(stored in json_around_a_refused_leaf()) {
        assert_agrees(&FIXED, &stored)?;
    }
}

#[test]
fn the_model_is_what_the_readme_says() {
    let allowed = [AllowedValue::Bool(true), AllowedValue::Int(2)];
    for (stored, expected) in [
        ("true", Some(Match::Allowed)),
        ("1", Some(Match::NotAllowed)),
        ("\"true\"", Some(Match::NotAllowed)),
        ("2", Some(Match::Allowed)),
        ("2.0", Some(Match::NotAllowed)),
        ("[false, 2]", Some(Match::Allowed)),
        ("[[2]]", Some(Match::NotAllowed)),
        ("{\"a\": 2}", Some(Match::NotAllowed)),
        ("null", Some(Match::NotAllowed)),
        ("tru", None),
    ] {
        assert_eq!(reference(&allowed, stored).ok(), expected, "{stored}");
    }
}

#[test]
fn invalid_json_nested_where_the_matcher_skips_is_an_error() {
    for stored in [
        r#"[["\ud800"]]"#,
        r#"{"a":"\ud800"}"#,
        r#"{"\udc00":1}"#,
        "[[1e400]]",
        r#"{"a":-1e400}"#,
    ] {
        assert!(serde_json::from_str::<Value>(stored).is_err(), "{stored}");
        assert!(FIXED.match_stored_json(stored).is_err(), "{stored}");
    }
}
