//! The values a [`SessionCheck`](crate::SessionCheck) accepts, and how a stored session value is
//! matched against them.
//!
//! actix-session keeps every value as JSON text. Matching reads that text with a borrowing serde
//! visitor, so a check never decodes into owned values and never allocates on the way.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One value a session key may hold for a checkpoint to pass.
///
/// Comparison is by JSON type: `Bool(true)` matches only the JSON `true`, never `1` or `"true"`;
/// `Int(2)` never matches `"2"`. This is stricter than Flask-Imp, where Python's `True == 1`.
///
/// ```
/// use checkpoint_runtime::AllowedValue;
///
/// const ROLES: &[AllowedValue] = &[AllowedValue::Str("admin"), AllowedValue::Str("editor")];
/// # let _ = ROLES;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowedValue {
    /// A JSON boolean.
    Bool(bool),
    /// A JSON integer (one without fraction or exponent).
    Int(i64),
    /// A JSON string.
    Str(&'static str),
}

/// How a stored value compares with the allowed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// The value, or one element of a stored list, is allowed.
    Allowed,
    /// The value is valid JSON but not allowed.
    NotAllowed,
}

/// Matches the JSON text of a session value against `allowed`.
///
/// A scalar matches when it equals one allowed value; a list matches when any of its elements
/// does (Flask-Imp's rule). Nested lists, objects, `null` and floats never match.
///
/// # Errors
/// When `stored` is not valid JSON.
pub(crate) fn match_stored_json(
    allowed: &[AllowedValue],
    stored: &str,
) -> Result<Match, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(stored);
    let found = deserializer.deserialize_any(ValueVisitor {
        allowed,
        lists_allowed: true,
    })?;
    deserializer.end()?;
    Ok(if found {
        Match::Allowed
    } else {
        Match::NotAllowed
    })
}

/// Visits one JSON value and answers whether it is allowed. A list is searched only at the top
/// level; an element that is itself a list is skipped, as it can never equal a scalar.
#[derive(Clone, Copy)]
struct ValueVisitor<'a> {
    allowed: &'a [AllowedValue],
    lists_allowed: bool,
}

impl ValueVisitor<'_> {
    fn contains(self, wanted: impl Fn(&AllowedValue) -> bool) -> bool {
        self.allowed.iter().any(wanted)
    }
}

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(self.contains(|allowed| *allowed == AllowedValue::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<bool, E> {
        Ok(self.contains(|allowed| *allowed == AllowedValue::Int(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<bool, E> {
        Ok(i64::try_from(value)
            .is_ok_and(|value| self.contains(|allowed| *allowed == AllowedValue::Int(value))))
    }

    fn visit_f64<E: de::Error>(self, _value: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Ok(self.contains(|allowed| matches!(allowed, AllowedValue::Str(text) if *text == value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        if !self.lists_allowed {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
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
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
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
    use AllowedValue::{Bool, Int, Str};

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
}
