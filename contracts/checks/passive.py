"""Passive checks: each answer against what the spec documents for its operation and status."""

from __future__ import annotations

from collections.abc import Iterator

from contracts.checks.exchange import NO_BODY, Exchange
from contracts.checks.registry import Group, check
from contracts.drift import classify, make_record
from contracts.model import Basis, DriftRecord, Kind
from contracts.specs import Operation, Spec, escape
from contracts.undocumented import undocumented_fields


def status_basis(spec: Spec, operation: Operation, status: int) -> Basis:
    """`assumed` when the spec's response for a status carries `x-assumed` (or is absent), else `documented`."""
    found = operation.response(status)
    return Basis.ASSUMED if found is None or "x-assumed" in spec.deref(found[1]) else Basis.DOCUMENTED


def response_basis(exchange: Exchange) -> Basis:
    """The basis of the spec's response for the answer's status."""
    return exchange.documented.basis if exchange.documented is not None else Basis.DOCUMENTED


@check(Group.PASSIVE, final=True)
def not_a_server_error(exchange: Exchange) -> Iterator[DriftRecord]:
    """A 5xx answer is drift whatever the spec lists: the vendor failed to serve a valid request."""
    if exchange.status >= 500:
        operation = exchange.operation
        yield make_record(
            exchange.where,
            kind=Kind.SERVER_ERROR,
            location="",
            expected="a documented non-5xx answer",
            actual=f"{exchange.status} {exchange.response.text[:120]}",
            message=f"{operation.method} {operation.path} answered {exchange.status}",
            basis=response_basis(exchange),
        )


@check(Group.PASSIVE, final=True)
def status_code_documented(exchange: Exchange) -> Iterator[DriftRecord]:
    """The status code is one the spec lists for the operation."""
    if exchange.documented is None:
        operation = exchange.operation
        yield make_record(
            exchange.where,
            kind=Kind.UNDOCUMENTED_STATUS,
            location="",
            expected=operation.statuses,
            actual=exchange.status,
            message=f"{exchange.status} is not a documented status of {operation.operation_id}",
            schema_location=exchange.schema_location(f"{operation.location}/responses"),
        )


@check(Group.PASSIVE)
def required_headers(exchange: Exchange) -> Iterator[DriftRecord]:
    """Every header the spec marks required for this answer is present."""
    documented = exchange.documented
    if documented is None:
        return
    for name, header in documented.node.get("headers", {}).items():
        if exchange.spec.deref(header).get("required") and name not in exchange.response.headers:
            yield make_record(
                exchange.where,
                kind=Kind.MISSING_HEADER,
                location=name,
                expected="present (required)",
                actual="absent",
                message=f"the {exchange.status} answer has no {name} header",
                schema_location=exchange.schema_location(f"{documented.pointer}/headers/{escape(name)}"),
                basis=documented.basis,
            )


@check(Group.PASSIVE, final=True)
def content_type_documented(exchange: Exchange) -> Iterator[DriftRecord]:
    """The answer's media type is one the spec documents for it."""
    documented = exchange.documented
    content = documented.node.get("content", {}) if documented else {}
    if documented is None or not content or exchange.media_type in content:
        return
    media_type = exchange.media_type
    yield make_record(
        exchange.where,
        kind=Kind.CONTENT_TYPE,
        location="content-type",
        expected=sorted(content),
        actual=media_type or "(no Content-Type)",
        message=f"the {exchange.status} answer is {media_type or 'untyped'}, not {' or '.join(sorted(content))}",
        schema_location=exchange.schema_location(f"{documented.pointer}/content"),
        basis=documented.basis,
    )


@check(Group.PASSIVE, final=True)
def json_body(exchange: Exchange) -> Iterator[DriftRecord]:
    """A documented JSON answer has a whole body that is strict JSON (RFC 8259: no NaN, no Infinity)."""
    documented = exchange.documented
    if documented is None or not exchange.json_media or exchange.body is not NO_BODY:
        return
    if exchange.truncated_at is not None:
        problem = f"larger than {exchange.truncated_at} bytes, so it was cut there and not judged"
    elif not exchange.response.content:
        problem = "empty"
    else:
        problem = exchange.parsed_body.detail
    yield make_record(
        exchange.where,
        kind=Kind.MALFORMED_BODY,
        location="",
        expected=f"valid {exchange.media_type}",
        actual=exchange.response.content[:120].decode("utf-8", "replace"),
        message=f"the {exchange.status} body is {problem}",
        schema_location=exchange.schema_location(f"{documented.pointer}/content"),
        basis=documented.basis,
    )


@check(Group.PASSIVE)
def body_schema_conformance(exchange: Exchange) -> Iterator[DriftRecord]:
    """The JSON body validates against the documented schema; jsonschema's keyword decides the drift kind."""
    schema_pointer, documented = exchange.schema_pointer, exchange.documented
    if schema_pointer is None or documented is None or exchange.body is NO_BODY:
        return
    if exchange.spec.conforms(schema_pointer, exchange.body):  # the fast check; only failing bodies are classified
        return
    errors = exchange.spec.validator(schema_pointer).iter_errors(exchange.body)
    tokens = ["content", exchange.media_type, "schema"]
    yield from classify(exchange.spec, exchange.where, errors, exchange.body, documented.pointer, tokens)


@check(Group.PASSIVE)
def no_undocumented_fields(exchange: Exchange) -> Iterator[DriftRecord]:
    """The body has no field the spec never names (a warning: clients that ignore unknown keys are unaffected)."""
    schema_pointer, documented = exchange.schema_pointer, exchange.documented
    if schema_pointer is None or documented is None or exchange.body is NO_BODY:
        return
    for location, value, parent in undocumented_fields(exchange.spec, [schema_pointer], exchange.body):
        yield make_record(
            exchange.where,
            kind=Kind.UNDOCUMENTED_FIELD,
            location=location,
            expected="not documented",
            actual=value,
            message=f"{location} is not documented for the {exchange.status} body",
            schema_location=exchange.schema_location(parent),
            basis=documented.basis,
        )
