"""Redaction: keys and tenant ids never reach stdout, reports, repro commands or recorded bodies."""

from __future__ import annotations

import base64
import bisect
import dataclasses
import datetime
import functools
import re
from collections.abc import Iterable
from typing import Any, TypeVar

import httpx

REDACTED = "[REDACTED]"
# Shown as placeholders wherever requests are shown: headers that carry credentials or identify the tenant.
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cookie"})
# Tenant ids count too (`X-On-Behalf-Of`, a project, folder or organization header): they identify the account.
KEY_LIKE_HEADER = re.compile(
    r"key|token|secret|auth|cookie|session|signature|password|project|folder|organization|tenant|behalf", re.IGNORECASE
)
# Shorter values (a tenant id like `42`) would shred unrelated text if replaced everywhere.
MIN_SECRET_LENGTH = 6
# Any run of this many characters of a secret is a leak (a truncated or partly masked echo), and of base64 of it.
MIN_LEAK = 12
MIN_LEAK_BASE64 = 16
AUTH_SCHEMES = ("Bearer ", "Api-Key ")
URLSAFE = str.maketrans("+/", "-_")
# Headers that describe the wire encoding of a body; a redacted body is rebuilt, so they no longer apply.
WIRE_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def is_secret_header(name: str) -> bool:
    """Whether a header's value is a credential (a known one, or any name that looks like one)."""
    return name.lower() in SECRET_HEADERS or KEY_LIKE_HEADER.search(name) is not None


def header_secrets(headers: Iterable[tuple[str, str]]) -> set[str]:
    """The credential values a request's headers carry: each whole value, and the key after an auth scheme."""
    found = set()
    for name, value in headers:
        value = value.strip()
        if is_secret_header(name) and value:
            found.add(value)
            for scheme in AUTH_SCHEMES:
                if value.lower().startswith(scheme.lower()):
                    found.add(value[len(scheme) :].strip())
    return found


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as it may be echoed: whole, any run of `MIN_LEAK` of its characters, and base64 of it alone or
    in an Authorization value (`Bearer <key>`, `Api-Key <key>`) at each of the three byte alignments, in both
    alphabets, whole or in runs of `MIN_LEAK_BASE64` characters. Longest first."""
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) < MIN_SECRET_LENGTH:
            continue
        forms.add(secret)
        forms.update(_windows(secret, MIN_LEAK))
        for prefix in ("", *AUTH_SCHEMES):
            for encoded in _base64_forms((prefix + secret).encode()):
                forms.add(encoded)
                if not prefix:
                    forms.update(_windows(encoded, MIN_LEAK_BASE64))
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


def _windows(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(len(text) - size + 1)] if len(text) > size else []


def _base64_forms(data: bytes) -> set[str]:
    """The base64 characters that depend only on `data`, wherever it starts relative to a 3-byte group."""
    found = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        # Characters mixing bits of the unknown neighbours are dropped at both ends.
        start, end = -(-offset * 8 // 6), (offset + len(data)) * 8 // 6
        for alphabet in (encoded, encoded.translate(URLSAFE)):
            if end - start >= MIN_LEAK:
                # Where `data` ends the encoding, its last character and the padding are the secret's too.
                found.update({alphabet[start:end], alphabet[start:], alphabet[start:].rstrip("=")})
    return found


# How a character may be escaped in an echo, in any mix with literal ones: JSON `\\uXXXX` and `\\/` (escaped once or
# more: JSON inside JSON), or URL `%XX`.
_ESCAPED = re.compile(r"\\+u([0-9a-fA-F]{4})|\\+(/)|%([0-9a-fA-F]{2})")


class _Decoded:
    """A text with escapes decoded, and a map back: spans found in the decoded text are redacted in the original."""

    def __init__(self, text: str) -> None:
        self.text, self.decoded_at, self.original_at = text, [0], [0]
        if "\\" not in text and "%" not in text:
            return
        pieces, last, shift = [], 0, 0
        for match in _ESCAPED.finditer(text):
            hex_code, slash, pct = match.groups()
            pieces += [text[last : match.start()], chr(int(hex_code or pct, 16)) if slash is None else "/"]
            # Each escape is one decoded character: the map gets a breakpoint on either side of it.
            start = match.start() - shift
            shift += len(match.group()) - 1
            self.decoded_at += [start, start + 1]
            self.original_at += [match.start(), match.end()]
            last = match.end()
        self.text = "".join(pieces) + text[last:]

    def original(self, position: int) -> int:
        index = bisect.bisect_right(self.decoded_at, position) - 1
        return self.original_at[index] + position - self.decoded_at[index]


@functools.lru_cache(maxsize=64)
def _forms(secrets: tuple[str, ...]) -> tuple[str, ...]:
    return secret_forms(secrets)


def _spans(text: str, secrets: tuple[str, ...]) -> list[tuple[int, int]]:
    forms = _forms(secrets)
    if not forms:
        return []
    decoded = _Decoded(text)
    found = []
    for form in forms:
        at = decoded.text.find(form)
        while at >= 0:
            found.append((at, at + len(form)))
            at = decoded.text.find(form, at + 1)
    merged: list[tuple[int, int]] = []
    # Overlapping and touching finds (runs of windows) become one span, so no leaked stretch is left in pieces.
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [(decoded.original(start), decoded.original(end)) for start, end in merged]


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], REDACTED]
        last = end
    return "".join(parts) + text[last:]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every form of every secret in a text (see `secret_forms`), escaped or encoded in any mix."""
    return _replace(text, _spans(text, tuple(secrets)))


def redact_tree(value: Any, secrets: Iterable[str]) -> Any:
    """A JSON-like value with every string (keys included) redacted."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_tree(k, secrets): redact_tree(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(item, secrets) for item in value]
    return value


def redact_response(response: httpx.Response, secrets: Iterable[str]) -> httpx.Response:
    """The answer with every echoed secret replaced in its body and headers (the same object when clean)."""
    secrets = tuple(secrets)
    if not _forms(secrets):
        return response
    # Latin-1 maps each byte to one character, so spans found in the text are the same spans of the bytes.
    text = response.content.decode("latin-1")
    content = _replace(text, _spans(text, secrets)).encode("latin-1")
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in WIRE_HEADERS]
    clean_headers = [(k, redact(v, secrets)) for k, v in headers]
    if content == response.content and clean_headers == headers:
        return response
    clean = httpx.Response(
        response.status_code,
        headers=clean_headers,
        content=content,
        request=response.request,
        extensions=response.extensions,  # marks such as a body cut at the size cap
    )
    try:
        clean.elapsed = response.elapsed
    except RuntimeError:  # a transport that never timed the exchange; schemathesis still reads the field
        clean.elapsed = datetime.timedelta(0)
    return clean


Record = TypeVar("Record")


def redact_record(record: Record, secrets: Iterable[str]) -> Record:
    """A frozen dataclass with every plain string field redacted (enums and numbers are ours, never secret)."""
    secrets = tuple(secrets)
    changes = {
        field.name: redact(value, secrets)
        for field in dataclasses.fields(record)  # type: ignore[arg-type]
        if type(value := getattr(record, field.name)) is str
    }
    return dataclasses.replace(record, **changes)  # type: ignore[type-var]
