//! Whether a client-supplied redirect target, such as a login form's `next`, stays on this site.
//!
//! The rule is an allow-list, not a list of known tricks: a target passes only when it is a
//! short, plain-ASCII, path-absolute reference whose meaning cannot change when a browser, the
//! WHATWG URL parser, a proxy or a framework normalises or decodes it once more.

/// The longest target accepted, in bytes. A `next` parameter has no reason to be longer, and a
/// bound keeps the check (and the `Location` header it feeds) small.
const MAX_TARGET_LEN: usize = 2048;

/// Whether `target` is safe to redirect to: a path on this site, never another origin.
///
/// Meant for a login handler following a client-supplied `next` (Flask-Login's `next`, which
/// Flask leaves the app to validate): redirect to `target` when this returns `true`, to a fixed
/// page otherwise.
///
/// ```
/// use checkpoint_runtime::is_safe_redirect;
///
/// // Accepted: a path on this site, with or without query and fragment.
/// assert!(is_safe_redirect("/"));
/// assert!(is_safe_redirect("/account/settings?tab=keys#top"));
/// assert!(is_safe_redirect("/@alice")); // `@` after a single slash is part of the path
/// assert!(is_safe_redirect("/caf%C3%A9")); // encoded UTF-8 is fine
///
/// // Refused: another origin, or something a parser could turn into one.
/// assert!(!is_safe_redirect("//evil.example")); // scheme-relative: another host
/// assert!(!is_safe_redirect("/\\evil.example")); // browsers read `\` as `/`
/// assert!(!is_safe_redirect("https://evil.example")); // any scheme
/// assert!(!is_safe_redirect("javascript:alert(1)"));
/// assert!(!is_safe_redirect("/\t/evil.example")); // browsers drop tabs and newlines
/// assert!(!is_safe_redirect("/%2F%2Fevil.example")); // `//` once decoded
/// assert!(!is_safe_redirect("/%252F%252Fevil.example")); // `//` twice decoded
/// assert!(!is_safe_redirect("/\u{2215}\u{2215}evil.example")); // look-alike slashes
/// assert!(!is_safe_redirect("next")); // relative: depends on the current page
/// assert!(!is_safe_redirect("/../admin")); // dot segments
/// assert!(!is_safe_redirect(""));
/// ```
///
/// # The rule
///
/// A target passes when all of these hold:
///
/// 1. It is 1 to 2048 bytes long.
/// 2. Every byte is printable ASCII other than space (`!` to `~`). This refuses control
///    characters anywhere (browsers silently drop tab, CR and LF, so `/\t/host` becomes
///    `//host`; CR and LF could also split a header), DEL, spaces (leading and trailing ones
///    are trimmed by URL parsers), and all non-ASCII, which covers Unicode whitespace and line
///    separators as well as look-alikes of `/` and `\` (U+2215, U+2044, U+FF0F, U+FF3C,
///    U+29F5, ...) that a normalising proxy or IDNA mapping could turn into the real thing.
///    Refusing all of them is simpler and sounder than listing the dangerous ones; a non-ASCII
///    path can still be given percent-encoded.
/// 3. It contains no `\` anywhere: the WHATWG URL parser reads `\` as `/` in `http(s)` URLs.
/// 4. It starts with `/` and its second byte is not `/`. With (3), this refuses `//host`,
///    `/\host`, `\\host`, every scheme (`https:`, `javascript:`, `data:`, in any case, since a
///    scheme cannot start with `/`), every absolute URL and so every userinfo (`http://a@b`),
///    and every relative reference (`next`, `./x`, `../x`), whose meaning depends on the page
///    it is resolved against.
/// 5. Every `%` starts a well-formed escape (`%` and two hex digits), and no escape encodes
///    `/`, `\`, `%`, `.`, a space or a control character (`%2F`, `%5C`, `%25`, `%2E`,
///    `%20`, `%00`–`%1F`, `%7F`, in any case). A target that is decoded once more (by a
///    framework, a proxy, or the app itself when it reads `next`) must not turn into one of
///    the refused forms above: `/%2F%2Fhost` would decode to `//host`, `/%09/host` to
///    `/\t/host`, and `%25` is how a double encoding such as `/%252F%252Fhost` survives one
///    decoding. Paths rarely need these escapes; `%2E` encodes an unreserved character, which
///    RFC 3986 says should not be encoded at all. Other escapes (`%3F`, `%C3%A9`) pass.
/// 6. No segment of the path (before any `?` or `#`) is `.` or `..`. Resolving `/..//host`
///    keeps this site's host, but a server or library that normalises the path first can
///    turn it into `//host`; refusing dot segments removes that doubt.
///
/// What passes therefore always resolves, against any `http(s)` base URL, to the base's own
/// scheme, host and port, with no userinfo.
///
/// The input is a `&str`, so it is UTF-8. A caller that decodes `next` from raw bytes itself
/// (rather than through `web::Query` or `web::Form`, which produce strings) must refuse
/// invalid UTF-8 rather than decode it lossily: a replacement character would pass a check
/// the original bytes never faced.
#[must_use]
pub fn is_safe_redirect(target: &str) -> bool {
    let bytes = target.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_TARGET_LEN {
        return false;
    }
    if !bytes
        .iter()
        .all(|&byte| byte.is_ascii_graphic() && byte != b'\\')
    {
        return false;
    }
    if bytes[0] != b'/' || bytes.get(1) == Some(&b'/') {
        return false;
    }
    escapes_are_harmless(bytes) && !has_dot_segment(target)
}

