"""Vendor bodies are parsed as strict JSON: NaN, Infinity, bad UTF-8 and absurd nesting are typed problems."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from contracts.body import MAX_DEPTH, BodyProblem, Parsed, parse_json, scan_depth, value_depth

DEEP = b"[" * 100_000 + b"]" * 100_000

PROBLEMS = [
    (b'{"a": NaN}', BodyProblem.NON_FINITE, "not JSON: it holds NaN, which RFC 8259 does not allow"),
    (b"[Infinity]", BodyProblem.NON_FINITE, "not JSON: it holds Infinity, which RFC 8259 does not allow"),
    (b'{"a": -Infinity}', BodyProblem.NON_FINITE, "not JSON: it holds -Infinity, which RFC 8259 does not allow"),
    (b'{"a": 1', BodyProblem.NOT_JSON, "not JSON: Expecting ',' delimiter at line 1 column 8"),
    (b"", BodyProblem.NOT_JSON, "not JSON: Expecting value at line 1 column 1"),
    (b'{"a": "\xff"}', BodyProblem.NOT_UTF8, "not UTF-8 (byte 7)"),
    (DEEP, BodyProblem.TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep"),
    (b'{"a":' * 200 + b"1" + b"}" * 200, BodyProblem.TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep"),
    (b"[" + b"9" * 5000 + b"]", BodyProblem.TOO_LONG_NUMBER, "not usable JSON: it holds a number too long to convert"),
]


@pytest.mark.parametrize(("content", "problem", "detail"), PROBLEMS, ids=[p[1].value for p in PROBLEMS])
def test_a_body_that_is_not_strict_json_is_a_typed_problem(content: bytes, problem: BodyProblem, detail: str) -> None:
    assert parse_json(content) == Parsed(problem=problem, detail=detail)


def test_the_standard_parser_takes_nan_and_crashes_on_deep_bodies_which_is_why_this_module_exists() -> None:
    assert math.isnan(json.loads(b'{"a": NaN}')["a"])
    with pytest.raises(RecursionError):
        json.loads(DEEP)


@pytest.mark.parametrize(
    ("content", "value"),
    [
        (b'{"id": "resp_1", "n": 1.5e3}', {"id": "resp_1", "n": 1500.0}),
        (b"null", None),
        (b'"\\ud83d"', "\ud83d"),
        (b'{"s": "[[[[{{{{\\"]]]"}', {"s": '[[[[{{{{"]]]'}),
    ],
    ids=["object", "null", "lone-surrogate-escape", "brackets-in-strings"],
)
def test_strict_json_parses_including_lone_surrogate_escapes(content: bytes, value: Any) -> None:
    assert parse_json(content) == Parsed(value)


def test_a_body_nested_exactly_as_deep_as_the_cap_parses() -> None:
    parsed = parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert (parsed.ok, value_depth(parsed.value)) == (True, MAX_DEPTH)


def test_depth_is_measured_without_recursion_and_stops_early_past_a_limit() -> None:
    assert scan_depth(DEEP) == 100_000
    assert scan_depth(DEEP, limit=10) == 11
    assert scan_depth(b'["[[", {"a": [1]}]') == 3
    nested: Any = 1
    for _ in range(100_000):
        nested = [nested]
    assert (value_depth(nested), value_depth({"a": {"b": []}}), value_depth("x")) == (100_000, 3, 0)
