#!/usr/bin/env python3
"""Writes tests/data/redirect_oracle.jsonl: a generated corpus of redirect targets, each with the
verdict of Django's `url_has_allowed_host_and_scheme` (no allowed hosts, so only targets without a
host can pass), for tests/safe_redirect.rs to hold `is_safe_redirect` against.

The corpus: every byte percent-encoded (upper and lower case hex, and encoded twice) in every
position of a path, query and fragment, and doubled where a `//` would lead off-site; raw ASCII
bytes in the same places; look-alikes of `/` and `\\`; dot segments in every spelling; the
classic open-redirect payloads; and paths that are plainly on this site.

    python3 -m venv /tmp/django && /tmp/django/bin/pip install 'django==5.2.*'
    /tmp/django/bin/python scripts/redirect_oracle.py > tests/data/redirect_oracle.jsonl
"""

import json

from django.utils.http import url_has_allowed_host_and_scheme


def corpus():
    targets = []
    seen = set()

    def add(target):
        if target not in seen:
            seen.add(target)
            targets.append(target)

    one_place = ["/{}x", "/a/b{}c", "/a{}", "/a?q={}", "/a#{}", "{}", "/{}/evil.example"]
    for byte in range(256):
        for escape in (f"%{byte:02X}", f"%{byte:02x}", f"%25{byte:02X}"):
            for shape in one_place:
                add(shape.format(escape))
            add(f"/{escape}{escape}evil.example")
            add(f"/a/..{escape}{escape}evil.example")
    for byte in range(128):
        raw = chr(byte)
        for shape in ["/{}x", "/a{}b", "{}/x", "/{}/evil.example", "/a{}"]:
            add(shape.format(raw))
    for raw in ["\u2215", "\u2044", "\uff0f", "\uff3c", "\u29f5", "\u00a0", "\u2028", "\u3000",
                "\ufeff", "\u00e9"]:
        for shape in ["/{}x", "/{}{}evil.example", "{}{}evil.example", "/a{}b"]:
            add(shape.format(raw, raw))
    dots = [".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2e%2e", "%2E%2E", "%252e%252e", "...", ".a"]
    for dot in dots:
        for shape in ["/{0}", "/{0}/", "/{0}/x", "/a/{0}/x", "/{0}//evil.example",
                      "/a/{0}//evil.example", "/a/b/{0}/{0}//evil.example",
                      "/{0}/%2Fevil.example", "/{0}?x", "/x/{0}#y", "/{0}/\\evil.example",
                      "\\{0}//evil.example"]:
            add(shape.format(dot))
    for target in [
        "", "/", "//", "///", "////evil.example", "//evil.example", "///evil.example",
        "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
        "\\evil.example", "https://evil.example", "HTTPS://evil.example", "https:evil.example",
        "https:/evil.example", "http://site.example@evil.example", "javascript:alert(1)",
        "JavaScript:alert(1)", "data:text/html,x", "evil.example", "next", "./x", "../x",
        "?next=/", "#top", "/\t/evil.example", "/\r\n/evil.example", " /x", "/x ", "\t//evil",
        "/@evil.example", "/evil.example:443", "/javascript:alert(1)", "/?next=//evil.example",
        "/#//evil.example", "/a//b", "/a\\b", "/" + "a" * 2048, "/" + "a" * 2047,
        "/%2525252525252525252F", "/%25252F%25252Fevil.example", "/a%2525252525252525252541",
        "/a%25252525252525252541",
    ]:
        add(target)
    for target in [
        "/files/my%20report.pdf", "/caf%C3%A9", "/wiki/AC%2FDC", "/shop/100%25-cotton",
        "/search?q=a%20b&x=%2F%2F", "/a/b%2Ec", "/%7Euser/", "/files/%E2%82%AC%20price",
        "/docs/../faq", "/a/./b", "/.well-known/security.txt", "/a%3Fb", "/a%23b?c#d",
        "/download/r%C3%A9sum%C3%A9%20(final).pdf", "/tag/c%2B%2B", "/a;b=c/d",
    ]:
        add(target)
    return targets


def main():
    for target in corpus():
        verdict = url_has_allowed_host_and_scheme(target, allowed_hosts=None)
        print(json.dumps({"target": target, "django": verdict}, ensure_ascii=True))


if __name__ == "__main__":
    main()
