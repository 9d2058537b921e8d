//! Comparing secrets (API keys, bearer tokens, CSRF tokens) in constant time.

use subtle::ConstantTimeEq;

/// Whether `provided` equals `expected`, in time that depends only on their lengths, never on
/// where they first differ, so a client cannot find a key byte by byte from response times.
/// An empty `expected` matches nothing: an unset key must never open the door.
pub(crate) fn secrets_match(provided: &[u8], expected: &[u8]) -> bool {
    !expected.is_empty() && bool::from(provided.ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::secrets_match;

    #[test]
    fn only_equal_non_empty_secrets_match() {
        assert!(secrets_match(b"s3cret", b"s3cret"));
        assert!(!secrets_match(b"s3cres", b"s3cret"));
        assert!(!secrets_match(b"s3cre", b"s3cret"));
        assert!(!secrets_match(b"s3cret!", b"s3cret"));
        assert!(!secrets_match(b"", b""));
    }
}
