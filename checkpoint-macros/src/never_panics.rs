//! No input makes a macro panic: every attribute, whatever its arguments and whatever item it is
//! on, returns tokens (the expansion, or the item as written with `compile_error!`s), because the
//! compiler reports a panicking proc macro as "proc macro panicked" on the whole attribute,
//! saying nothing of what is wrong.
//!
//! The inputs are built as token trees, not bytes (random bytes mostly fail to lex, and the
//! compiler rejects what does not lex before any macro runs): the grammar's option names and
//! near misses of them, values of every literal kind, groups of every delimiter, combinators,
//! paths, punctuation; on handlers and on other items, with this crate's attributes and route
//! attributes stacked below. A share of the arguments is written to be valid, so that the later
//! rules of validation and the expansion run too: the run counts the inputs that reached the
//! expansion and fails when too few did, so that it cannot pass by refusing everything early.
//!
//! Fixed cases pin what random inputs rarely reach: huge and deeply nested arguments, and the
//! edges of each value reader. An input found to panic joins them.

use std::{
    cell::Cell,
    ffi::CString,
    panic::{catch_unwind, AssertUnwindSafe},
};

use proc_macro2::{Delimiter, Group, Literal, TokenStream, TokenTree};
use proptest::{
    collection::vec,
    prelude::*,
    sample::select,
    test_runner::{contextualize_config, Config, TestCaseError, TestRunner},
};

use crate::{grammar, guard, model::AttrKind, parse::MAX_NESTING};

/// `text`, lexed; every text in this module lexes.
fn lex(text: &str) -> TokenStream {
    text.parse()
        .unwrap_or_else(|error| panic!("`{text}` does not lex: {error:?}"))
}

/// `parts` one after the other, `separator` between each two.
fn joined(parts: impl IntoIterator<Item = TokenStream>, separator: &str) -> TokenStream {
    let separator = lex(separator);
    let mut tokens = TokenStream::new();
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            tokens.extend(separator.clone());
        }
        tokens.extend(part);
    }
    tokens
}

/// `tokens` in one group delimited by `delimiter`.
fn grouped(delimiter: Delimiter, tokens: TokenStream) -> TokenStream {
    TokenTree::Group(Group::new(delimiter, tokens)).into()
}

/// `name(arguments)`.
fn call(name: &str, arguments: TokenStream) -> TokenStream {
    let mut tokens = lex(name);
    tokens.extend(grouped(Delimiter::Parenthesis, arguments));
    tokens
}

/// `name = value`.
fn option(name: &str, value: TokenStream) -> TokenStream {
    joined([lex(name), value], "=")
}

/// The outer attribute `#[meta]`.
fn attribute_of(meta: TokenStream) -> TokenStream {
    let mut attribute = lex("#");
    attribute.extend(grouped(Delimiter::Bracket, meta));
    attribute
}

/// `tokens`, one time in five in an invisible group, as a `macro_rules!` fragment such as
/// `$key:expr` or `$output:ty` arrives.
fn sometimes_invisible(tokens: BoxedStrategy<TokenStream>) -> BoxedStrategy<TokenStream> {
    (tokens, proptest::bool::weighted(0.2))
        .prop_map(|(tokens, invisible)| {
            if invisible {
                grouped(Delimiter::None, tokens)
            } else {
                tokens
            }
        })
        .boxed()
}

/// One of `texts`, lexed.
fn one_of(texts: &'static [&'static str]) -> BoxedStrategy<TokenStream> {
    select(texts).prop_map(lex).boxed()
}

/// Words that are none of the grammar's options but near one, or that mean something elsewhere
/// in the grammar or in Rust: each leads to a different error.
const OTHER_NAMES: &[&str] = &[
    "sesion_key",
    "value",
    "fail_ur",
    "disable_default_fial",
    "form_keys",
    "crate",
    "self",
    "Self",
    "super",
    "r#fn",
    "r#session_key",
    "_",
    "any",
    "all",
    "not",
    "url_for",
    "async",
    "fn",
    "true",
    "false",
    "null",
    "None",
    "LOGGED_IN",
    "checkpoint",
    "include_csrf",
    "login_required",
    "name",
    "method",
    "guard",
    "é",
    "x",
];

/// An option's name: one of the grammar's table, or another word.
fn option_name() -> BoxedStrategy<TokenStream> {
    let names: Vec<&'static str> = grammar::OPTIONS.iter().map(|rule| rule.name).collect();
    prop_oneof![
        3 => select(names).prop_map(lex),
        1 => one_of(OTHER_NAMES),
    ]
    .boxed()
}

/// Literals of every kind, at the edges of what the value readers take: empty, control
/// characters, suffixes, out of range, not finite, every base.
const LITERALS: &[&str] = &[
    r#""""#,
    r#""x""#,
    r#""/""#,
    r#""/users/{id}""#,
    r#""logged_in""#,
    r#""x-api-key""#,
    r#""Bad Header""#,
    r#""a\nb""#,
    r#""\r\n""#,
    r#""\u{0}""#,
    r#""\u{10FFFF}""#,
    r#""\x7f""#,
    r#""é😀""#,
    r#""a"suffix"#,
    r#"r"raw""#,
    r###"r#"a"b"#"###,
    r#"b"bytes""#,
    r#"b"\xff\x00""#,
    r#"br"raw""#,
    r#"c"cstr""#,
    r#"c"\xff""#,
    "'c'",
    r"'\''",
    r"'\u{1F600}'",
    "b'x'",
    r"b'\xff'",
    "0",
    "1",
    "401",
    "403u16",
    "399",
    "599",
    "600",
    "65536",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "0xFF",
    "0o777",
    "0b1010_1010",
    "1_000",
    "1i64",
    "1u8",
    "1suffix",
    "1.5",
    "1e10",
    "1e999",
    "1.0f32",
    "2.",
    "1e-3",
    "0.0",
    "1.5e400f64",
];

/// Type suffixes of number literals, and one that no type has.
const NUMBER_SUFFIXES: &[&str] = &[
    "u8", "i64", "u16", "usize", "i128", "f32", "f64", "_u64", "x",
];

/// A number's suffix: mostly none, else one of [`NUMBER_SUFFIXES`].
fn number_suffix() -> BoxedStrategy<&'static str> {
    prop_oneof![5 => Just(""), 1 => select(NUMBER_SUFFIXES)].boxed()
}

