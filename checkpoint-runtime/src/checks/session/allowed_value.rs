//! The values a [`SessionCheck`](crate::SessionCheck) accepts, and finding one among them.
//!
//! Up to four values are scanned. From five to 128, [`AllowedValues::new`] builds an
//! open-addressing hash index when the checkpoint is built (at compile time for a checkpoint in
//! a `const`), so a lookup costs one hash and about one comparison however long the list: a
//! hundred values cost a few comparisons more than one (BENCHMARKS.md, "The evaluation alone").
//! Longer lists, which no measured case has, are scanned.

use std::fmt;

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

/// A decoded scalar JSON value, borrowed from the stored text or from serde.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scalar<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a str),
}

/// The allowed values of a check, and what makes looking one up cheap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AllowedValues<'a> {
    values: &'a [AllowedValue],
    /// An open-addressing hash table of indices into `values` (`EMPTY` marks a free slot).
    /// Left empty for a list that is scanned instead.
    index: [u8; INDEX_SLOTS],
    /// No allowed string needs escaping in JSON, so stored text equal to one, between quotes,
    /// is that string's JSON as it stands.
    plain_strings: bool,
}

impl fmt::Debug for AllowedValues<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.values.fmt(formatter)
    }
}

impl<'a> AllowedValues<'a> {
    /// `values`, indexed if there are enough of them: at compile time for a checkpoint in a
    /// `const`.
    pub(crate) const fn new(values: &'a [AllowedValue]) -> Self {
        Self {
            values,
            index: build_index(values),
            plain_strings: plain_strings(values),
        }
    }

    /// The values, as given.
    pub(crate) const fn as_slice(&self) -> &'a [AllowedValue] {
        self.values
    }

    /// Whether no allowed string needs escaping in JSON.
    pub(super) const fn plain_strings(&self) -> bool {
        self.plain_strings
    }

    /// Whether `probe` is one of the values.
    #[inline]
    pub(super) fn contains(&self, probe: Scalar<'_>) -> bool {
        if self.values.len() <= SCANNED || self.values.len() > INDEXED {
            self.values.iter().any(|allowed| equals(allowed, probe))
        } else {
            self.look_up(probe)
        }
    }

    /// [`contains`](Self::contains) through the index.
    fn look_up(&self, probe: Scalar<'_>) -> bool {
        let mut slot = probe.hash() % INDEX_SLOTS;
        loop {
            let index = self.index[slot];
            if index == EMPTY {
                return false;
            }
            if equals(&self.values[usize::from(index)], probe) {
                return true;
            }
            slot = (slot + 1) % INDEX_SLOTS;
        }
    }
}

/// Lists up to this long are scanned rather than looked up in the index.
const SCANNED: usize = 4;
/// The slots of [`AllowedValues::index`]: twice the values it indexes at most, so that a probe
/// meets few others.
const INDEX_SLOTS: usize = 256;
/// Lists up to this long are looked up in the index; longer ones are scanned.
const INDEXED: usize = INDEX_SLOTS / 2;
const EMPTY: u8 = u8::MAX;

impl Scalar<'_> {
    /// FNV-1a over the value's kind and content; [`AllowedValue::hash`] agrees.
    fn hash(self) -> usize {
        match self {
            Scalar::Bool(flag) => hash_bytes(0, &[flag as u8]),
            Scalar::Int(int) => hash_bytes(1, &int.to_le_bytes()),
            Scalar::Str(text) => hash_bytes(2, text.as_bytes()),
        }
    }
}

impl AllowedValue {
    const fn hash(&self) -> usize {
        match self {
            AllowedValue::Bool(flag) => hash_bytes(0, &[*flag as u8]),
            AllowedValue::Int(int) => hash_bytes(1, &int.to_le_bytes()),
            AllowedValue::Str(text) => hash_bytes(2, text.as_bytes()),
        }
    }
}

