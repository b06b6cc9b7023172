"""Redaction: keys and tenant ids never reach stdout, reports, repro commands or recorded bodies."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

REDACTED = "[REDACTED]"
# Shown as placeholders wherever requests are shown: headers that carry credentials or identify the tenant.
SECRET_HEADERS = frozenset({"authorization", "x-on-behalf-of", "openai-project", "x-api-key", "api-key", "cookie"})
KEY_LIKE_HEADER = re.compile(r"key|token|secret|auth|cookie|session|signature|password", re.IGNORECASE)
# Shorter values (a tenant id like `42`) would shred unrelated text if replaced everywhere.
MIN_SECRET_LENGTH = 6
# Headers that describe the wire encoding of a body; a redacted body is rebuilt, so they no longer apply.
WIRE_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def is_secret_header(name: str) -> bool:
    """Whether a header's value is a credential (a known one, or any name that looks like one)."""
    return name.lower() in SECRET_HEADERS or KEY_LIKE_HEADER.search(name) is not None


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as sent and as it reads JSON-escaped or URL-encoded in an echo, longest first."""
    forms = set()
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            forms.update({secret, json.dumps(secret)[1:-1], quote(secret, safe="")})
    return tuple(sorted(forms, key=len, reverse=True))


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every form of every secret in a text."""
    for form in secret_forms(secrets):
        text = text.replace(form, REDACTED)
    return text


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


def redact_response(response: httpx.Response, secrets: Iterable[str]) -> httpx.Response:
    """The answer with every echoed secret replaced in its body and headers (the same object when clean)."""
    forms = secret_forms(secrets)
    if not forms:
        return response
    content = response.content
    for form in forms:
        content = content.replace(form.encode(), REDACTED.encode())
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in WIRE_HEADERS]
    clean_headers = [(k, redact(v, forms)) for k, v in headers]
    if content == response.content and clean_headers == headers:
        return response
    clean = httpx.Response(response.status_code, headers=clean_headers, content=content, request=response.request)
    try:
        clean.elapsed = response.elapsed
    except RuntimeError:  # a transport that never timed the exchange; schemathesis still reads the field
        clean.elapsed = datetime.timedelta(0)
    return clean
