"""Drift is classified from jsonschema's structured errors, as the cases in `tests/cases/classify/` state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts.checks import Exchange, enabled, judge
from contracts.drift import Where, classify, make_record, truncate
from contracts.model import DriftRecord, Kind, Layer
from contracts.specs import Operation, Spec, load_spec, resolve_pointer
from tests.test_spec_bodies import apply_patch

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "classify" / "cases.yaml").read_text())
WHERE = Where(
    "mka1", "cancelResponse", "POST", "/api/v1/llm/responses/{response_id}/cancel", 200, "curl x", Layer.SCENARIO
)


def check_response(
    spec: Spec, where: Where, operation: Operation, response: httpx.Response, params: dict[str, str]
) -> tuple[list[DriftRecord], Any]:
    """Every registered check on one answer, as the run applies them, and the body the run hands on."""
    exchange = Exchange(spec, where, operation, response, params)
    return list(judge(exchange, enabled())), exchange.parsed


def example(provider: str) -> Any:
    """The cancel 200 example of a provider's spec."""
    spec = load_spec(provider)
    pointer = spec.response_body_pointer("cancelResponse", 200) or ""
    return resolve_pointer(spec.document, pointer.rsplit("/", 1)[0])["example"]


def answer(body: Any) -> httpx.Response:
    """A 200 JSON answer to a cancel request."""
    request = httpx.Request("POST", "https://vendor.test/cancel")
    return httpx.Response(200, json=body, request=request)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['provider']} > {c['description']}" for c in CASES])
def test_classification_case(case: dict[str, Any]) -> None:
    spec = load_spec(case["provider"])
    body = apply_patch(example(case["provider"]), case["patch"])
    where = Where(case["provider"], "cancelResponse", "POST", "/x", 200, "curl x", Layer.SCENARIO)
    operation = spec.operation("cancelResponse")
    records, parsed = check_response(spec, where, operation, answer(body), {"response_id": body["id"]})
    assert parsed == body
    found = [{"kind": r.kind, "location": r.location, "basis": r.basis} for r in records]
    assert sorted(found, key=str) == sorted(case["expect"], key=str)


def test_case_descriptions_are_unique_sentences() -> None:
    descriptions = [case["description"] for case in CASES]
    assert len(descriptions) == len(set(descriptions))
    assert [d for d in descriptions if "should" in d or d.startswith("test")] == []


def test_schema_location_names_the_spec_file_and_the_failing_keyword() -> None:
    spec = load_spec("mka1")
    body = apply_patch(example("mka1"), [{"op": "replace", "path": "/usage/total_tokens", "value": "32"}])
    pointer = spec.response_body_pointer("cancelResponse", 200) or ""
    response_pointer = pointer.removesuffix("/content/application~1json/schema")
    errors = spec.validator(pointer).iter_errors(body)
    [record] = classify(spec, WHERE, errors, body, response_pointer, ["content", "application/json", "schema"])
    assert record.kind == "type-mismatch"
    assert record.location == "/usage/total_tokens"
    assert record.schema_location.endswith(
        "specs/mka1/openapi.yaml#/components/schemas/Usage/properties/total_tokens/type"
    )
    assert (record.expected, record.actual) == ("integer", 'string "32"')
    assert record.message == "/usage/total_tokens has the wrong type in the 200 body"


def test_fingerprints_differ_for_two_missing_fields_and_survive_other_values() -> None:
    first = make_record(WHERE, kind=Kind.MISSING_FIELD, location="/store", expected="x", actual="y", message="m")
    second = make_record(WHERE, kind=Kind.MISSING_FIELD, location="/user", expected="x", actual="y", message="m")
    again = make_record(WHERE, kind=Kind.MISSING_FIELD, location="/store", expected="a", actual="b", message="other")
    assert first.fingerprint != second.fingerprint
    assert first.fingerprint == again.fingerprint
    assert len(first.fingerprint) == 16


def test_a_record_round_trips_through_its_json_form() -> None:
    record = make_record(WHERE, kind=Kind.BEHAVIOR, location="/id", expected="a", actual="b", message="m")
    data = record.to_dict()
    assert data["fingerprint"] == record.fingerprint
    assert DriftRecord.from_dict(data) == record


def test_undocumented_fields_are_warnings_and_everything_else_errors() -> None:
    warning = make_record(WHERE, kind=Kind.UNDOCUMENTED_FIELD, location="/x", expected="", actual="", message="m")
    error = make_record(WHERE, kind=Kind.SERVER_ERROR, location="", expected="", actual="", message="m")
    assert (warning.severity, error.severity) == ("warning", "error")


def test_long_values_are_truncated_to_two_hundred_characters() -> None:
    assert truncate("a" * 500) == "a" * 199 + "…"
    assert truncate({"k": 1}) == '{"k": 1}'


@pytest.mark.parametrize(
    ("status", "headers", "content", "kind", "location"),
    [
        (418, {"content-type": "application/json"}, b"{}", "undocumented-status", ""),
        (200, {"content-type": "text/plain"}, b"ok", "content-type", "content-type"),
        (200, {"content-type": "application/json"}, b'{"id": "resp_', "malformed-body", ""),
        (
            429,
            {"content-type": "application/json"},
            b'{"error": {"message": "slow", "type": "rate_limit", "param": null, "code": null}}',
            "missing-header",
            "Retry-After",
        ),  # fmt: skip
        (500, {"content-type": "application/json"}, b"{}", "server-error", ""),
    ],
)
def test_response_level_drift(status: int, headers: dict[str, str], content: bytes, kind: str, location: str) -> None:
    spec = load_spec("mka1")
    request = httpx.Request("POST", "https://vendor.test/cancel")
    response = httpx.Response(status, headers=headers, content=content, request=request)
    records, _ = check_response(spec, WHERE, spec.operation("cancelResponse"), response, {})
    assert [(r.kind, r.location, r.status_code) for r in records] == [(kind, location, 200)]