/// Rule 5: every `%` starts an escape of two hex digits, none of them of a byte that could
/// change the target's meaning once decoded.
fn escapes_are_harmless(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&byte| byte == b'%') {
        let decoded = match rest.get(at + 1..at + 3) {
            Some(&[high, low]) => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        let Some((high, low)) = decoded else {
            return false;
        };
        let byte = high << 4 | low;
        if byte <= b' ' || matches!(byte, b'/' | b'\\' | b'%' | b'.' | 0x7f) {
            return false;
        }
        rest = &rest[at + 3..];
    }
    true
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Rule 6: whether the path part of `target` has a `.` or `..` segment.
fn has_dot_segment(target: &str) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    path.split('/').any(|segment| matches!(segment, "." | ".."))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use url::Url;

    use super::*;

    const BASE: &str = "https://site.example/";

    /// `cases` cases, with no regression files written into the source tree.
    fn quiet_config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// Whether `target`, followed from a page of this site, stays on it: same scheme, host and
    /// port, and no userinfo.
    fn stays_on_site(target: &str) -> bool {
        ["https://site.example/", "https://site.example/a/b/c?q=1#f"]
            .into_iter()
            .all(|base| {
                let base = Url::parse(base).expect("a valid base");
                base.join(target).is_ok_and(|joined| {
                    joined.scheme() == "https"
                        && joined.host_str() == Some("site.example")
                        && joined.port().is_none()
                        && joined.username().is_empty()
                        && joined.password().is_none()
                })
            })
    }

    /// Once percent-decoded, an accepted target must still look like a same-site path: one
    /// leading `/`, no backslash, no control character.
    fn decodes_to_a_plain_path(target: &str) -> bool {
        let decoded: Vec<u8> = percent_decode(target.as_bytes());
        decoded.first() == Some(&b'/')
            && !matches!(decoded.get(1), Some(b'/' | b'\\'))
            && !decoded.iter().any(|&byte| byte < b' ' || byte == 0x7f)
    }

    fn percent_decode(bytes: &[u8]) -> Vec<u8> {
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut at = 0;
        while at < bytes.len() {
            let escape = (bytes[at] == b'%')
                .then(|| bytes.get(at + 1..at + 3))
                .flatten()
                .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
            match escape {
                Some(byte) => {
                    decoded.push(byte);
                    at += 3;
                }
                None => {
                    decoded.push(bytes[at]);
                    at += 1;
                }
            }
        }
        decoded
    }

    /// Checks every property an accepted target must have.
    fn assert_accepted_is_harmless(target: &str) {
        assert!(stays_on_site(target), "{target:?} leaves the site");
        assert!(
            decodes_to_a_plain_path(target),
            "{target:?} decodes to something else"
        );
    }

    #[test]
    fn the_table_of_targets() {
        let cases: &[(&str, bool, &str)] = &[
            // Accepted.
            ("/", true, "the root"),
            ("/login", true, "a plain path"),
            ("/a/b/c", true, "nested path"),
            (
                "/a//b",
                true,
                "a double slash after the first segment stays in the path",
            ),
            ("/account?tab=keys", true, "a query"),
            ("/account#top", true, "a fragment"),
            (
                "/?next=//evil.example",
                true,
                "`//` inside the query is data",
            ),
            ("/#//evil.example", true, "`//` inside the fragment is data"),
            (
                "/@evil.example",
                true,
                "`@` after one slash is part of the path",
            ),
            (
                "/evil.example:443",
                true,
                "a colon after one slash is part of the path",
            ),
            (
                "/javascript:alert(1)",
                true,
                "a scheme-like first segment is a path",
            ),
            ("/caf%C3%A9", true, "encoded UTF-8"),
            ("/search?q=a%26b", true, "an encoded `&`"),
            ("/a%3Fb", true, "an encoded `?`"),
            ("/.well-known/x", true, "a dot inside a segment"),
            ("/a/...", true, "three dots are a name, not a dot segment"),
            ("/x?y=../z", true, "dots in the query are data"),
            ("/~user/", true, "tilde"),
            // Refused: other origins.
            ("//evil.example", false, "scheme-relative URL"),
            (
                "///evil.example",
                false,
                "three slashes are still scheme-relative",
            ),
            ("/\\evil.example", false, "browsers read `\\` as `/`"),
            ("\\\\evil.example", false, "two backslashes"),
            ("\\/evil.example", false, "backslash then slash"),
            ("/\\/evil.example", false, "slash, backslash, slash"),
            ("/a\\b", false, "a backslash anywhere"),
            ("https://evil.example", false, "an absolute URL"),
            ("HTTPS://evil.example", false, "a scheme in capitals"),
            ("https:evil.example", false, "a scheme without slashes"),
            ("https:/evil.example", false, "a scheme with one slash"),
            ("javascript:alert(1)", false, "javascript scheme"),
            (
                "JavaScript:alert(1)",
                false,
                "javascript scheme, mixed case",
            ),
            ("data:text/html,<script>", false, "data scheme"),
            ("http://site.example@evil.example", false, "userinfo"),
            ("http://a@b", false, "userinfo"),
            // Refused: whitespace and control characters.
            ("/\t/evil.example", false, "browsers drop tabs"),
            ("/\r\n/evil.example", false, "CR LF"),
            ("/a\nb", false, "LF"),
            ("/a\0b", false, "NUL"),
            ("/a\u{7f}", false, "DEL"),
            (" /a", false, "leading space"),
            ("/a ", false, "trailing space"),
            ("/a b", false, "inner space"),
            ("\t//evil.example", false, "leading tab"),
            ("/a\u{a0}", false, "no-break space"),
            ("/a\u{2028}", false, "line separator"),
            ("/a\u{3000}", false, "ideographic space"),
            // Refused: look-alikes and other non-ASCII.
            ("/\u{2215}evil.example", false, "division slash"),
            ("/\u{2044}evil.example", false, "fraction slash"),
            ("/\u{ff0f}evil.example", false, "fullwidth solidus"),
            ("/\u{ff3c}evil.example", false, "fullwidth reverse solidus"),
            ("/\u{29f5}evil.example", false, "reverse solidus operator"),
            (
                "\u{ff0f}\u{ff0f}evil.example",
                false,
                "fullwidth double slash",
            ),
            ("/café", false, "raw non-ASCII: encode it"),
            // Refused: encodings.
            ("/%2F%2Fevil.example", false, "`//` once decoded"),
            (
                "/%2f%2fevil.example",
                false,
                "`//` once decoded, lower case",
            ),
            ("/%5Cevil.example", false, "`/\\` once decoded"),
            ("%2F%2Fevil.example", false, "does not start with `/`"),
            ("/%252F%252Fevil.example", false, "`//` twice decoded"),
            ("/%09/evil.example", false, "a tab once decoded"),
            ("/%0D%0ASet-Cookie:x=1", false, "CR LF once decoded"),
            ("/%00", false, "NUL once decoded"),
            ("/%2E%2E/admin", false, "`..` once decoded"),
            ("/a%", false, "a truncated escape"),
            ("/a%2", false, "a truncated escape"),
            ("/a%zz", false, "not hex"),
            // Refused: relative, dot segments, empty, too long.
            ("", false, "empty"),
            ("next", false, "relative path"),
            ("./x", false, "relative path"),
            ("../x", false, "relative path"),
            (".", false, "dot only"),
            ("..", false, "dots only"),
            ("/.", false, "a dot segment"),
            ("/..", false, "a dot-dot segment"),
            ("/../admin", false, "a dot-dot segment"),
            ("/a/./b", false, "a dot segment"),
            ("/..//evil.example", false, "normalises to `//evil.example`"),
            ("/a/..?x", false, "a dot-dot segment before the query"),
            ("?next=/", false, "query only"),
            ("#top", false, "fragment only"),
        ];
        assert!(cases.len() >= 40);
        for &(target, expected, why) in cases {
            assert_eq!(is_safe_redirect(target), expected, "{target:?}: {why}");
            if expected {
                assert_accepted_is_harmless(target);
            }
        }
    }

    #[test]
    fn the_length_limit() {
        let longest = format!("/{}", "a".repeat(MAX_TARGET_LEN - 1));
        assert!(is_safe_redirect(&longest));
        let too_long = format!("/{}", "a".repeat(MAX_TARGET_LEN));
        assert!(!is_safe_redirect(&too_long));
    }

    /// Pieces an attacker combines. Joined in every order below, they cover the usual
    /// open-redirect payloads and many unusual ones.
    const LEADS: &[&str] = &[
        "",
        "/",
        "//",
        "///",
        "\\",
        "\\\\",
        "/\\",
        "\\/",
        "/\\/",
        "%2F",
        "%2f",
        "%5C",
        "/%2F",
        "/%2F%2F",
        "/%5C",
        "/%252F",
        "/%252F%252F",
        "/%25",
        "https:",
        "https://",
        "HTTPS://",
        "http:",
        "hTtP://",
        "javascript:",
        "data:",
        "ftp://",
        "//\t",
        "/\t/",
        "\t",
        " ",
        "\r\n",
        "\0",
        "\u{7f}",
        "\u{a0}",
        "\u{2028}",
        "\u{2029}",
        "\u{feff}",
        "\u{3000}",
        "\u{2215}",
        "\u{2044}",
        "\u{ff0f}",
        "\u{ff3c}",
        "\u{29f5}",
        "\u{ff0f}\u{ff0f}",
        ".",
        "./",
        "..",
        "../",
        "/.",
        "/..",
        "/../",
        "/./",
        "/%2E%2E/",
        "/%09/",
        "/%0D%0A",
        "/%00",
    ];

    const MIDDLES: &[&str] = &[
        "", "/", "//", "\\", "\t", " ", "@", ":", "%2F", "%5C", "%40", ".", "..", "/..", "\n",
        "\u{ff0f}",
    ];

    const HOSTS: &[&str] = &[
        "evil.example",
        "evil.example:443",
        "user@evil.example",
        "user:pass@evil.example",
        "site.example@evil.example",
        "site.example.evil.example",
        "127.0.0.1",
        "[::1]",
        "0x7f.1",
        "evil%2Eexample",
        "evil\u{3002}example",
        "login",
    ];

    const TAILS: &[&str] = &["", "/", "/path?q=1#f", "?//x", "#\\x", " ", "\t", "%00"];

    #[test]
    fn nothing_in_a_large_corpus_of_tricks_leaves_the_site() {
        let mut tried = 0_usize;
        let mut accepted = 0_usize;
        let mut target = String::new();
        for lead in LEADS {
            for middle in MIDDLES {
                for host in HOSTS {
                    for tail in TAILS {
                        target.clear();
                        target.extend([*lead, middle, host, tail]);
                        tried += 1;
                        if is_safe_redirect(&target) {
                            accepted += 1;
                            assert_accepted_is_harmless(&target);
                        }
                        let starts_badly = target.starts_with("//")
                            || target.starts_with("/\\")
                            || !target.starts_with('/');
                        if starts_badly || target.chars().any(char::is_control) {
                            assert!(!is_safe_redirect(&target), "{target:?}");
                        }
                    }
                }
            }
        }
        assert!(tried > 80_000, "{tried} combinations");
        // Some same-site paths are in the corpus, so acceptance is exercised too.
        assert!(accepted > 100, "{accepted} accepted");
    }

    /// A printable, mostly URL-ish string: what the property tests draw targets from.
    fn url_ish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("/".to_owned()),
            Just("\\".to_owned()),
            Just("%".to_owned()),
            Just(":".to_owned()),
            Just("@".to_owned()),
            Just(".".to_owned()),
            Just("?".to_owned()),
            Just("#".to_owned()),
            Just("%2F".to_owned()),
            Just("%5c".to_owned()),
            Just("%25".to_owned()),
            Just("https:".to_owned()),
            "[a-zA-Z0-9]{1,4}",
            "%[0-9a-fA-F]{2}",
            any::<char>().prop_map(String::from),
            (0_u8..0x80).prop_map(|byte| char::from(byte).to_string()),
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(quiet_config(2000))]

        #[test]
        fn whatever_is_accepted_stays_on_the_site(target in url_ish()) {
            if is_safe_redirect(&target) {
                assert_accepted_is_harmless(&target);
            }
        }

        #[test]
        fn accepted_paths_are_accepted(path in "(/[a-zA-Z0-9_~-]{1,8}){1,5}(\\?[a-z]=[a-z0-9]{0,5})?") {
            prop_assert!(is_safe_redirect(&path), "{:?}", path);
        }

        #[test]
        fn dangerous_starts_are_refused(
            start in prop_oneof![
                proptest::sample::select(&["//", "/\\", "https:", "javascript:", "data:", "HTTP://"][..])
                    .prop_map(str::to_owned),
                "[a-zA-Z][a-zA-Z0-9+.-]{0,8}:",
            ],
            rest in url_ish(),
        ) {
            let target = format!("{start}{rest}");
            prop_assert!(!is_safe_redirect(&target), "{:?}", target);
        }

        #[test]
        fn control_characters_anywhere_are_refused(
            before in url_ish(),
            control in prop_oneof![(0_u32..0x20), Just(0x7f_u32), (0x80_u32..0xa0)],
            after in url_ish(),
        ) {
            let control = char::from_u32(control).expect("a control character");
            let target = format!("{before}{control}{after}");
            prop_assert!(!is_safe_redirect(&target), "{:?}", target);
            let target = format!("/{before}{control}{after}");
            prop_assert!(!is_safe_redirect(&target), "{:?}", target);
        }
    }

    #[test]
    fn the_base_used_by_the_checks_is_this_site() {
        let base = Url::parse(BASE).expect("a valid base");
        assert_eq!(base.host_str(), Some("site.example"));
        assert!(!stays_on_site("//evil.example"));
        assert!(!stays_on_site("/\\evil.example"));
        assert!(stays_on_site("/..//evil.example"));
        assert!(!decodes_to_a_plain_path("/%2F%2Fevil.example"));
    }
}