/// A literal of any kind, written out or made from an arbitrary value; integers made from a
/// negative value are one token, as another macro may hand them over.
fn literal() -> BoxedStrategy<TokenStream> {
    use proptest::num::f64;
    let made = prop_oneof![
        vec(any::<char>(), 0..8)
            .prop_map(|chars| Literal::string(&chars.into_iter().collect::<String>())),
        vec(any::<u8>(), 0..8).prop_map(|bytes| Literal::byte_string(&bytes)),
        vec(1..=u8::MAX, 0..8).prop_map(|bytes| {
            Literal::c_string(&CString::new(bytes).expect("no NUL among 1..=255"))
        }),
        any::<char>().prop_map(Literal::character),
        any::<u8>().prop_map(Literal::byte_character),
        any::<i64>().prop_map(Literal::i64_unsuffixed),
        any::<u128>().prop_map(Literal::u128_unsuffixed),
        any::<u16>().prop_map(Literal::u16_suffixed),
        (f64::POSITIVE | f64::NEGATIVE | f64::NORMAL | f64::SUBNORMAL | f64::ZERO)
            .prop_map(Literal::f64_unsuffixed),
    ]
    .prop_map(|literal| TokenStream::from(TokenTree::Literal(literal)));
    let suffixed = prop_oneof![
        (any::<i64>(), select(NUMBER_SUFFIXES))
            .prop_map(|(int, suffix)| lex(&format!("{int}{suffix}"))),
        (f64::NORMAL | f64::ZERO, select(NUMBER_SUFFIXES))
            .prop_map(|(float, suffix)| lex(&format!("{float:?}{suffix}"))),
    ];
    prop_oneof![4 => one_of(LITERALS), 2 => made, 1 => suffixed].boxed()
}

/// Punctuation, alone and joined, and lifetimes.
const PUNCTUATION: &[&str] = &[
    "=", ",", ":", "::", "#", "!", ";", "==", "=>", "->", "&", "&&", "*", "-", "+", "|", "||", "<",
    ">", "<=", "<<", "?", "@", ".", "..", "...", "..=", "$", "~", "^", "%", "/", "'a", "'static",
    "'_", "#!", ", ,",
];

/// Path segments, keywords among them (an attribute's path may hold any).
const SEGMENTS: &[&str] = &[
    "LOGGED_IN",
    "checks",
    "a",
    "crate",
    "self",
    "Self",
    "super",
    "r#fn",
    "fn",
    "match",
    "checkpoint",
    "url_for",
    "é",
];

/// What may follow a path: nothing, or generic arguments.
const PATH_ENDS: &[&str] = &["", "", "", "::<T>", "::<A, B>", "<T>", "::<'a>"];

/// A path: segments, perhaps a leading `::` and generic arguments.
fn path() -> BoxedStrategy<TokenStream> {
    (
        any::<bool>(),
        vec(select(SEGMENTS), 1..4),
        select(PATH_ENDS),
    )
        .prop_map(|(leading, segments, end)| {
            let leading = if leading { "::" } else { "" };
            lex(&format!("{leading}{}{end}", segments.join("::")))
        })
        .boxed()
}

/// Every delimiter, `None` too: the invisible group a `macro_rules!` fragment such as
/// `$key:expr` arrives in.
const DELIMITERS: &[Delimiter] = &[
    Delimiter::Parenthesis,
    Delimiter::Bracket,
    Delimiter::Brace,
    Delimiter::None,
];

