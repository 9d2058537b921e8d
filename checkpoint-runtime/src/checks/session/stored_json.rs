//! Matching the JSON text actix-session stores under a key against the allowed values.
//!
//! actix-session keeps every value as JSON text, written by `serde_json::to_string`. Matching
//! first reads that compact form directly: a string without escapes, `true`, `false`, a short
//! integer, or a list of those, is its own decoding, so it is compared where it lies. Anything
//! else (escapes, spaces, floats, `null`, nesting, invalid JSON) goes to a borrowing serde
//! visitor. Neither path decodes into owned values, so a check never allocates.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::allowed_value::{needs_escaping, AllowedValues, Scalar};

/// How a stored value compares with the allowed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// The value, or one element of a stored list, is allowed.
    Allowed,
    /// The value is valid JSON but not allowed.
    NotAllowed,
}

impl Match {
    fn from_found(found: bool) -> Self {
        if found {
            Match::Allowed
        } else {
            Match::NotAllowed
        }
    }
}

impl AllowedValues<'_> {
    /// Matches the JSON text of a session value against these values.
    ///
    /// A scalar matches when it equals one allowed value; a list matches when any of its
    /// elements does (Flask-Imp's rule). Nested lists, objects, `null` and floats never match.
    ///
    /// # Errors
    /// When `stored` is not valid JSON.
    #[inline]
    pub(crate) fn match_stored_json(&self, stored: &str) -> Result<Match, serde_json::Error> {
        match self.match_compact(stored) {
            Some(matched) => Ok(matched),
            None => self.match_with_serde(stored),
        }
    }

    /// The general path: any JSON, read by a borrowing visitor.
    fn match_with_serde(&self, stored: &str) -> Result<Match, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(stored);
        let found = deserializer.deserialize_any(ValueVisitor {
            allowed: *self,
            lists_allowed: true,
        })?;
        deserializer.end()?;
        Ok(Match::from_found(found))
    }

    /// The fast path: `stored` read as compact JSON (see [`compact_scalar`]) or a list of such
    /// scalars separated by bare commas. `None` when it is in any other form, valid or not.
    #[inline]
    fn match_compact(&self, stored: &str) -> Option<Match> {
        match stored.as_bytes() {
            b"true" => Some(Match::from_found(self.contains(Scalar::Bool(true)))),
            b"false" => Some(Match::from_found(self.contains(Scalar::Bool(false)))),
            [b'"', .., b'"'] => self.match_compact_string(&stored[1..stored.len() - 1]),
            [b'[', .., b']'] => self.match_compact_list(&stored[1..stored.len() - 1]),
            _ => {
                let (scalar, rest) = compact_scalar(stored)?;
                rest.is_empty()
                    .then(|| Match::from_found(self.contains(scalar)))
            }
        }
    }

    /// `text` is what lies between the quotes of a stored string.
    fn match_compact_string(&self, text: &str) -> Option<Match> {
        // Equal to a string that needs no escaping, the stored text is that string's JSON, so a
        // pass needs no scan.
        if self.plain_strings() && self.contains(Scalar::Str(text)) {
            return Some(Match::Allowed);
        }
        if first_needing_escape(text.as_bytes()).is_some() {
            return None;
        }
        Some(Match::from_found(
            !self.plain_strings() && self.contains(Scalar::Str(text)),
        ))
    }

    /// `elements` is what lies between the brackets of a stored list.
    fn match_compact_list(&self, elements: &str) -> Option<Match> {
        if elements.is_empty() {
            return Some(Match::NotAllowed);
        }
        let mut found = false;
        let mut rest = elements;
        loop {
            let (scalar, after) = compact_scalar(rest)?;
            // Every element is read, even after a match, so that malformed JSON later in the
            // list still goes to the visitor and is reported.
            found = found || self.contains(scalar);
            match after.as_bytes().first() {
                Some(b',') => rest = &after[1..],
                None => return Some(Match::from_found(found)),
                Some(_) => return None,
            }
        }
    }
}

