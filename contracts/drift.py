"""Drift records, and their classification from jsonschema's structured errors (never from message text)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from jsonschema import ValidationError

from contracts.specs import Spec, escape, pointer

# The vocabulary of docs/drift.md (tests/test_catalogue.py checks the two agree); the fakes declare drift in it.
KINDS = (
    "missing-field",
    "type-mismatch",
    "enum-violation",
    "constraint-violation",
    "undocumented-field",
    "undocumented-status",
    "content-type",
    "malformed-body",
    "missing-header",
    "auth-not-enforced",
    "invalid-input-accepted",
    "server-error",
    "behavior",
)
WARNING_KINDS = frozenset({"undocumented-field"})
MAX_VALUE_LENGTH = 200

# The failing keyword decides the kind; everything not listed is a constraint on the value.
KEYWORD_KINDS = {
    "required": "missing-field",
    "dependentRequired": "missing-field",
    "type": "type-mismatch",
    "enum": "enum-violation",
    "const": "enum-violation",
    "additionalProperties": "undocumented-field",
    "unevaluatedProperties": "undocumented-field",
}
UNION_KEYWORDS = ("anyOf", "oneOf")


@dataclass(frozen=True)
class Where:
    """The exchange a drift was found in: enough to locate it in the spec and to reproduce it."""

    provider: str
    operation: str
    method: str
    path: str
    status_code: int
    reproduce: str
    layer: str
    request_index: int = 0
    check: str = ""


@dataclass(frozen=True)
class DriftRecord:
    """One distinct deviation of a provider from its spec."""

    provider: str
    operation: str
    method: str
    path: str
    status_code: int
    kind: str
    severity: str
    location: str
    schema_location: str
    expected: str
    actual: str
    message: str
    basis: str
    reproduce: str
    occurrences: int = 1
    layer: str = ""
    first_request: int = 0
    check: str = ""

    @property
    def fingerprint(self) -> str:
        """Stable across runs: what went wrong where, not the values seen."""
        key = "|".join((self.provider, self.operation, str(self.status_code), self.kind, self.location))
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """The record as written to `drift.json`."""
        return asdict(self) | {"fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftRecord:
        """Read a record back from `drift.json`."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})

    def merged(self, other: DriftRecord) -> DriftRecord:
        """The same drift seen again: keep the first sighting, count both."""
        return replace(self, occurrences=self.occurrences + other.occurrences)


def truncate(value: Any) -> str:
    """A short, JSON-like rendering of a value for `expected`/`actual`."""
    text = value if isinstance(value, str) and not value.startswith(("{", "[")) else json.dumps(value, default=str)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def as_json(value: Any) -> str:
    """A value as JSON text, so `"32"` and `32` read differently in a report."""
    return json.dumps(value, default=str, ensure_ascii=False)


def make_record(
    where: Where,
    *,
    kind: str,
    location: str,
    expected: Any,
    actual: Any,
    message: str,
    schema_location: str = "",
    basis: str = "documented",
) -> DriftRecord:
    """Build a record for an exchange; severity follows from the kind."""
    return DriftRecord(
        provider=where.provider,
        operation=where.operation,
        method=where.method,
        path=where.path,
        status_code=where.status_code,
        kind=kind,
        severity="warning" if kind in WARNING_KINDS else "error",
        location=location,
        schema_location=schema_location,
        expected=truncate(expected),
        actual=truncate(actual),
        message=message,
        basis=basis,
        reproduce=where.reproduce,
        layer=where.layer,
        first_request=where.request_index,
        check=where.check,
    )


def json_type(value: Any) -> str:
    """The JSON type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Descend through `anyOf`/`oneOf` into the branch that matches the value's type.

    A value that fits no branch's type (including `null` where nothing is nullable) stays a type mismatch at the
    union itself.
    """
    if error.validator not in UNION_KEYWORDS or not error.context:
        yield error
        return
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    fitting = [
        errors
        for errors in branches.values()
        if not any(sub.validator == "type" and not sub.relative_path for sub in errors)
    ]
    if not fitting:
        yield error
        return
    for sub in fitting[0]:
        yield from leaf_errors(sub)


def classify(
    spec: Spec, where: Where, errors: Iterable[ValidationError], body: Any, schema_start: str, start_tokens: list[str]
) -> list[DriftRecord]:
    """Turn validation errors of one body into drift records, one per (kind, location)."""
    records: dict[tuple[str, str], DriftRecord] = {}
    for top in errors:
        for error in leaf_errors(top):
            kind = KEYWORD_KINDS.get(str(error.validator), "constraint-violation")
            if error.validator in UNION_KEYWORDS:
                kind = "type-mismatch"
            schema_path = [*start_tokens, *error.absolute_schema_path]
            schema_pointer, nodes = spec.walk_schema_path(schema_start, schema_path)
            basis = "assumed" if any("x-assumed" in node for node in nodes) else "documented"
            for location, expected, actual in _locations(error, kind):
                records.setdefault(
                    (kind, location),
                    make_record(
                        where,
                        kind=kind,
                        location=location,
                        expected=expected,
                        actual=actual,
                        message=_message(kind, location, where.status_code),
                        schema_location=f"{spec.display_path}#{schema_pointer}",
                        basis=basis,
                    ),
                )
    return list(records.values())


def _locations(error: ValidationError, kind: str) -> Iterator[tuple[str, Any, Any]]:
    path = pointer(error.absolute_path)
    if error.validator == "required":
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield f"{path}/{escape(name)}", "present (required)", "absent"
        return
    if kind == "undocumented-field" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        for name in sorted(set(error.instance) - known):
            yield f"{path}/{escape(name)}", "not documented", as_json(error.instance[name])
        return
    if kind == "type-mismatch":
        expected = error.validator_value if error.validator == "type" else "one of the documented shapes"
        yield path, expected, f"{json_type(error.instance)} {as_json(error.instance)}"
        return
    if kind == "enum-violation":
        yield path, error.validator_value, as_json(error.instance)
        return
    yield path, f"{error.validator}: {as_json(error.validator_value)}", as_json(error.instance)


def _message(kind: str, location: str, status_code: int) -> str:
    where = location or "the body"
    texts = {
        "missing-field": f"required field {where} is missing from the {status_code} body",
        "type-mismatch": f"{where} has the wrong type in the {status_code} body",
        "enum-violation": f"{where} has a value outside the documented enum in the {status_code} body",
        "constraint-violation": f"{where} breaks a documented constraint in the {status_code} body",
        "undocumented-field": f"{where} is not documented for the {status_code} body",
    }
    return texts[kind]
