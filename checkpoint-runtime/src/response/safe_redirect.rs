//! Whether a client-supplied redirect target, such as a login form's `next`, stays on this site.
//!
//! The rule accepts what can only ever land on this site and refuses exactly what could leave
//! it, or split a header: the target as it is, and every form a browser, the WHATWG URL parser,
//! a proxy or the app itself could turn it into by decoding it again or by resolving its dot
//! segments, must be a path of this site. `tests/safe_redirect_oracle.rs` holds it against
//! Django's `url_has_allowed_host_and_scheme` and the WHATWG parser over a generated corpus.

use std::borrow::Cow;

/// The longest target accepted, in bytes. A `next` parameter has no reason to be longer, and a
/// bound keeps the check (and the `Location` header it feeds) small.
const MAX_TARGET_LEN: usize = 2048;

/// How many times a target is decoded, looking for what it could become; one still encoded
/// after that many decodings (`%25252525...`) is refused.
const MAX_DECODINGS: usize = 8;

/// Whether `target` is safe to redirect to: a path on this site, never another origin.
///
/// Meant for a login handler following a client-supplied `next` (Flask-Login's `next`, which
/// Flask leaves the app to validate): redirect to `target` when this returns `true`, to a fixed
/// page otherwise.
///
/// ```
/// use checkpoint_runtime::is_safe_redirect;
///
/// // Accepted: a path on this site, however its names are encoded.
/// assert!(is_safe_redirect("/"));
/// assert!(is_safe_redirect("/account/settings?tab=keys#top"));
/// assert!(is_safe_redirect("/@alice")); // `@` after a single slash is part of the path
/// assert!(is_safe_redirect("/caf%C3%A9")); // encoded UTF-8
/// assert!(is_safe_redirect("/files/my%20report.pdf")); // an encoded space
/// assert!(is_safe_redirect("/wiki/AC%2FDC")); // an encoded `/` inside a name
/// assert!(is_safe_redirect("/shop/100%25-cotton")); // an encoded `%`
/// assert!(is_safe_redirect("/docs/../faq")); // resolves to `/faq`
///
/// // Refused: another origin, or something a parser could turn into one.
/// assert!(!is_safe_redirect("//evil.example")); // scheme-relative: another host
/// assert!(!is_safe_redirect("/\\evil.example")); // browsers read `\` as `/`
/// assert!(!is_safe_redirect("https://evil.example")); // any scheme
/// assert!(!is_safe_redirect("javascript:alert(1)"));
/// assert!(!is_safe_redirect("/\t/evil.example")); // browsers drop tabs and newlines
/// assert!(!is_safe_redirect("/%2F%2Fevil.example")); // `//` once decoded
/// assert!(!is_safe_redirect("/%252F%252Fevil.example")); // `//` twice decoded
/// assert!(!is_safe_redirect("/..//evil.example")); // `//evil.example` once dots resolve
/// assert!(!is_safe_redirect("/a%0D%0ASet-Cookie:x")); // a header split once decoded
/// assert!(!is_safe_redirect("/\u{2215}\u{2215}evil.example")); // look-alike slashes
/// assert!(!is_safe_redirect("next")); // relative: depends on the current page
/// assert!(!is_safe_redirect(""));
/// ```
///
/// # The rule
///
/// The target is read as the WHATWG URL parser reads a path of an `http(s)` URL: `\` is a `/`,
/// and a segment `.` or `..` (also written `%2e`, in any case) is resolved. It passes when:
///
/// 1. It is 1 to 2048 bytes long.
/// 2. Every byte is printable ASCII or a space (` ` to `~`): a `Location` header can carry it as
///    it is. Refused, and why: control characters (browsers drop tab, CR and LF, so `/\t/host`
///    becomes `//host`; CR and LF could split the header; the others are no part of a URL), DEL,
///    and all non-ASCII, which a header cannot carry as text and which holds look-alikes of `/`
///    and `\` (U+2215, U+2044, U+FF0F, U+FF3C, ...) that a normalising proxy could turn into the
///    real thing; a non-ASCII path is given percent-encoded (`/caf%C3%A9`).
/// 3. It is path-absolute: its first character is `/` (or `\`) and its second is not. This
///    refuses `//host`, `/\host`, `\\host`, every scheme (`https:`, `javascript:`, `data:`, in
///    any case, since a scheme cannot start with `/`), every absolute URL and so every userinfo
///    (`http://a@b`), and every relative reference (`next`, `./x`, `../x`), whose meaning depends
///    on the page it is resolved against.
/// 4. Once its dot segments are resolved, its path does not start with `//` either: `/..//host`
///    is `//host` to whoever normalises the path and then redirects to it.
/// 5. The same holds for every form it takes when decoded again, up to eight times (an app
///    may decode `next` once more, or a proxy may): `/%2F%2Fhost` decodes to `//host`,
///    `/%252F%252Fhost` to it in two decodings, `/%2E%2E//host` to `/..//host`. A decoded form
///    may hold a space or any non-ASCII byte, but no control character: `%0D%0A` would split a
///    header, `%09` could let a parser join `/` and `/`, `%00` ends a C string, and no page name
///    needs one. A target still encoded after eight decodings is refused.
///
/// Everything else passes: an encoded `/`, `\`, `%`, `.` or space inside a name, `@` and `:` in
/// the path, `//` after the first segment, anything in the query and the fragment. What passes
/// therefore always resolves, against any `http(s)` base URL, to the base's own scheme, host and
/// port, with no userinfo, as it is and decoded any number of times.
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
    if !bytes.iter().all(|&byte| (b' '..=b'~').contains(&byte)) {
        return false;
    }
    let mut form = Cow::Borrowed(bytes);
    for _ in 0..=MAX_DECODINGS {
        if !stays_on_site(&form) {
            return false;
        }
        match decode_once(&form) {
            Some(decoded) => form = Cow::Owned(decoded),
            None => return true,
        }
    }
    false
}

