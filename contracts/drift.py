"""Making drift records for an exchange, and classifying jsonschema's structured errors (never message text)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from contracts.model import Basis, DriftRecord, Kind, Layer
from contracts.redact import redact
from contracts.specs import Spec, escape, pointer

# The vocabulary of docs/drift.md (tests/test_catalogue.py checks the two agree); the fakes declare drift in it.
KINDS = tuple(str(kind) for kind in Kind)
MAX_VALUE_LENGTH = 200

# The failing keyword decides the kind; everything not listed is a constraint on the value.
KEYWORD_KINDS = {
    "required": Kind.MISSING_FIELD,
    "dependentRequired": Kind.MISSING_FIELD,
    "type": Kind.TYPE_MISMATCH,
    "enum": Kind.ENUM_VIOLATION,
    "const": Kind.ENUM_VIOLATION,
    "additionalProperties": Kind.UNDOCUMENTED_FIELD,
    "unevaluatedProperties": Kind.UNDOCUMENTED_FIELD,
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
    layer: Layer
    request_index: int = 0
    check: str = ""
    # Keys of the run: vendor values are redacted before they are cut short, so no part of a key survives a cut.
    secrets: tuple[str, ...] = ()


def truncate(value: Any, secrets: tuple[str, ...] = ()) -> str:
    """A short, JSON-like rendering of a value for `expected`/`actual`, redacted before it is cut."""
    text = value if isinstance(value, str) and not value.startswith(("{", "[")) else json.dumps(value, default=str)
    text = redact(text, secrets)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def as_json(value: Any) -> str:
    """A value as JSON text, so `"32"` and `32` read differently in a report."""
    return json.dumps(value, default=str, ensure_ascii=False)


def make_record(
    where: Where,
    *,
    kind: Kind,
    location: str,
    expected: Any,
    actual: Any,
    message: str,
    schema_location: str = "",
    basis: Basis = Basis.DOCUMENTED,
) -> DriftRecord:
    """Build a record for an exchange; severity follows from the kind."""
    return DriftRecord(
        provider=where.provider,
        operation=where.operation,
        method=where.method,
        path=where.path,
        status_code=where.status_code,
        kind=kind,
        severity=kind.severity,
        location=location,
        schema_location=schema_location,
        expected=truncate(expected, where.secrets),
        actual=truncate(actual, where.secrets),
        message=redact(message, where.secrets),
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
    records: dict[tuple[Kind, str], DriftRecord] = {}
    for top in errors:
        for error in leaf_errors(top):
            kind = KEYWORD_KINDS.get(str(error.validator), Kind.CONSTRAINT_VIOLATION)
            if error.validator in UNION_KEYWORDS:
                kind = Kind.TYPE_MISMATCH
            schema_path = [*start_tokens, *error.absolute_schema_path]
            schema_pointer, nodes = spec.walk_schema_path(schema_start, schema_path)
            basis = Basis.ASSUMED if any("x-assumed" in node for node in nodes) else Basis.DOCUMENTED
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


def _locations(error: ValidationError, kind: Kind) -> Iterator[tuple[str, Any, Any]]:
    path = pointer(error.absolute_path)
    if error.validator == "required":
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield f"{path}/{escape(name)}", "present (required)", "absent"
        return
    if kind is Kind.UNDOCUMENTED_FIELD and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        for name in sorted(set(error.instance) - known):
            yield f"{path}/{escape(name)}", "not documented", as_json(error.instance[name])
        return
    if kind is Kind.TYPE_MISMATCH:
        expected = error.validator_value if error.validator == "type" else "one of the documented shapes"
        yield path, expected, f"{json_type(error.instance)} {as_json(error.instance)}"
        return
    if kind is Kind.ENUM_VIOLATION:
        yield path, error.validator_value, as_json(error.instance)
        return
    yield path, f"{error.validator}: {as_json(error.validator_value)}", as_json(error.instance)


def _message(kind: Kind, location: str, status_code: int) -> str:
    where = location or "the body"
    texts = {
        Kind.MISSING_FIELD: f"required field {where} is missing from the {status_code} body",
        Kind.TYPE_MISMATCH: f"{where} has the wrong type in the {status_code} body",
        Kind.ENUM_VIOLATION: f"{where} has a value outside the documented enum in the {status_code} body",
        Kind.CONSTRAINT_VIOLATION: f"{where} breaks a documented constraint in the {status_code} body",
        Kind.UNDOCUMENTED_FIELD: f"{where} is not documented for the {status_code} body",
    }
    return texts[kind]
