"""Passive checks of one response against the spec, plus the invariants a schema cannot express."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from contracts.drift import DriftRecord, Where, classify, make_record
from contracts.specs import Operation, Spec, escape, follow
from contracts.undocumented import undocumented_fields

# Unix seconds later than this are almost surely milliseconds (it is the year 5138).
MILLISECONDS_FLOOR = 1e11
CLOCK_SKEW_SECONDS = 300.0
TIMESTAMP_FIELDS = ("created_at", "completed_at")


def check_response(
    spec: Spec, where: Where, operation: Operation, response: httpx.Response, path_params: dict[str, str]
) -> tuple[list[DriftRecord], Any]:
    """Every drift one response shows, and its parsed JSON body (None when it has none)."""
    status = response.status_code
    if status >= 500:
        record = make_record(
            where,
            kind="server-error",
            location="",
            expected="a documented non-5xx answer",
            actual=f"{status} {response.text[:120]}",
            message=f"{operation.method} {operation.path} answered {status}",
            basis=response_basis(spec, operation, status),
        )
        return [record], None
    found = operation.response(status)
    if found is None:
        record = make_record(
            where,
            kind="undocumented-status",
            location="",
            expected=operation.statuses,
            actual=status,
            message=f"{status} is not a documented status of {operation.operation_id}",
            schema_location=f"{spec.display_path}#{operation.location}/responses",
        )
        return [record], _json_or_none(response)
    response_pointer, node = follow(spec.document, *found)
    basis = "assumed" if "x-assumed" in node else "documented"
    records = _check_headers(spec, where, response, response_pointer, node, basis)
    content = node.get("content", {})
    if not content:
        return records, None
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in content:
        records.append(
            make_record(
                where,
                kind="content-type",
                location="content-type",
                expected=sorted(content),
                actual=media_type or "(no Content-Type)",
                message=f"the {status} answer is {media_type or 'untyped'}, not {' or '.join(sorted(content))}",
                schema_location=f"{spec.display_path}#{response_pointer}/content",
                basis=basis,
            )
        )
        return records, None
    if "json" not in media_type:
        return records, None
    try:
        body = json.loads(response.content)
    except ValueError:
        records.append(
            make_record(
                where,
                kind="malformed-body",
                location="",
                expected=f"valid {media_type}",
                actual=response.content[:120].decode("utf-8", "replace"),
                message=f"the {status} body is not valid JSON",
                schema_location=f"{spec.display_path}#{response_pointer}/content",
                basis=basis,
            )
        )
        return records, None
    schema_pointer = f"{response_pointer}/content/{escape(media_type)}/schema"
    errors = spec.validator(schema_pointer).iter_errors(body)
    records += classify(spec, where, errors, body, response_pointer, ["content", media_type, "schema"])
    for location, value, parent in undocumented_fields(spec, [schema_pointer], body):
        records.append(
            make_record(
                where,
                kind="undocumented-field",
                location=location,
                expected="not documented",
                actual=value,
                message=f"{location} is not documented for the {status} body",
                schema_location=f"{spec.display_path}#{parent}",
                basis=basis,
            )
        )
    if status == 200 and isinstance(body, dict):
        records += check_invariants(where, operation, body, path_params)
    return records, body


def check_invariants(
    where: Where, operation: Operation, body: dict[str, Any], path_params: dict[str, str]
) -> list[DriftRecord]:
    """Semantics of a response object: token sums, timestamp units, and cancel answering for the asked id."""
    records: list[DriftRecord] = []
    usage = body.get("usage")
    if isinstance(usage, dict) and all(isinstance(usage.get(k), int) for k in ("input_tokens", "output_tokens")):
        total = usage.get("total_tokens")
        expected = usage["input_tokens"] + usage["output_tokens"]
        if isinstance(total, int) and total != expected:
            records.append(
                make_record(
                    where,
                    kind="behavior",
                    location="/usage/total_tokens",
                    expected=f"{expected} (input_tokens + output_tokens)",
                    actual=total,
                    message="usage.total_tokens is not input_tokens + output_tokens",
                )
            )
    now = time.time()
    for name in TIMESTAMP_FIELDS:
        value = body.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            problem = (
                "milliseconds"
                if value >= MILLISECONDS_FLOOR
                else "in the future"
                if value > now + CLOCK_SKEW_SECONDS
                else ""
            )
            if problem:
                records.append(
                    make_record(
                        where,
                        kind="behavior",
                        location=f"/{name}",
                        expected="Unix seconds, not in the future",
                        actual=value,
                        message=f"{name} looks like {problem}, not Unix seconds",
                    )
                )
    asked = path_params.get("response_id")
    if operation.operation_id == "cancelResponse" and asked is not None and body.get("id") != asked:
        records.append(
            make_record(
                where,
                kind="behavior",
                location="/id",
                expected=asked,
                actual=body.get("id"),
                message="the cancelled object is not the response that was asked for",
                basis="assumed",
            )
        )
    return records


def _check_headers(
    spec: Spec, where: Where, response: httpx.Response, response_pointer: str, node: dict[str, Any], basis: str
) -> list[DriftRecord]:
    records = []
    for name, header in node.get("headers", {}).items():
        header = spec.deref(header)
        if header.get("required") and name not in response.headers:
            records.append(
                make_record(
                    where,
                    kind="missing-header",
                    location=name,
                    expected="present (required)",
                    actual="absent",
                    message=f"the {response.status_code} answer has no {name} header",
                    schema_location=f"{spec.display_path}#{response_pointer}/headers/{escape(name)}",
                    basis=basis,
                )
            )
    return records


def response_basis(spec: Spec, operation: Operation, status: int) -> str:
    """`assumed` when the spec's response for this status carries `x-assumed`, else `documented`."""
    found = operation.response(status)
    return "assumed" if found is not None and "x-assumed" in spec.deref(found[1]) else "documented"


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None