fn is_slash(byte: u8) -> bool {
    byte == b'/' || byte == b'\\'
}

/// Rules 3 to 5 for one form of the target: no control character, path-absolute, and no `//`
/// at the start of its path once its dot segments are resolved.
fn stays_on_site(form: &[u8]) -> bool {
    if form.iter().any(|&byte| byte < b' ' || byte == 0x7f) {
        return false;
    }
    let path_absolute = form.first().is_some_and(|&byte| is_slash(byte))
        && !form.get(1).is_some_and(|&byte| is_slash(byte));
    path_absolute && !resolves_to_double_slash(form)
}

/// Whether the path of `form` (up to its query or fragment) starts with `//` once its dot
/// segments are resolved as the WHATWG URL parser resolves them.
fn resolves_to_double_slash(form: &[u8]) -> bool {
    let end = form
        .iter()
        .position(|&byte| byte == b'?' || byte == b'#')
        .unwrap_or(form.len());
    // The path starts with a slash (rule 3); what follows is its segments.
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut rest = form[1..end].split(|&byte| is_slash(byte)).peekable();
    while let Some(segment) = rest.next() {
        let last = rest.peek().is_none();
        if is_double_dot(segment) {
            segments.pop();
            if last {
                segments.push(b"");
            }
        } else if is_single_dot(segment) {
            if last {
                segments.push(b"");
            }
        } else {
            segments.push(segment);
        }
    }
    segments.len() > 1 && segments[0].is_empty()
}

/// `.` or `%2e`, in any case: a segment the WHATWG parser removes.
fn is_single_dot(segment: &[u8]) -> bool {
    segment == b"." || segment.eq_ignore_ascii_case(b"%2e")
}

/// `..`, `.%2e`, `%2e.` or `%2e%2e`, in any case: a segment that removes the one before it.
fn is_double_dot(segment: &[u8]) -> bool {
    [&b".."[..], b".%2e", b"%2e.", b"%2e%2e"]
        .iter()
        .any(|dots| segment.eq_ignore_ascii_case(dots))
}

/// `form` with every well-formed escape (`%` and two hex digits) decoded once, or `None` when it
/// holds none. Anything else, a lone `%` included, stays as it is, as browsers leave it.
fn decode_once(form: &[u8]) -> Option<Vec<u8>> {
    let escape_at = |at: usize| -> Option<u8> {
        let hex = form.get(at + 1..at + 3)?;
        let digit = |byte: u8| char::from(byte).to_digit(16);
        Some((digit(hex[0])? * 16 + digit(hex[1])?) as u8)
    };
    let first = (0..form.len()).find(|&at| form[at] == b'%' && escape_at(at).is_some())?;
    let mut decoded = form[..first].to_vec();
    let mut at = first;
    while at < form.len() {
        match (form[at] == b'%').then(|| escape_at(at)).flatten() {
            Some(byte) => {
                decoded.push(byte);
                at += 3;
            }
            None => {
                decoded.push(form[at]);
                at += 1;
            }
        }
    }
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_once_decodes_each_well_formed_escape_once() {
        assert_eq!(decode_once(b"/a"), None);
        assert_eq!(decode_once(b"/a%"), None);
        assert_eq!(decode_once(b"/a%zz%2"), None);
        assert_eq!(decode_once(b"/%2F%2f").as_deref(), Some(&b"///"[..]));
        assert_eq!(decode_once(b"/%252F").as_deref(), Some(&b"/%2F"[..]));
        assert_eq!(decode_once(b"/%%41%").as_deref(), Some(&b"/%A%"[..]));
    }

    #[test]
    fn dot_segments_resolve_as_the_whatwg_parser_resolves_them() {
        for leaves in [
            "/..//x",
            "/a/..//x",
            "/./%2e%2e//x?y",
            "/%2E%2E//x",
            "/.//x",
            "/a/b/../..//x",
        ] {
            assert!(resolves_to_double_slash(leaves.as_bytes()), "{leaves}");
        }
        for stays in [
            "/",
            "/..",
            "/../x",
            "/a//b",
            "/a/..",
            "/x?..//y",
            "/x#/..//y",
            "/...//x",
        ] {
            assert!(!resolves_to_double_slash(stays.as_bytes()), "{stays}");
        }
    }
}
