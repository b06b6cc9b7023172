"""Every decoded form of a secret is redacted: JSON-escaped in any mix, base64 at any alignment, URL-encoded, cut."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import httpx
import pytest

from contracts.redact import REDACTED, redact, redact_response

# 43 characters, as the key that leaked 42 of them in the issue.
KEY = "sk-test-0123456789abcdef0123456789abcdefXYZ"
R = REDACTED


def escaped(text: str, every: int = 1) -> str:
    """JSON `\\uXXXX` escapes for every `every`-th character, the rest literal."""
    return "".join(f"\\u{ord(c):04x}" if i % every == 0 else c for i, c in enumerate(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {KEY}.", f"key {R}."),
        (json.dumps({"echo": escaped(KEY)}), json.dumps({"echo": R})),
        (f'{{"echo": "{escaped(KEY)}"}}', f'{{"echo": "{R}"}}'),
        (f'{{"echo": "{escaped(KEY, 3)}"}}', f'{{"echo": "{R}"}}'),
        (f"a={quote(KEY, safe='')}&b=100%", f"a={R}&b=100%"),
        (f"a={''.join(f'%{ord(c):02x}' for c in KEY)}", f"a={R}"),
        (f"a={''.join(f'%{ord(c):02X}' for c in KEY)}", f"a={R}"),
        (f"first {KEY[:42]}…", f"first {R}…"),
        (f"last {KEY[1:]}", f"last {R}"),
        (f"middle {KEY[10:22]} end", f"middle {R} end"),
        (f"too short to tell {KEY[10:21]}", f"too short to tell {KEY[10:21]}"),
        (f"{KEY[:20]}...{KEY[-20:]}", f"{R}...{R}"),
        ("100% sure \\u0041 and \\/ stay", "100% sure \\u0041 and \\/ stay"),
    ],
    ids=[
        "raw", "json-dumps-escaped", "all-escaped", "every-third-escaped", "url-encoded", "url-encoded-lowercase-hex",
        "url-encoded-uppercase-hex", "cut-at-42", "first-char-dropped",
        "any-12-chars", "11-chars-are-not-a-leak", "masked-middle", "unrelated-escapes-untouched",
    ],
)  # fmt: skip
def test_every_text_form_of_the_key_is_redacted_exactly(text: str, expected: str) -> None:
    assert redact(text, (KEY,)) == expected


def test_a_mixed_escape_with_uppercase_hex_digits_is_redacted() -> None:
    mixed = "".join(f"\\u{ord(c):04X}" if i % 2 else c for i, c in enumerate(KEY))
    assert redact(f"[{mixed}]", (KEY,)) == f"[{R}]"


@pytest.mark.parametrize("prefix", ["", "Bearer ", "Api-Key "])
@pytest.mark.parametrize("lead", [b"", b"a", b"ab"], ids=["aligned", "offset-1", "offset-2"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode], ids=["standard", "urlsafe"])
def test_base64_of_the_key_and_of_authorization_values_is_redacted_at_every_alignment(
    prefix: str, lead: bytes, encode: object
) -> None:
    assert callable(encode)
    encoded = encode(lead + (prefix + KEY).encode() + b"}").decode()
    # Only the characters that mix bits of the neighbours (at most 3 at each end, padding included) remain.
    assert re.fullmatch(rf".{{0,3}}{re.escape(R)}.{{0,4}}", redact(f"{encoded}", (KEY,)))


def test_base64_cut_short_still_loses_every_run_of_16_characters() -> None:
    encoded = base64.b64encode(KEY.encode()).decode()
    assert redact(encoded[:30], (KEY,)) == R
    assert redact(encoded[4:19], (KEY,)) == encoded[4:19]


def test_a_response_echoing_the_key_escaped_and_in_base64_is_redacted_in_body_and_headers() -> None:
    token = base64.b64encode(f"Bearer {KEY}".encode()).decode()
    body = f'{{"echo": "{escaped(KEY, 2)}", "cut": "{KEY[:42]}", "b64": "{token}"}}'.encode()
    request = httpx.Request("GET", "http://127.0.0.1/v1/responses/resp_1")
    response = httpx.Response(200, headers={"X-Echo": token, "X-Cut": KEY[3:20]}, content=body, request=request)
    clean = redact_response(response, (KEY,))
    assert json.loads(clean.content) == {"echo": R, "cut": R, "b64": R}
    assert (clean.headers["X-Echo"], clean.headers["X-Cut"]) == (R, R)


def test_short_secrets_are_only_redacted_whole_and_values_under_six_characters_never() -> None:
    assert redact("tenant-abc and tenant-ab", ("tenant-abc", "42")) == f"{R} and tenant-ab"
    assert redact("id 42", ("42",)) == "id 42"
