"""jsonschema-rs decides only that a body is valid; python-jsonschema classifies every failing one, so the records
are the same as python-jsonschema alone gives, over every body of the whole drift catalogue."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from contracts.checks import Exchange, enabled, judge
from contracts.drift import Where
from contracts.fakes import load_catalogue
from contracts.model import Layer
from contracts.providers import names
from contracts.specs import Spec, load_spec
from tests.test_catalogue import ROOT, tour


def catalogue_exchanges() -> Iterator[tuple[str, Spec, Exchange]]:
    """Every answer of the catalogue tour, clean and with each catalogue drift, for every provider."""
    for provider in names():
        if provider not in ROOT:
            continue  # the tour drives the paths it knows (tests/test_catalogue.py)
        spec = load_spec(provider)
        for drift in [(), *((entry.name,) for entry in load_catalogue(provider))]:
            for step in tour(provider, drift):
                operation = spec.operation(step.operation)
                response = httpx.Response(step.status, headers=step.headers, content=step.content)
                where = Where(
                    provider, step.operation, operation.method, operation.path, step.status, "", Layer.SCENARIO
                )
                yield f"{provider} {drift} {step.label}", spec, Exchange(spec, where, operation, response)


def test_jsonschema_rs_and_python_jsonschema_agree_on_validity_of_every_catalogue_body() -> None:
    checked = 0
    for label, spec, exchange in catalogue_exchanges():
        pointer = exchange.schema_pointer
        if pointer is None or not exchange.response.content:
            continue
        try:
            body = json.loads(exchange.response.content)
        except ValueError:
            continue
        slow_valid = next(iter(spec.validator(pointer).iter_errors(body)), None) is None
        assert spec.conforms(pointer, body) == slow_valid, label
        checked += 1
    assert checked > 500


def test_the_records_over_the_whole_catalogue_are_those_of_python_jsonschema_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exchanges = list(catalogue_exchanges())
    active = enabled()
    fast = [[r.to_dict() for r in judge(e, active)] for _, _, e in exchanges]
    monkeypatch.setattr(Spec, "conforms", lambda self, pointer, instance: False)
    slow = [[r.to_dict() for r in judge(e, active)] for _, _, e in exchanges]
    assert fast == slow
    assert sum(map(len, fast)) > 100


def test_a_pointer_into_refs_inlined_after_the_first_validation_is_left_to_python_jsonschema() -> None:
    spec = load_spec("openai")
    responses = spec.operation("cancelResponse").node["responses"]
    assert spec.conforms(spec.response_body_pointer("cancelResponse", 200) or "", {}) is False
    # What schemathesis' generated layer does to the shared document: a response `$ref` replaced by its target.
    responses["401"] = spec.deref(responses["401"])
    inlined = f"{spec.operation('cancelResponse').location}/responses/401/content/application~1json/schema"
    body = {"error": {"message": "no", "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    assert spec.conforms(inlined, body) is False
    assert list(spec.validator(inlined).iter_errors(body)) == []