const fn hash_bytes(kind: u8, bytes: &[u8]) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ kind as u64;
    let mut at = 0;
    while at < bytes.len() {
        hash = (hash ^ bytes[at] as u64).wrapping_mul(0x0000_0100_0000_01b3);
        at += 1;
    }
    // Fold the high bits, which FNV mixes best, into the slot number.
    (hash ^ (hash >> 32)) as usize
}

/// The index of `values`, or an empty one when [`AllowedValues::contains`] will not use it.
const fn build_index(values: &[AllowedValue]) -> [u8; INDEX_SLOTS] {
    let mut index = [EMPTY; INDEX_SLOTS];
    if values.len() <= SCANNED || values.len() > INDEXED {
        return index;
    }
    let mut value = 0;
    while value < values.len() {
        let mut slot = values[value].hash() % INDEX_SLOTS;
        while index[slot] != EMPTY {
            slot = (slot + 1) % INDEX_SLOTS;
        }
        index[slot] = value as u8;
        value += 1;
    }
    index
}

/// Whether no string in `values` holds a byte JSON must escape.
const fn plain_strings(values: &[AllowedValue]) -> bool {
    let mut index = 0;
    while index < values.len() {
        if let AllowedValue::Str(text) = values[index] {
            let bytes = text.as_bytes();
            let mut at = 0;
            while at < bytes.len() {
                if needs_escaping(bytes[at]) {
                    return false;
                }
                at += 1;
            }
        }
        index += 1;
    }
    true
}

/// A byte JSON must escape inside a string: a quote, a backslash or a control character.
pub(super) const fn needs_escaping(byte: u8) -> bool {
    matches!(byte, b'"' | b'\\' | 0..=0x1f)
}

#[inline]
fn equals(allowed: &AllowedValue, probe: Scalar<'_>) -> bool {
    match (*allowed, probe) {
        (AllowedValue::Bool(allowed), Scalar::Bool(probe)) => allowed == probe,
        (AllowedValue::Int(allowed), Scalar::Int(probe)) => allowed == probe,
        (AllowedValue::Str(allowed), Scalar::Str(probe)) => allowed == probe,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AllowedValue::{Bool, Int, Str};

    #[test]
    fn lists_of_every_length_find_exactly_their_values() {
        // Scanned (up to 4), indexed (5 to 128), scanned again (more), in any order.
        for length in [1, 4, 5, 100, 128, 129, 300] {
            let mut values: Vec<AllowedValue> = (0..length)
                .map(|index| match index % 3 {
                    0 => Str(String::leak(format!("role{index:03}"))),
                    1 => Int(index as i64 * 7 - 50),
                    _ => Bool(index % 2 == 0),
                })
                .collect();
            values.reverse();
            let allowed = AllowedValues::new(&values);
            for value in &values {
                let probe = match *value {
                    Bool(flag) => Scalar::Bool(flag),
                    Int(int) => Scalar::Int(int),
                    Str(text) => Scalar::Str(text),
                };
                assert!(allowed.contains(probe), "{value:?} among {length}");
            }
            for absent in [Scalar::Str("role"), Scalar::Int(-51), Scalar::Str("7")] {
                assert!(!allowed.contains(absent), "{absent:?} among {length}");
            }
        }
    }

    #[test]
    fn strings_that_need_escaping_are_noticed() {
        assert!(
            AllowedValues::new(&[Str("admin"), Str("é"), Str("a\u{7f}"), Int(1)]).plain_strings
        );
        for special in ["a\"b", "a\\b", "a\nb", "\u{1f}"] {
            assert!(!AllowedValues::new(&[Str("admin"), Str(special)]).plain_strings);
        }
    }

    #[test]
    fn the_values_show_in_debug_output_as_given() {
        let values = [Str("admin"), Int(1), Bool(true)];
        assert_eq!(
            format!("{:?}", AllowedValues::new(&values)),
            format!("{values:?}")
        );
    }
}
