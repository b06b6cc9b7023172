"""Invariants a schema cannot express, and the check of an answer against what its request was."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from contracts.checks.exchange import NO_BODY, Exchange
from contracts.checks.registry import Group, check
from contracts.drift import make_record
from contracts.model import Basis, DriftRecord, Kind

# Unix seconds later than this are almost surely milliseconds (it is the year 5138).
MILLISECONDS_FLOOR = 1e11
CLOCK_SKEW_SECONDS = 300.0
TIMESTAMP_FIELDS = ("created_at", "completed_at")


def _response_object(exchange: Exchange) -> dict[str, Any] | None:
    """The body of a 200 answer that reached its schema as an object; invariants judge only those."""
    body = exchange.body
    if exchange.status != 200 or exchange.schema_pointer is None or body is NO_BODY or not isinstance(body, dict):
        return None
    return body


@check(Group.INVARIANT)
def usage_total_is_sum(exchange: Exchange) -> Iterator[DriftRecord]:
    """`usage.total_tokens` is `input_tokens + output_tokens`."""
    usage = (_response_object(exchange) or {}).get("usage")
    if not isinstance(usage, dict) or not all(isinstance(usage.get(k), int) for k in ("input_tokens", "output_tokens")):
        return
    total, expected = usage.get("total_tokens"), usage["input_tokens"] + usage["output_tokens"]
    if isinstance(total, int) and total != expected:
        yield make_record(
            exchange.where,
            kind=Kind.BEHAVIOR,
            location="/usage/total_tokens",
            expected=f"{expected} (input_tokens + output_tokens)",
            actual=total,
            message="usage.total_tokens is not input_tokens + output_tokens",
        )


@check(Group.INVARIANT)
def timestamps_are_unix_seconds(exchange: Exchange) -> Iterator[DriftRecord]:
    """`created_at` and `completed_at` are Unix seconds, not milliseconds and not in the future."""
    body = _response_object(exchange) or {}
    now = time.time()
    for name in TIMESTAMP_FIELDS:
        value = body.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        problem = (
            "milliseconds"
            if value >= MILLISECONDS_FLOOR
            else "in the future"
            if value > now + CLOCK_SKEW_SECONDS
            else ""
        )
        if problem:
            yield make_record(
                exchange.where,
                kind=Kind.BEHAVIOR,
                location=f"/{name}",
                expected="Unix seconds, not in the future",
                actual=value,
                message=f"{name} looks like {problem}, not Unix seconds",
            )


@check(Group.INVARIANT)
def cancel_answers_for_asked_id(exchange: Exchange) -> Iterator[DriftRecord]:
    """A cancel answers with the response whose id was in the path."""
    body = _response_object(exchange)
    asked = exchange.path_params.get("response_id")
    if body is None or exchange.operation.operation_id != "cancelResponse" or asked is None:
        return
    if body.get("id") != asked:
        yield make_record(
            exchange.where,
            kind=Kind.BEHAVIOR,
            location="/id",
            expected=asked,
            actual=body.get("id"),
            message="the cancelled object is not the response that was asked for",
            basis=Basis.ASSUMED,
        )


@check(Group.REQUEST)
def invalid_input_rejected(exchange: Exchange) -> Iterator[DriftRecord]:
    """A request that breaks a documented parameter rule is refused, not answered 2xx."""
    if exchange.negated is not None and 200 <= exchange.status < 300:
        operation_id = exchange.operation.operation_id
        yield make_record(
            exchange.where,
            kind=Kind.INVALID_INPUT_ACCEPTED,
            location=exchange.negated,
            expected="a documented 4xx for input the spec forbids",
            actual=exchange.status,
            message=f"{operation_id} accepted input the spec forbids ({exchange.negated or 'body'})",
        )
