"""Hand-made bodies from `tests/cases/bodies/<provider>.yaml` are accepted or rejected for the stated reason."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.specs import load_spec, pointer, resolve_pointer

# The vendors whose doc pages the project started from (their specs are checked against those pages).
PROVIDERS = ("yandex", "mka1")

CASES = Path(__file__).parent / "cases" / "bodies"


def load_cases(section: str) -> list[Any]:
    """Every case of one section across the providers' case files, as pytest params with readable ids."""
    params = []
    for provider in PROVIDERS:
        data = yaml.safe_load((CASES / f"{provider}.yaml").read_text())
        for case in data.get(section) or []:
            label = case.get("description") or f"{case['id']!r} is {'valid' if case['valid'] else 'invalid'}"
            params.append(pytest.param(provider, case, id=f"{provider} > {label}"))
    return params


def apply_patch(document: Any, operations: list[dict[str, Any]]) -> Any:
    """Apply the JSON Patch subset the case files use: add, replace and remove."""
    result = copy.deepcopy(document)
    for operation in operations:
        parent_pointer, _, raw = operation["path"].rpartition("/")
        parent = resolve_pointer(result, parent_pointer)
        key: str | int = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(parent, list):
            key = len(parent) if key == "-" else int(key)
        if operation["op"] == "remove":
            del parent[key]
        elif isinstance(parent, list) and operation["op"] == "add":
            parent.insert(int(key), operation["value"])
        else:
            parent[key] = operation["value"]
    return result


def test_every_case_description_is_unique_and_reads_as_a_sentence() -> None:
    for provider in PROVIDERS:
        descriptions = [c["description"] for c in yaml.safe_load((CASES / f"{provider}.yaml").read_text())["bodies"]]
        assert len(descriptions) == len(set(descriptions))
        assert [d for d in descriptions if "should" in d or d.lower().startswith("test")] == []


@pytest.mark.parametrize(("provider", "case"), load_cases("bodies"))
def test_body_case(provider: str, case: dict[str, Any]) -> None:
    spec = load_spec(provider)
    body_pointer = spec.response_body_pointer("cancelResponse", 200) or ""
    example = resolve_pointer(spec.document, body_pointer.rsplit("/", 1)[0])["example"]
    errors = list(spec.validator(body_pointer).iter_errors(apply_patch(example, case["patch"])))
    found = [{"validator": error.validator, "path": pointer(error.absolute_path)} for error in errors]
    if case["expect"] is None:
        assert found == []
    else:
        assert case["expect"] in found


@pytest.mark.parametrize(("provider", "case"), load_cases("path_ids"))
def test_path_id_case(provider: str, case: dict[str, Any]) -> None:
    spec = load_spec(provider)
    operation = spec.operation("cancelResponse")
    parameter = next(spec.deref(p) for p in operation.node["parameters"] if spec.deref(p)["name"] == "response_id")
    location = f"{operation.location}/parameters/{operation.node['parameters'].index(parameter)}/schema"
    errors = list(spec.validator(location).iter_errors(case["id"]))
    assert [error.validator for error in errors] == ([] if case["valid"] else ["pattern"])