/// The position of the first byte in `bytes` that JSON must escape, found eight bytes at a time.
fn first_needing_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH_BITS: u64 = ONES * 0x80;
    // The high bit of each byte of `word` that is below `limit` (at most 0x80). A borrow can
    // also mark a byte above one truly below `limit`, never one before it, so the lowest mark
    // is exact.
    let below =
        |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGH_BITS;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = chunk.try_into().map_or(0, u64::from_le_bytes);
        let marks = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if marks != 0 {
            return Some(offset + marks.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = chunks
        .remainder()
        .iter()
        .position(|&byte| needs_escaping(byte))?;
    Some(offset + tail)
}

/// Reads one scalar at the start of `text` in the form `serde_json::to_string` writes it, and
/// what follows it: a string with no escape and no control character (its text is its value),
/// `true`, `false`, or an integer of at most 18 digits without sign or leading zero quirks (so it
/// fits an `i64`). `None` for anything else, including `-0`, which serde_json reads as a float.
fn compact_scalar(text: &str) -> Option<(Scalar<'_>, &str)> {
    match *text.as_bytes().first()? {
        b'"' => {
            let bytes = text.as_bytes();
            let end = 1 + first_needing_escape(&bytes[1..])?;
            // Slicing at an ASCII byte is always on a character boundary.
            (bytes[end] == b'"').then(|| (Scalar::Str(&text[1..end]), &text[end + 1..]))
        }
        b't' => text
            .strip_prefix("true")
            .map(|rest| (Scalar::Bool(true), rest)),
        b'f' => text
            .strip_prefix("false")
            .map(|rest| (Scalar::Bool(false), rest)),
        b'-' | b'0'..=b'9' => compact_int(text),
        _ => None,
    }
}

fn compact_int(text: &str) -> Option<(Scalar<'_>, &str)> {
    let negative = text.starts_with('-');
    let unsigned = &text[usize::from(negative)..];
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    let leading_zero = unsigned.starts_with('0') && (digits > 1 || negative);
    if digits == 0 || digits > 18 || leading_zero {
        return None;
    }
    let rest = &unsigned[digits..];
    if matches!(rest.as_bytes().first(), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    let magnitude = unsigned.as_bytes()[..digits]
        .iter()
        .fold(0_i64, |value, digit| value * 10 + i64::from(digit - b'0'));
    let value = if negative { -magnitude } else { magnitude };
    Some((Scalar::Int(value), rest))
}

/// Visits one JSON value and answers whether it is allowed. A list is searched only at the top
/// level; an element that is itself a list is skipped, as it can never equal a scalar.
#[derive(Clone, Copy)]
struct ValueVisitor<'a> {
    allowed: AllowedValues<'a>,
    lists_allowed: bool,
}

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(self.allowed.contains(Scalar::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<bool, E> {
        Ok(self.allowed.contains(Scalar::Int(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<bool, E> {
        Ok(i64::try_from(value).is_ok_and(|value| self.allowed.contains(Scalar::Int(value))))
    }

    fn visit_f64<E: de::Error>(self, _value: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Ok(self.allowed.contains(Scalar::Str(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        if !self.lists_allowed {
            while seq.next_element::<Skipped>()?.is_some() {}
            return Ok(false);
        }
        let element = ValueVisitor {
            lists_allowed: false,
            ..self
        };
        let mut found = false;
        // Every element is read, even after a match, so that malformed JSON later in the list
        // is still reported as an error rather than accepted.
        while let Some(matched) = seq.next_element_seed(element)? {
            found |= matched;
        }
        Ok(found)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<Skipped, Skipped>()?.is_some() {}
        Ok(false)
    }
}

/// A JSON value that cannot match and is read only to be checked: unlike `IgnoredAny`, which
/// skips without checking escapes or number ranges, it reads every leaf, so JSON that
/// `serde_json` refuses (a lone surrogate, `1e400`) is an error wherever it stands.
struct Skipped;

impl<'de> de::Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkippedVisitor)
    }
}

struct SkippedVisitor;

impl<'de> Visitor<'de> for SkippedVisitor {
    type Value = Skipped;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Skipped, E> {
        Ok(Skipped)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skipped, A::Error> {
        while seq.next_element::<Skipped>()?.is_some() {}
        Ok(Skipped)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skipped, A::Error> {
        while map.next_entry::<Skipped, Skipped>()?.is_some() {}
        Ok(Skipped)
    }
}

impl<'de> DeserializeSeed<'de> for ValueVisitor<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::session::AllowedValue::{self, Bool, Int, Str};

    fn match_stored_json(
        allowed: &[AllowedValue],
        stored: &str,
    ) -> Result<Match, serde_json::Error> {
        AllowedValues::new(allowed).match_stored_json(stored)
    }

    fn check(allowed: &[AllowedValue], stored: &str) -> Match {
        match_stored_json(allowed, stored).expect("valid JSON")
    }

    #[test]
    fn scalars_match_only_their_own_json_type() {
        assert_eq!(check(&[Bool(true)], "true"), Match::Allowed);
        assert_eq!(check(&[Bool(true)], "false"), Match::NotAllowed);
        assert_eq!(check(&[Bool(true)], "1"), Match::NotAllowed);
        assert_eq!(check(&[Bool(true)], "\"true\""), Match::NotAllowed);
        assert_eq!(check(&[Int(2)], "2"), Match::Allowed);
        assert_eq!(check(&[Int(2)], "\"2\""), Match::NotAllowed);
        assert_eq!(check(&[Int(2)], "2.0"), Match::NotAllowed);
        assert_eq!(check(&[Int(-7)], "-7"), Match::Allowed);
        assert_eq!(check(&[Str("2")], "2"), Match::NotAllowed);
        assert_eq!(check(&[Str("admin")], "\"admin\""), Match::Allowed);
        assert_eq!(check(&[Str("admin")], "null"), Match::NotAllowed);
    }

    #[test]
    fn escaped_and_spaced_json_decodes_before_comparing() {
        assert_eq!(check(&[Str("a\"b")], r#""a\"b""#), Match::Allowed);
        assert_eq!(check(&[Str("é")], r#""\u00e9""#), Match::Allowed);
        assert_eq!(check(&[Bool(true)], "  true "), Match::Allowed);
    }

    #[test]
    fn an_escape_is_never_compared_as_the_characters_it_is_written_with() {
        // Between the quotes of the newline's JSON lie the two characters of the allowed `\n`.
        let allowed = [Str(r"\n"), Str("admin")];
        assert_eq!(check(&allowed, r#""\n""#), Match::NotAllowed);
        assert_eq!(check(&allowed, r#""\\n""#), Match::Allowed);
    }

    #[test]
    fn a_list_matches_when_any_element_is_allowed() {
        let allowed = [Str("admin"), Str("editor")];
        assert_eq!(check(&allowed, r#"["guest","editor"]"#), Match::Allowed);
        assert_eq!(check(&allowed, r#"["guest"]"#), Match::NotAllowed);
        assert_eq!(check(&allowed, "[]"), Match::NotAllowed);
        assert_eq!(check(&allowed, r#"[["admin"]]"#), Match::NotAllowed);
        assert_eq!(check(&allowed, r#"{"role":"admin"}"#), Match::NotAllowed);
        assert_eq!(
            check(&[Int(1), Bool(true)], r#"[false, 1]"#),
            Match::Allowed
        );
    }

    #[test]
    fn integers_beyond_i64_never_match() {
        assert_eq!(
            check(&[Int(i64::MAX)], "9223372036854775807"),
            Match::Allowed
        );
        assert_eq!(check(&[Int(-1)], "18446744073709551615"), Match::NotAllowed);
    }

    #[test]
    fn invalid_json_is_an_error_even_after_a_match() {
        assert!(match_stored_json(&[Bool(true)], "tru").is_err());
        assert!(match_stored_json(&[Bool(true)], "true false").is_err());
        assert!(match_stored_json(&[Str("a")], r#"["a", nope]"#).is_err());
        assert!(match_stored_json(&[Str("a")], "").is_err());
    }

    /// Stored texts of every shape the fast path must read exactly as serde_json does, or
    /// leave to it.
    const CORPUS: &[&str] = &[
        "true",
        "false",
        "null",
        "0",
        "1",
        "-1",
        "-0",
        "01",
        "1.0",
        "1e3",
        "1E3",
        "-",
        "+1",
        "123456789012345678",
        "-123456789012345678",
        "1234567890123456789",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "2",
        "3",
        "\"\"",
        "\"a\"",
        "\"ab\"",
        "\"a\\u0062\"",
        "\"a\\\"b\"",
        "\"a\\\\b\"",
        "\"é\"",
        "\"\\u00e9\"",
        "\"a\tb\"",
        "\"a\u{7f}b\"",
        "\"admin\"",
        "\"editor\"",
        "\"admin",
        "admin\"",
        "\"admin\"x",
        "\"a\"\"b\"",
        " true",
        "true ",
        "truex",
        "tru",
        "fals",
        "[]",
        "[ ]",
        "[true]",
        "[1,2]",
        "[1, 2]",
        "[1,]",
        "[,1]",
        "[1,,2]",
        "[\"a\",\"b\"]",
        "[\"admin\"]",
        "[\"guest\",\"editor\"]",
        "[\"a]\"]",
        "[\"a,b\"]",
        "[[\"admin\"]]",
        "[\"admin\",[1]]",
        "[\"admin\",{}]",
        "[\"admin\",nope]",
        "[\"admin\"",
        "\"admin\"]",
        "[\"admin\"]]",
        "[[]",
        "[1.0]",
        "[-0]",
        "[01]",
        "[true,false]",
        "{}",
        "{\"role\":\"admin\"}",
        "[null]",
        "[\"a\\u0062\"]",
        "[\"ab\"]x",
        "",
    ];

    const ALLOWED: &[AllowedValue] = &[
        Bool(true),
        Int(-1),
        Int(1),
        Int(123456789012345678),
        Int(i64::MAX),
        Str(""),
        Str("a\"b"),
        Str("a\\b"),
        Str("ab"),
        Str("admin"),
        Str("a\u{7f}b"),
        Str("é"),
    ];

    #[test]
    fn the_compact_fast_path_agrees_with_the_serde_visitor() {
        let mut reversed = ALLOWED.to_vec();
        reversed.reverse();
        for allowed in [
            ALLOWED,
            &reversed[..],
            &[Str("editor")],
            &[Int(0), Bool(false)],
            &[],
        ] {
            let allowed = AllowedValues::new(allowed);
            for stored in CORPUS {
                let fast = allowed.match_compact(stored);
                let general = allowed.match_with_serde(stored).ok();
                if let Some(fast) = fast {
                    assert_eq!(Some(fast), general, "{stored:?} against {allowed:?}");
                }
                let verdict = allowed.match_stored_json(stored).ok();
                assert_eq!(verdict, general, "{stored:?} against {allowed:?}");
            }
        }
    }

    #[test]
    fn the_fast_path_reads_what_actix_session_writes() {
        let allowed = AllowedValues::new(&[Bool(true), Int(-7), Str("admin"), Str("é")]);
        for stored in [
            "true",
            "-7",
            "\"admin\"",
            "\"é\"",
            "[\"guest\",\"admin\"]",
            "[false,-7]",
        ] {
            assert_eq!(
                allowed.match_compact(stored),
                Some(Match::Allowed),
                "{stored}"
            );
        }
        for stored in ["false", "7", "\"guest\"", "[]", "[\"guest\"]"] {
            assert_eq!(
                allowed.match_compact(stored),
                Some(Match::NotAllowed),
                "{stored}"
            );
        }
    }

    #[test]
    fn json_that_differs_only_in_form_still_matches() {
        assert_eq!(check(&[Str("ab")], r#""a\u0062""#), Match::Allowed);
        assert_eq!(check(&[Str("ab")], r#"["x", "a\u0062"]"#), Match::Allowed);
        assert_eq!(check(&[Int(1)], "1.0"), Match::NotAllowed);
        assert_eq!(check(&[Int(1)], "[1.0]"), Match::NotAllowed);
        assert_eq!(check(&[Int(0)], "-0"), Match::NotAllowed);
        assert_eq!(check(&[Int(1000)], "1e3"), Match::NotAllowed);
        assert_eq!(check(&[Int(5)], " 5"), Match::Allowed);
        assert!(match_stored_json(&[Str("a")], "\"a\tb\"").is_err());
        assert!(match_stored_json(&[Int(1)], "01").is_err());
    }

    #[test]
    fn the_word_scan_finds_the_first_byte_to_escape() {
        for text in [
            "",
            "a",
            "abcdefgh",
            "abcdefghijklmnopq",
            "é€😀 long text with no specials at all",
        ] {
            assert_eq!(first_needing_escape(text.as_bytes()), None, "{text:?}");
        }
        for length in 0..20 {
            for special in [b'"', b'\\', 0, 0x1f, b'\n'] {
                let mut bytes = vec![b'a'; length];
                bytes.push(special);
                bytes.extend_from_slice(b"\"\\x\x01");
                bytes.extend(vec![0xe9; 9]);
                assert_eq!(first_needing_escape(&bytes), Some(length), "{bytes:?}");
            }
        }
        assert_eq!(first_needing_escape(b"\x7f\x80\xff !#[]"), None);
    }
}