/// Any tokens: words, literals, punctuation and paths, nested in groups.
fn soup() -> BoxedStrategy<TokenStream> {
    let leaf = prop_oneof![
        2 => option_name(),
        2 => literal(),
        2 => one_of(PUNCTUATION),
        1 => path(),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|parts| parts.into_iter().collect()),
            (select(DELIMITERS), vec(inner, 0..6))
                .prop_map(|(delimiter, parts)| grouped(delimiter, parts.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Values of the options, valid and nearly so, of every shape the readers tell apart.
const VALUES: &[&str] = &[
    r#"["admin", 1, true, -5]"#,
    "[]",
    "[[1]]",
    "[1.5]",
    "[null]",
    "[None]",
    r#"-"x""#,
    "--1",
    "-(1)",
    "-9223372036854775808",
    "-9223372036854775809",
    r#"url_for("login")"#,
    r#"url_for("user", "42", 7)"#,
    "url_for()",
    "url_for(1)",
    r#"url_for("r", x)"#,
    r#"url_for("r", 1u8)"#,
    r#"url_for("r",)"#,
    r#"url_for::<T>("r")"#,
    r#"a::url_for("r")"#,
    r#"{ "error": "no", "n": [1, -2.5, null, {}], "ok": false }"#,
    "{}",
    "{ error: 1 }",
    r#"{ "a": 1, "a": 2 }"#,
    r#"{ "a": 1u8 }"#,
    r#"{ "a": 1e999 }"#,
    r#"{ "a": - }"#,
    r#"{ "a": -"x" }"#,
    r#"{ "a" }"#,
    r#"{ "a": }"#,
    r#"{ "a": x::y!() }"#,
    r#"{ "a": 1 + 2 }"#,
    "{ \"a\": [1 2] }",
    r#"["x"]"#,
    r#"{ "a": True }"#,
    "{ 1: 2 }",
    r#"{ "a"x: 1 }"#,
    r#"{ "a": "b"x }"#,
    "API_KEY",
    "config::key()",
    "keys::get::<A, B>()",
    "|a, b| a",
    "|| async {}",
    "async { 1 }",
    "is_admin",
    "is_admin()",
    "<T as X>::f",
    "responses::denied",
    r#"env!("KEY")"#,
    "if a { b } else { c }",
    "loop {}",
    "&KEY",
    "KEY.as_str()",
    "(KEY)",
    "(KEY, 1)",
];

/// An option's value: a literal, a value written for some option, a path, any tokens, or none.
fn value() -> BoxedStrategy<TokenStream> {
    let value = prop_oneof![
        3 => literal(),
        3 => one_of(VALUES),
        2 => path(),
        2 => soup(),
        1 => Just(TokenStream::new()),
    ];
    sometimes_invisible(value.boxed())
}

/// Words written as calls: the combinators, near misses of them, and other words.
const CALLED: &[&str] = &[
    "any",
    "all",
    "not",
    "anny",
    "nto",
    "url_for",
    "session_key",
    "LOGGED_IN",
];

/// One entry of an attribute's arguments: an option and its value, a bare word or path, a
/// runtime path, any tokens; or a call or a parenthesized operand holding entries in turn.
fn entry() -> BoxedStrategy<TokenStream> {
    let leaf = prop_oneof![
        4 => (option_name(), value()).prop_map(|(name, value)| joined([name, value], "=")),
        2 => option_name(),
        2 => sometimes_invisible(path()),
        1 => value().prop_map(|value| option("crate", value)),
        1 => soup(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (select(CALLED), vec(inner.clone(), 0..4))
                .prop_map(|(name, operands)| call(name, joined(operands, ","))),
            vec(inner, 0..4)
                .prop_map(|entries| grouped(Delimiter::Parenthesis, joined(entries, ","))),
        ]
    })
    .boxed()
}

/// What goes between two entries: a comma mostly, sometimes another separator or none.
const SEPARATORS: &[&str] = &[",", ",", ",", ",", ",", "", ";", ":", ", ,", "=", "::"];

/// Entries, each followed by a separator but perhaps the last.
fn entries() -> BoxedStrategy<TokenStream> {
    (vec((entry(), select(SEPARATORS)), 1..6), any::<bool>())
        .prop_map(|(entries, trailing)| {
            let count = entries.len();
            let mut tokens = TokenStream::new();
            for (index, (entry, separator)) in entries.into_iter().enumerate() {
                tokens.extend(entry);
                if index + 1 < count || trailing {
                    tokens.extend(lex(separator));
                }
            }
            tokens
        })
        .boxed()
}

/// A non-empty string literal of any characters.
fn string_literal() -> BoxedStrategy<TokenStream> {
    vec(any::<char>(), 1..8)
        .prop_map(|chars| {
            let text: String = chars.into_iter().collect();
            TokenTree::Literal(Literal::string(&text)).into()
        })
        .boxed()
}

/// Values `values` takes, written out.
const ALLOWED_VALUES: &[&str] = &[
    "true",
    r#""admin""#,
    "1",
    "-1",
    r#"["a", "b"]"#,
    r#"[true, 0, "x", -7]"#,
    "9223372036854775807",
    "-9223372036854775808",
    "[false,]",
];

/// A valid value of `values`: a scalar, or an array of them.
fn allowed_values() -> BoxedStrategy<TokenStream> {
    let scalar = prop_oneof![
        (any::<i64>(), number_suffix()).prop_map(|(int, suffix)| lex(&format!("{int}{suffix}"))),
        any::<bool>().prop_map(|flag| lex(&flag.to_string())),
        string_literal(),
    ];
    prop_oneof![
        2 => one_of(ALLOWED_VALUES),
        1 => scalar.clone(),
        1 => vec(scalar, 1..12)
            .prop_map(|scalars| grouped(Delimiter::Bracket, joined(scalars, ","))),
    ]
    .boxed()
}

/// Expressions `api_key` and `bearer` take.
const KEY_EXPRESSIONS: &[&str] = &[
    "API_KEY",
    "config::api_key()",
    r#""secret""#,
    "keys::get::<A, B>()",
    "|| KEY",
    "{ KEY }",
    r#"env!("KEY")"#,
    "KEY.to_owned()",
    "&KEYS[0]",
];

/// Where an API key is read: the default, or a header or query parameter.
const KEY_LOCATIONS: &[&str] = &[
    "",
    r#"header = "x-token""#,
    r#"header = "Authorization""#,
    r#"query = "key""#,
];

/// Paths `check` takes.
const PREDICATES: &[&str] = &[
    "is_admin",
    "checks::is_admin",
    "::checks::is_admin",
    "checks::is_admin::<User>",
    "r#fn",
    "self::is_admin",
    "super::is_admin",
    "crate::is_admin",
];

/// The options of one valid check of `#[checkpoint]`: a session, API-key, bearer or custom one.
fn valid_check() -> BoxedStrategy<Vec<TokenStream>> {
    prop_oneof![
        (string_literal(), allowed_values())
            .prop_map(|(key, values)| vec![option("session_key", key), option("values", values)]),
        (
            sometimes_invisible(one_of(KEY_EXPRESSIONS)),
            select(KEY_LOCATIONS)
        )
            .prop_map(|(key, location)| {
                let mut entries = vec![option("api_key", key)];
                entries.extend((!location.is_empty()).then(|| lex(location)));
                entries
            }),
        sometimes_invisible(one_of(KEY_EXPRESSIONS)).prop_map(|key| vec![option("bearer", key)]),
        one_of(PREDICATES).prop_map(|path| vec![option("check", path)]),
    ]
    .boxed()
}

/// Names of checkpoints declared elsewhere.
const CHECKPOINT_NAMES: &[&str] = &[
    "LOGGED_IN",
    "checks::ADMIN",
    "::checks::ADMIN",
    "Self::X",
    "r#LOGGED",
    "crate::A",
];

/// A valid combination, `any(...)`, `all(...)` or `not(...)`, of named checkpoints and checks
/// in parentheses, nested; more than eight operands at times, past the runtime's tuples.
fn valid_combination() -> BoxedStrategy<TokenStream> {
    let leaf = prop_oneof![
        2 => one_of(CHECKPOINT_NAMES),
        3 => valid_check().prop_map(|entries| grouped(Delimiter::Parenthesis, joined(entries, ","))),
    ];
    let combination = |operand: BoxedStrategy<TokenStream>| {
        prop_oneof![
            2 => (select(&["any", "all"][..]), vec(operand.clone(), 1..11))
                .prop_map(|(name, operands)| call(name, joined(operands, ","))),
            1 => operand.prop_map(|operand| call("not", operand)),
        ]
    };
    let operand = leaf.prop_recursive(3, 24, 10, move |inner| {
        prop_oneof![
            combination(inner.clone()),
            // A combination in parentheses is that combination.
            combination(inner).prop_map(|combined| grouped(Delimiter::Parenthesis, combined)),
        ]
    });
    combination(operand.boxed()).boxed()
}

/// Where a redirect goes.
const TARGETS: &[&str] = &[
    r#""/""#,
    r#""/login""#,
    r#""/users/{id}?next=é""#,
    r#"url_for("login")"#,
    r#"url_for("user", "42", 7)"#,
    r#"url_for("r", "a", "b", "c", "d", "e", "f", "g", "h", "i")"#,
];

/// `fail_json` objects.
const JSON_OBJECTS: &[&str] = &[
    "{}",
    r#"{ "error": "Unauthorized" }"#,
    r#"{ "error": "no", "n": [1, -2.5, null, {}], "ok": false, }"#,
    r#"{ "a": { "b": [[]] }, "é": "\u{0}" }"#,
];

/// Action options that take effect together (validation refuses those that never would): one
/// answer to a failure at most, a status only where it is used, a message only on a redirect.
fn valid_actions() -> BoxedStrategy<Vec<TokenStream>> {
    let status = (400..600_u16, number_suffix())
        .prop_map(|(status, suffix)| option("fail_status", lex(&format!("{status}{suffix}"))));
    let target = || one_of(TARGETS);
    let message = proptest::option::of((string_literal(), proptest::option::of(string_literal())))
        .prop_map(|message| {
            message.map_or_else(Vec::new, |(message, category)| {
                let mut entries = vec![option("message", message)];
                entries.extend(category.map(|category| option("message_category", category)));
                entries
            })
        });
    prop_oneof![
        proptest::option::of(status.clone()).prop_map(|status| status.into_iter().collect()),
        (one_of(JSON_OBJECTS), proptest::option::of(status.clone())).prop_map(|(json, status)| {
            let mut entries = vec![option("fail_json", json)];
            entries.extend(status);
            entries
        }),
        one_of(CHECKPOINT_NAMES).prop_map(|path| vec![option("fail_response", path)]),
        (target(), proptest::option::of(target()), message.clone()).prop_map(
            |(fail, pass, message)| {
                let mut entries = vec![option("fail_url", fail)];
                entries.extend(pass.map(|pass| option("pass_url", pass)));
                entries.extend(message);
                entries
            }
        ),
        (target(), message, proptest::option::of(status.clone())).prop_map(
            |(pass, message, status)| {
                let mut entries = vec![option("pass_url", pass)];
                entries.extend(message);
                entries.extend(status);
                entries
            }
        ),
        (
            one_of(&["disable_default_fail", "disable_default_fail = true"]),
            proptest::option::of(target())
        )
            .prop_map(|(flag, pass)| {
                let mut entries = vec![flag];
                entries.extend(pass.map(|pass| option("pass_url", pass)));
                entries
            }),
        proptest::option::of(status).prop_map(|status| {
            let mut entries = vec![lex("disable_default_fail = false")];
            entries.extend(status);
            entries
        }),
    ]
    .boxed()
}

/// The entries of valid arguments of the attribute `kind`, in any order.
fn valid_entries(kind: AttrKind) -> BoxedStrategy<Vec<TokenStream>> {
    let with_actions = |check: BoxedStrategy<Vec<TokenStream>>| {
        (check, valid_actions()).prop_map(|(mut entries, actions)| {
            entries.extend(actions);
            entries
        })
    };
    match kind {
        AttrKind::Checkpoint => prop_oneof![
            3 => with_actions(valid_check()),
            1 => one_of(CHECKPOINT_NAMES).prop_map(|name| vec![name]),
            2 => with_actions(valid_combination().prop_map(|combined| vec![combined]).boxed()),
        ]
        .prop_shuffle()
        .boxed(),
        AttrKind::IncludeCsrf => with_actions(
            (
                proptest::option::of(string_literal()),
                proptest::option::of(string_literal()),
            )
                .prop_map(|(session_key, form_key)| {
                    let mut entries: Vec<TokenStream> = Vec::new();
                    entries.extend(session_key.map(|key| option("session_key", key)));
                    entries.extend(form_key.map(|key| option("form_key", key)));
                    entries
                })
                .boxed(),
        )
        .prop_shuffle()
        .boxed(),
        AttrKind::LoginRequired | AttrKind::FreshLoginRequired | AttrKind::LoginNotRequired => {
            Just(Vec::new()).boxed()
        }
    }
}

/// The arguments of the attribute `kind`: valid ones, valid ones with other entries among them,
/// entries of any kind, any tokens, or none.
fn arguments(kind: AttrKind) -> BoxedStrategy<TokenStream> {
    prop_oneof![
        6 => valid_entries(kind).prop_map(|entries| joined(entries, ",")),
        2 => (valid_entries(kind), vec(entry(), 1..3))
            .prop_map(|(mut entries, others)| {
                entries.extend(others);
                entries
            })
            .prop_shuffle()
            .prop_map(|entries| joined(entries, ",")),
        3 => entries(),
        1 => soup(),
        1 => Just(TokenStream::new()),
    ]
    .boxed()
}

/// What an attribute of this crate's path may start with: nothing, the runtime's path, or other
/// paths, keywords among them.
const ATTRIBUTE_PATH_PREFIXES: &[&str] = &[
    "",
    "",
    "",
    "checkpoint_runtime::",
    "::checkpoint_runtime::",
    "crate::",
    "self::",
    "super::",
    "Self::",
    "fn::",
    "r#fn::",
    "match::",
    "a::b::",
];

/// One of this crate's attributes, stacked below the topmost: a path, a list (in any delimiter)
/// or a `name = value`, with arguments of that attribute.
fn stacked_attribute() -> BoxedStrategy<TokenStream> {
    (
        0..AttrKind::ALL.len(),
        select(ATTRIBUTE_PATH_PREFIXES),
        select(DELIMITERS),
        0..4_u8,
    )
        .prop_flat_map(|(index, prefix, delimiter, form)| {
            let kind = AttrKind::ALL[index];
            arguments(kind).prop_map(move |arguments| {
                let mut meta = lex(&format!("{prefix}{}", kind.name()));
                match form {
                    0 => {}
                    1 => meta.extend(option("", arguments)),
                    2 => meta.extend(grouped(delimiter, arguments)),
                    _ => meta.extend(grouped(Delimiter::Parenthesis, arguments)),
                }
                attribute_of(meta)
            })
        })
        .boxed()
}

/// actix-web's route attributes that `#[login_not_required]` can make public.
const ROUTE_ATTRIBUTES: &[&str] = &[
    r#"#[get("/x")]"#,
    r#"#[post("/users/{id}", name = "user")]"#,
    r#"#[route("/x", method = "GET", method = "post")]"#,
    r#"#[actix_web::get("/x")]"#,
    r#"#[put("/x", wrap = "W")]"#,
    r#"#[get("/x",)]"#,
    r#"#[delete(r"/é", name = "r#fn")]"#,
];

/// actix-web's route attributes that `#[login_not_required]` refuses or cannot read.
const FAULTY_ROUTE_ATTRIBUTES: &[&str] = &[
    r#"#[route("/x")]"#,
    r#"#[get("/x", guard = "g")]"#,
    "#[get]",
    r#"#[get = "/x"]"#,
    "#[get(x)]",
    r#"#[get("/x", name)]"#,
    r#"#[get("/x", name = 1)]"#,
    r#"#[get(b"/x")]"#,
    r#"#[get("/x" "/y")]"#,
    r#"#[get("/x", name = "a", name = "b")]"#,
    r#"#[route("/x", method = 1)]"#,
    r#"#[get("/x"suffix)]"#,
    "#[get()]",
    r#"#[get["/x"]]"#,
    r#"#[get{"/x"}]"#,
];

/// Attributes of Rust and of other crates, and this crate's under odd paths and forms.
const OTHER_ATTRIBUTES: &[&str] = &[
    r#"#[doc = "x"]"#,
    "#[allow(unused)]",
    "#[inline]",
    "#[cfg(test)]",
    "#[unsafe(no_mangle)]",
    "#[fn::checkpoint]",
    "#[Self::login_required]",
    "#[r#checkpoint]",
    "#[::checkpoint(X)]",
    "#[self::login_required]",
    "#[crate::include_csrf(x)]",
    "#[super::checkpoint(LOGGED_IN)]",
    "#[match::include_csrf]",
    "#[a::<T>::checkpoint]",
    "#![allow(unused)]",
    "#[checkpoint = 1]",
    r#"#[include_csrf = "x"]"#,
    "#[login_required = x]",
    "#[checkpoint[LOGGED_IN]]",
    "#[checkpoint{LOGGED_IN}]",
    "#[login_required()]",
    "#[login_required(x)]",
    "#[checkpoint_runtime::checkpoint(LOGGED_IN)]",
    "#[]",
    "#",
];

/// An attribute below the topmost: this crate's, a route attribute (its arguments perhaps any
/// tokens), or another.
fn attribute() -> BoxedStrategy<TokenStream> {
    let route_of_any_tokens = (select(&["get", "route", "post"][..]), soup())
        .prop_map(|(name, arguments)| attribute_of(call(name, arguments)));
    prop_oneof![
        3 => stacked_attribute(),
        2 => one_of(ROUTE_ATTRIBUTES),
        2 => one_of(FAULTY_ROUTE_ATTRIBUTES),
        1 => route_of_any_tokens,
        2 => one_of(OTHER_ATTRIBUTES),
    ]
    .boxed()
}

/// Attributes below the topmost that make a valid stack under `#[checkpoint]` and
/// `#[include_csrf]`: this crate's, with valid arguments, then perhaps a route attribute (which
/// `#[login_not_required]` needs).
fn valid_stack() -> BoxedStrategy<Vec<TokenStream>> {
    let ours = prop_oneof![
        valid_entries(AttrKind::Checkpoint)
            .prop_map(|entries| attribute_of(call("checkpoint", joined(entries, ",")))),
        valid_entries(AttrKind::IncludeCsrf).prop_map(|entries| {
            let path = "checkpoint_runtime::include_csrf";
            attribute_of(call(path, joined(entries, ",")))
        }),
        one_of(&[
            "#[include_csrf]",
            "#[login_required]",
            "#[fresh_login_required]"
        ]),
    ];
    (
        vec(ours, 0..3),
        proptest::option::weighted(0.7, one_of(ROUTE_ATTRIBUTES)),
    )
        .prop_map(|(mut attributes, route)| {
            attributes.extend(route);
            attributes
        })
        .boxed()
}

/// A handler's visibility.
const VISIBILITIES: &[&str] = &["", "", "pub", "pub(crate)", "pub(in crate::a)", "pub(self)"];

/// A handler's name: raw identifiers, and the name the expansion gives the inner function.
const HANDLER_NAMES: &[&str] = &[
    "handler",
    "h",
    "r#fn",
    "r#async",
    "_h",
    "é",
    "__checkpoint_handler",
    "HANDLER",
];

/// A handler's generic parameters, which the expansion passes on.
const GENERICS: &[&str] = &[
    "",
    "",
    "",
    "<T>",
    "<'a>",
    "<T: Clone, const N: usize>",
    "<'a, 'b: 'a, T: 'a + ?Sized>",
    "<T = u8>",
    "<const N: u8 = 3>",
    "<>",
];

/// Parameters: extractors, receivers, patterns, variadics.
const PARAMETERS: &[&str] = &[
    "x: i32",
    "self",
    "&self",
    "&'a mut self",
    "mut self: Box<Self>",
    "(a, b): (A, B)",
    "Json(j): Json<T>",
    "web::Path((a, b)): web::Path<(u8, u8)>",
    "_: T",
    "x: impl Trait",
    "#[allow(unused)] x: T",
    "...",
    "x: ...",
    "r#fn: u8",
    "x: &'static str",
    "x: [u8; 4]",
    "x: fn(u8) -> u8",
    "x: dyn Tr",
    "x: _",
];

/// Return types, each of which the expansion writes into its own.
const OUTPUT_TYPES: &[&str] = &[
    "impl Responder",
    "&'static str",
    "!",
    "Result<HttpResponse, Error>",
    "Self",
    "impl Fn() -> u8",
    "impl A + B",
    "dyn A + Send",
    "Box<dyn Fn() -> u8 + Send + 'static>",
    "_",
    "(u8,)",
    "()",
    "[u8; N]",
    "<T as Tr>::Out",
    "m!()",
    "fn() -> !",
    "impl for<'a> Fn(&'a u8)",
    "impl ?Sized",
    "Either<A, B>",
    "T::Out",
    "&'a mut [T]",
    "*const u8",
];

/// A handler's where clause, empty ones too.
const WHERE_CLAUSES: &[&str] = &[
    "",
    "",
    "where T: Clone",
    "where for<'a> F: Fn(&'a u8)",
    "where",
    "where Self: Sized,",
];

/// A handler's body, or none (`;`).
const BODIES: &[&str] = &[
    "{}",
    r#"{ "ok" }"#,
    "{ x.await }",
    "{ #![allow(unused)] 1 }",
    "{ return; }",
    "{ let _ = |a| a; }",
    "{ todo!() }",
    "{ fn __checkpoint_handler() {} __checkpoint_handler() }",
    "{ struct S; }",
    ";",
];

/// A function, mostly a handler, its signature of any of the forms a handler may not take:
/// not `async`, `const`, `unsafe`, `extern`, generic, taking `self`, variadic.
fn function() -> BoxedStrategy<TokenStream> {
    (
        select(VISIBILITIES),
        prop_oneof![9 => Just(""), 1 => Just("const")],
        prop_oneof![4 => Just("async"), 1 => Just("")],
        prop_oneof![9 => Just(""), 1 => Just("unsafe")],
        prop_oneof![9 => Just(""), 1 => Just(r#"extern "C""#)],
        select(HANDLER_NAMES),
        select(GENERICS),
        prop_oneof![3 => Just(Vec::new()), 2 => vec(select(PARAMETERS), 1..4)],
        proptest::option::weighted(0.8, sometimes_invisible(one_of(OUTPUT_TYPES))),
        select(WHERE_CLAUSES),
        prop_oneof![
            6 => one_of(BODIES),
            1 => soup().prop_map(|body| grouped(Delimiter::Brace, body)),
        ],
    )
        .prop_map(
            |(
                visibility,
                constness,
                asyncness,
                unsafety,
                abi,
                name,
                generics,
                parameters,
                output,
                where_clause,
                body,
            )| {
                let mut function = lex(&format!(
                    "{visibility} {constness} {asyncness} {unsafety} {abi} fn \
                     {name}{generics}({})",
                    parameters.join(", ")
                ));
                if let Some(output) = output {
                    function.extend(lex("->"));
                    function.extend(output);
                }
                function.extend(lex(where_clause));
                function.extend(body);
                function
            },
        )
        .boxed()
}

/// Handlers the attributes take.
const HANDLERS: &[&str] = &[
    r#"async fn handler() -> &'static str { "ok" }"#,
    "pub async fn h(x: web::Json<T>) -> impl Responder { x.into_inner() }",
    "async fn h<T: Clone, const N: usize>(t: T) -> T where T: Send { t }",
    "pub(crate) async fn r#fn(Path((a, b)): Path<(u8, u8)>, _: HttpRequest) {}",
    "async fn h() -> Result<HttpResponse, Error> { Ok(HttpResponse::Ok().finish()) }",
];

/// Items that are not functions, and pieces of items.
const OTHER_ITEMS: &[&str] = &[
    "struct S;",
    "struct S { a: u8 }",
    "enum E { A }",
    "union U { a: u8 }",
    "const C: u8 = 1;",
    "static S: u8 = 1;",
    "impl S { async fn h(&self) {} }",
    "trait T { async fn h(); }",
    "mod m {}",
    "mod m;",
    "type T = u8;",
    "use a::b;",
    "extern crate a;",
    r#"extern "C" { fn f(); }"#,
    "macro_rules! m { () => {} }",
    "m!();",
    "m! {}",
    "async fn h();",
    "fn",
    "async",
    "async fn",
    "async fn h",
    "fn h() -> {}",
    "impl<T> Tr for S<T> where T: X {}",
    "auto trait A {}",
    "pub(crate) struct X(u8);",
    "async fn a() {} async fn b() {}",
];

/// The item an attribute is on: attributes below the topmost, then a function, another item,
/// any tokens, or nothing; about half of them a valid stack on a handler.
fn item() -> BoxedStrategy<TokenStream> {
    let stacked = prop_oneof![
        3 => valid_stack(),
        1 => vec(attribute(), 0..4),
    ];
    let item = prop_oneof![
        5 => one_of(HANDLERS),
        5 => function(),
        2 => one_of(OTHER_ITEMS),
        1 => soup(),
        1 => Just(TokenStream::new()),
    ];
    (stacked, item)
        .prop_map(|(attributes, item)| attributes.into_iter().chain([item]).collect())
        .boxed()
}

/// What the pipeline made of one input.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The expansion: the input was valid.
    Expanded,
    /// The item with `compile_error!`s.
    Refused,
}

/// Runs the whole pipeline of the attribute `kind`, written with `args`, on `item`: a panic
/// becomes an error that shows the input.
fn run(kind: AttrKind, args: &TokenStream, item: &TokenStream) -> Result<Outcome, String> {
    let output = catch_unwind(AssertUnwindSafe(|| guard(kind, args.clone(), item.clone())))
        .map_err(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(not a string)");
            format!("#[{}({args})] on `{item}` panicked: {message}", kind.name())
        })?;
    Ok(if holds_compile_error(&output) {
        Outcome::Refused
    } else {
        Outcome::Expanded
    })
}

/// Whether `tokens` hold a `compile_error!`, at any depth (no generated input names it).
fn holds_compile_error(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == "compile_error",
        TokenTree::Group(group) => holds_compile_error(&group.stream()),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

/// How many cases run unless `PROPTEST_CASES` says otherwise: about three seconds unoptimised.
const CASES: u32 = 2000;

/// Generated inputs under every attribute, counting those that reached the expansion.
#[test]
fn no_generated_input_makes_a_macro_panic() {
    let config = contextualize_config(Config {
        cases: CASES,
        // A panic found becomes a fixed case below, not a file in the source tree.
        failure_persistence: None,
        ..Config::default()
    });
    let mut runner = TestRunner::new(config);
    // Per attribute kind: inputs run, and inputs that reached the expansion.
    let counts: [(Cell<u32>, Cell<u32>); AttrKind::ALL.len()] = Default::default();
    let inputs = (0..AttrKind::ALL.len())
        .prop_flat_map(|index| (Just(index), arguments(AttrKind::ALL[index]), item()));
    let result = runner.run(&inputs, |(index, args, item)| {
        let outcome = run(AttrKind::ALL[index], &args, &item).map_err(TestCaseError::fail)?;
        let (runs, expanded) = &counts[index];
        runs.set(runs.get() + 1);
        expanded.set(expanded.get() + u32::from(outcome == Outcome::Expanded));
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }

    // The counts say whether the inputs reached past the first errors; a generator that only
    // made hopeless inputs would pass without testing validation's later rules or expansion.
    let (mut runs, mut expanded) = (0, 0);
    for (kind, (kind_runs, kind_expanded)) in AttrKind::ALL.iter().zip(&counts) {
        let (kind_runs, kind_expanded) = (kind_runs.get(), kind_expanded.get());
        println!(
            "#[{}]: {kind_expanded} of {kind_runs} inputs reached the expansion",
            kind.name()
        );
        assert!(
            kind_runs < 50 || kind_expanded > 0,
            "no input of #[{}] reached the expansion in {kind_runs} runs",
            kind.name()
        );
        runs += kind_runs;
        expanded += kind_expanded;
    }
    assert!(
        runs < 100 || expanded * 10 >= runs,
        "only {expanded} of {runs} inputs reached the expansion"
    );
}

/// Arguments at the edges of what the pipeline reads, each tried on every attribute: nothing,
/// lone punctuation, things that look unterminated but lex, escapes and bytes that are no UTF-8,
/// numbers with suffixes, byte strings, raw identifiers, lifetimes as values.
const FIXED_ARGUMENTS: &[&str] = &[
    "",
    ",",
    ",,",
    "=",
    "= 1",
    "a =",
    "a = ,",
    "#",
    "#!",
    "!",
    ";",
    "::",
    ":::",
    "$",
    "$crate",
    "# [x]",
    "crate",
    "crate =",
    r#"crate = """#,
    r#"crate = "fn""#,
    r#"crate = "a b""#,
    r#"crate = "::""#,
    r#"crate = "a)""#,
    r#"crate = "/// doc""#,
    r#"crate = "a::<T>""#,
    "crate = r#fn",
    "crate = self",
    "crate = Self",
    "crate = super",
    "crate = crate",
    "crate = a::<T>::b",
    "crate = 'a",
    r#"session_key = "\"", values = '\''"#,
    r#"session_key = "\\", values = r"\""#,
    r###"session_key = r#"""#, values = "/*""###,
    r#"session_key = "//", values = "{""#,
    r#"fail_url = "(", pass_url = '"'"#,
    r#"session_key = "\u{0}", values = "\x7f""#,
    r#"session_key = "\u{FFFD}\u{10FFFF}", values = "\0""#,
    r#"session_key = b"\xff\xfe", values = b'\xff'"#,
    r#"session_key = c"\xff", values = c"""#,
    r#"session_key = br"\xff", values = [b"", c"x"]"#,
    r#"session_key = "k"suffix, values = 1suffix"#,
    r#"session_key = "k", values = [1u8, 1i128, 1usize, 1_u64, 0x1Fu16]"#,
    r#"session_key = "k", values = [1f32, 1e3f64, 1.0e10_f32, 1foo]"#,
    r#"session_key = "k", values = -1i64"#,
    r#"session_key = "k", values = 18446744073709551616"#,
    r#"session_key = "k", values = -18446744073709551616"#,
    r#"session_key = "k", values = 0xffffffffffffffffffffffffffffffffffffffff"#,
    "fail_status = 401u16",
    "fail_status = 4_01",
    "fail_status = 0x191",
    "fail_status = 1e3",
    "fail_status = 401.0",
    "fail_status = 99999999999999999999999999999999999999999",
    r#"fail_json = { "a": 1e999 }"#,
    r#"fail_json = { "a": 0x10, "b": 1_0, "c": 1e-999 }"#,
    r#"fail_json = { "a": 340282366920938463463374607431768211456 }"#,
    r#"fail_json = { "a": -340282366920938463463374607431768211455 }"#,
    r#"fail_json = { "a": b"x", "b": 'c', "c": c"x" }"#,
    r#"fail_json = { "a": 1, }, fail_json = { "a": 1 }"#,
    "fail_json = { 'a: 1 }",
    "fail_json = { r#fn: 1 }",
    "r#fn",
    "r#fn = 1",
    r#"r#session_key = "k", r#values = true"#,
    "check = r#fn::r#async",
    "fail_url = r#fn",
    "'a",
    "'a = 1",
    "values = 'a",
    "session_key = 'static",
    "api_key = 'a",
    "api_key = 'a: loop { break 'a KEY }",
    "check = 'a",
    "fail_url = 'a",
    "fail_json = 'a",
    "fail_status = 'a",
    "disable_default_fail = 'a",
    "any('a)",
    "not()",
    "not(,)",
    "not(A, B)",
    "any()",
    "any(,)",
    "all(())",
    "any((,))",
    "any((crate = x))",
    "any(any)",
    "any(values)",
    r#"any(session_key = "k")"#,
    r#"any((fail_url = "/"))"#,
    "any(A) any(B)",
    "any(A), all(B)",
    "(any(A))",
    "url_for",
    "url_for()",
    "fail_url = url_for",
    "fail_url = url_for!()",
    r#"fail_url = url_for("r", -1)"#,
    r#"header = "x", query = "y", header = "z""#,
    r#"api_key = K, header = "x", query = "y""#,
    r#"api_key = K, header = "é""#,
    r#"session_key = "k", values = true, session_key = "k""#,
    "disable_default_fail, disable_default_fail",
    "LOGGED_IN, LOGGED_IN",
    "LOGGED_IN fail_url",
];

/// Items at the edges, each under every attribute: not functions, functions of signatures a
/// handler may not have, and stacks of this crate's attributes and route attributes.
const FIXED_ITEMS: &[&str] = &[
    "",
    "fn",
    "struct S;",
    "impl S { async fn h(&self) {} }",
    "fn h() {}",
    "async fn h(&self) {}",
    "async fn h(self: Box<Self>) {}",
    r#"unsafe extern "C" fn h(x: i32, ...) {}"#,
    "async fn h(...) {}",
    "const async unsafe fn h() {}",
    "async fn r#fn() {}",
    "async fn h() -> impl Fn() -> u8 {}",
    "async fn h<'a, T: 'a, const N: usize>() -> &'a [T; N] where T: Sized {}",
    "#[fn::checkpoint] async fn h() {}",
    "#[Self::login_required] async fn h() {}",
    "#[r#checkpoint] async fn h() {}",
    "#[checkpoint = 1] async fn h() {}",
    "#[checkpoint[LOGGED_IN]] async fn h() {}",
    "#[checkpoint{LOGGED_IN}] async fn h() {}",
    "#[login_required(x)] async fn h() {}",
    "#[login_not_required] async fn h() {}",
    r#"#[login_not_required] #[get("/x")] async fn h() {}"#,
    r#"#[login_not_required] #[login_not_required] #[get("/x")] async fn h() {}"#,
    r#"#[login_required] #[get("/x")] #[post("/x")] async fn h() {}"#,
    r#"#[get("/x", guard = "g")] async fn h() {}"#,
    r#"#[route("/x")] async fn h() {}"#,
    r#"#[route("/x", method = 1)] async fn h() {}"#,
    "#[get] async fn h() {}",
    "#[get()] async fn h() {}",
    r#"#[get = "/x"] async fn h() {}"#,
    r#"#[get(b"/x")] async fn h() {}"#,
    r#"#[checkpoint(crate = a)] #[checkpoint(crate = b)] async fn h() {}"#,
    r#"#[checkpoint(crate = "a")] #[include_csrf(crate = a)] async fn h() {}"#,
    "#[checkpoint(LOGGED_IN)] #[include_csrf] #[login_required] #[fresh_login_required] async fn h() {}",
];

/// A handler every attribute takes, `#[login_not_required]` included.
const ROUTED_HANDLER: &str = r#"#[get("/x")] async fn handler() -> &'static str { "ok" }"#;

/// `count` copies of `text`, each after a comma but the first.
fn repeated(text: &str, count: usize) -> String {
    vec![text; count].join(", ")
}

/// `depth` nestings of `open`/`close` around `inner`.
fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// Valid arguments of about 10,000 tokens.
fn huge_valid_arguments() -> Vec<TokenStream> {
    let numbers: Vec<String> = (0..5_000).map(|number| number.to_string()).collect();
    let keys: Vec<String> = (0..2_500)
        .map(|number| format!(r#""k{number}": {number}"#))
        .collect();
    [
        format!(r#"session_key = "k", values = [{}]"#, numbers.join(", ")),
        format!("any({})", repeated("A", 5_000)),
        format!("all({})", repeated("(bearer = KEY)", 2_000)),
        format!(
            r#"session_key = "k", values = true, fail_json = {{ {} }}"#,
            keys.join(", ")
        ),
    ]
    .iter()
    .map(|text| lex(text))
    .collect()
}

/// Arguments of about 10,000 tokens: valid ones, and ones of thousands of faulty entries.
fn huge_arguments() -> Vec<TokenStream> {
    let mut arguments = huge_valid_arguments();
    arguments.extend(
        [
            repeated("LOGGED_IN", 5_000),
            repeated("x = 1", 2_500),
            "# ! ; : ".repeat(2_500),
        ]
        .iter()
        .map(|text| lex(text)),
    );
    arguments
}

/// How deep the deep valid arguments nest: within [`MAX_NESTING`] for each of their levels'
/// two tokens (`not(`).
const VALID_DEPTH: usize = MAX_NESTING / 2 - 4;

/// How deep the deep arguments nest where the limit is not the point.
const DEPTH: usize = 200;

/// Valid arguments nested [`VALID_DEPTH`] deep: in a value, and in combinations.
fn deep_valid_arguments() -> Vec<TokenStream> {
    [
        format!("api_key = {}", nested("(", "KEY", ")", VALID_DEPTH)),
        nested("not(", "A", ")", VALID_DEPTH),
        nested("any(A, ", "B", ")", VALID_DEPTH),
    ]
    .iter()
    .map(|text| lex(text))
    .collect()
}

/// Arguments nested [`DEPTH`] deep, in each place the pipeline recurses into.
fn deep_arguments() -> Vec<TokenStream> {
    let mut arguments = deep_valid_arguments();
    arguments.extend(
        [
            nested("(", "", ")", DEPTH),
            nested("[", "", "]", DEPTH),
            nested("{", "", "}", DEPTH),
            format!("values = {}", nested("(", "1", ")", DEPTH)),
            format!("values = {}", nested("[", "1", "]", DEPTH)),
            format!("any({})", nested("(", "A", ")", DEPTH)),
            format!("fail_json = {}", nested(r#"{ "a": "#, "1", "}", DEPTH)),
            format!("fail_json = {{ \"a\": {} }}", nested("[", "", "]", DEPTH)),
            format!("api_key = {}KEY", "! ".repeat(DEPTH)),
            format!("values = {}1", "- ".repeat(DEPTH)),
        ]
        .iter()
        .map(|text| lex(text)),
    );
    let invisible = (0..DEPTH).fold(lex("KEY"), |inner, _| grouped(Delimiter::None, inner));
    arguments.push(option("api_key", invisible.clone()));
    arguments.push(call("any", invisible));
    arguments
}

/// Arguments `depth` levels deep in each way syn's parser recurses: groups, combinations,
/// prefix operators, references, closures, generics, `else if` chains, JSON.
fn nesting_patterns(depth: usize) -> Vec<String> {
    vec![
        format!("api_key = {}", nested("(", "KEY", ")", depth)),
        format!("values = {}", nested("[", "1", "]", depth)),
        format!("api_key = {}", nested("{ ", "KEY", " }", depth)),
        nested("not(", "A", ")", depth),
        nested("any(A, ", "B", ")", depth),
        format!("api_key = {}KEY", "! ".repeat(depth)),
        format!("values = {}1", "- ".repeat(depth)),
        format!("api_key = {}KEY", "* ".repeat(depth)),
        format!("api_key = {}KEY", "&mut ".repeat(depth)),
        format!("check = {}a", "|a, b| ".repeat(depth)),
        format!(
            "api_key = f::<{}C{}>()",
            "A<B, ".repeat(depth),
            ">".repeat(depth)
        ),
        format!(
            "api_key = KEY as {}C{}",
            "A<B, ".repeat(depth),
            ">".repeat(depth)
        ),
        format!("api_key = {}{{ KEY }}", "if c { KEY } else ".repeat(depth)),
        format!("api_key = {}KEY", "return ".repeat(depth)),
        format!("fail_json = {}", nested(r#"{ "a": "#, "1", "}", depth)),
    ]
}

/// Far deeper than rustc's stack allows to parse, in every way: refused, with the error that
/// says so, not a stack overflow that aborts the compiler.
#[test]
fn nesting_past_the_limit_is_an_error_not_an_overflow() {
    on_rustc_stack(|| {
        let handler = lex(ROUTED_HANDLER);
        for args in nesting_patterns(50_000) {
            let args = lex(&args);
            assert!(
                run(AttrKind::Checkpoint, &args, &handler) == Ok(Outcome::Refused),
                "#[checkpoint({:.80}...)] was not refused",
                args.to_string()
            );
            let error = crate::parse::within_nesting_limit(&args).expect_err("refused");
            assert!(error.to_string().contains("nest deeper"), "{error}");
        }
    });
}

/// The deepest arguments the limit lets through, of each way to nest, go through the whole
/// pipeline on rustc's stack: the limit is low enough. (Too high, this test aborts on a stack
/// overflow.)
#[test]
fn the_deepest_arguments_allowed_parse_within_rustcs_stack() {
    on_rustc_stack(|| {
        let handler = lex(ROUTED_HANDLER);
        let patterns = nesting_patterns(0).len();
        for pattern in 0..patterns {
            let at = |depth: usize| lex(&nesting_patterns(depth)[pattern]);
            let deepest = (1..=MAX_NESTING)
                .take_while(|&depth| crate::parse::within_nesting_limit(&at(depth)).is_ok())
                .last()
                .expect("one level is within the limit");
            assert!(
                deepest >= MAX_NESTING / 8,
                "pattern {pattern}: only {deepest} levels allowed"
            );
            for kind in AttrKind::ALL {
                run(kind, &at(deepest), &handler).expect("no panic");
            }
        }
    });
}

/// The stack rustc runs macros on: its compilation thread's, 8 MiB unless `RUST_MIN_STACK` says
/// otherwise (`rustc_interface::util::DEFAULT_STACK_SIZE`). A test thread's 2 MiB is too little
/// for syn to parse an expression nested 200 deep when unoptimised, as macros are built.
///
/// Much deeper, syn's recursive parser overflows even that, which aborts the compiler: about 700
/// parentheses around a value, or a few thousand `!` before it. The arguments are refused
/// before that ([`MAX_NESTING`]); the handler itself goes through the same parser, in every
/// attribute macro built on syn (actix-web's `#[get]` above ours first).
const RUSTC_STACK: usize = 8 * 1024 * 1024;

/// Runs `test` on a thread with rustc's stack, its panic the caller's.
fn on_rustc_stack(test: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new()
        .stack_size(RUSTC_STACK)
        .spawn(test)
        .expect("spawning a thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

/// Every fixed input under every attribute: the arguments on a handler, the items with no
/// arguments and with a named checkpoint.
#[test]
fn no_fixed_input_makes_a_macro_panic() {
    on_rustc_stack(fixed_inputs_return_tokens);
}

/// The work of [`no_fixed_input_makes_a_macro_panic`], on rustc's stack.
fn fixed_inputs_return_tokens() {
    let handler = lex(ROUTED_HANDLER);
    let mut arguments: Vec<TokenStream> = FIXED_ARGUMENTS.iter().map(|text| lex(text)).collect();
    arguments.extend(huge_arguments());
    arguments.extend(deep_arguments());
    let items: Vec<TokenStream> = FIXED_ITEMS.iter().map(|text| lex(text)).collect();
    let mut failures = Vec::new();
    for kind in AttrKind::ALL {
        for args in &arguments {
            failures.extend(run(kind, args, &handler).err());
        }
        for item in &items {
            for args in [TokenStream::new(), lex("LOGGED_IN")] {
                failures.extend(run(kind, &args, item).err());
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The huge and deep inputs that are valid are expanded, not refused on their size.
#[test]
fn huge_and_deep_valid_inputs_are_expanded() {
    on_rustc_stack(huge_and_deep_valid_inputs_expand);
}

/// The work of [`huge_and_deep_valid_inputs_are_expanded`], on rustc's stack.
fn huge_and_deep_valid_inputs_expand() {
    let handler = lex(ROUTED_HANDLER);
    for args in huge_valid_arguments()
        .into_iter()
        .chain(deep_valid_arguments())
    {
        assert!(
            run(AttrKind::Checkpoint, &args, &handler) == Ok(Outcome::Expanded),
            "#[checkpoint({args})] was not expanded"
        );
    }
}
