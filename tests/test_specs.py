"""The hand-written specs are valid OpenAPI, resolve offline and match the vendors' own doc pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import meetkai_mka1._version as mka1_sdk
import pytest
import yaml
from openapi_spec_validator import validate

from contracts.errors import ConfigError, SpecError
from contracts.fields import iter_fields
from contracts.providers import get, names
from contracts.specs import load_spec, resolve_pointer, spec_path
from tests import vendor_docs

# The vendors whose doc pages the project started from (their specs are checked against those pages).
PROVIDERS = ("yandex", "mka1")

ALL_SPECS = [*PROVIDERS, "openai"]
OPERATIONS = {"createResponse", "getResponse", "cancelResponse"}


def refs(node: Any) -> list[str]:
    """Every `$ref` value anywhere in a document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for child in node.values() for ref in refs(child)]
    if isinstance(node, list):
        return [ref for child in node for ref in refs(child)]
    return []


def required_fields(provider: str) -> set[str]:
    """The required top-level properties of the cancel 200 body, through the `allOf` parts."""
    spec = load_spec(provider)
    schema = spec.deref(resolve_pointer(spec.document, spec.response_body_pointer("cancelResponse", 200) or ""))
    parts = [schema, *(spec.deref(part) for part in schema.get("allOf", []))]
    return {name for part in parts for name in part.get("required", [])}


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_each_spec_is_a_valid_openapi_31_document(provider: str) -> None:
    document = yaml.safe_load(spec_path(provider).read_text())
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["info"]["x-provider"] == provider


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_every_ref_resolves_inside_the_file(provider: str) -> None:
    spec = load_spec(provider)
    found = refs(spec.document)
    assert found, "a spec without refs would make this test vacuous"
    for ref in found:
        assert ref.startswith("#/"), f"{ref} is not a local ref"
        resolve_pointer(spec.document, ref)


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_each_vendor_spec_has_create_get_and_cancel(provider: str) -> None:
    assert set(load_spec(provider).operations) == OPERATIONS


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_create_links_to_cancel_and_get_with_the_response_id(provider: str) -> None:
    links = load_spec(provider).operation("createResponse").node["responses"]["200"]["links"]
    targets = {link["operationId"]: link["parameters"] for link in links.values()}
    assert targets == {
        "cancelResponse": {"response_id": "$response.body#/id"},
        "getResponse": {"response_id": "$response.body#/id"},
    }


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_every_operation_and_top_level_schema_names_its_source(provider: str) -> None:
    spec = load_spec(provider)
    missing = [op for op, operation in spec.operations.items() if not operation.node.get("x-source")]
    missing += [name for name, schema in spec.document["components"]["schemas"].items() if not schema.get("x-source")]
    assert missing == []


@pytest.mark.parametrize(
    ("provider", "documented"),
    [
        (
            "yandex",
            {("cancelResponse", "200"), ("cancelResponse", "404"), ("getResponse", "200"), ("createResponse", "200")},
        ),
        ("mka1", {("cancelResponse", "200"), ("getResponse", "200"), ("createResponse", "200")}),
        (
            "openai",
            {("cancelResponse", "200"), ("getResponse", "200"), ("createResponse", "200")}
            | {(operation, "429") for operation in OPERATIONS},
        ),
    ],
)
def test_every_undocumented_response_is_labelled_as_an_assumption(provider: str, documented: set[Any]) -> None:
    spec = load_spec(provider)
    unlabelled = [
        (op_id, status)
        for op_id, operation in spec.operations.items()
        for status, response in operation.node["responses"].items()
        if (op_id, status) not in documented and not spec.deref(response).get("x-assumed")
    ]
    assert unlabelled == []


@pytest.mark.parametrize(("provider", "required"), [("yandex", True), ("mka1", True), ("openai", False)])
def test_429_declares_retry_after_required_except_where_openai_documents_it_optional(
    provider: str, required: bool
) -> None:
    spec = load_spec(provider)
    for operation in spec.operations.values():
        headers = spec.deref(operation.node["responses"]["429"])["headers"]
        assert spec.deref(headers["Retry-After"])["required"] is required


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_info_version_is_the_vendor_api_version_that_notes_md_states(provider: str) -> None:
    notes = (spec_path(provider).parent / "NOTES.md").read_text()
    stated = re.findall(r"`info\.version` is `([^`]+)`", notes)
    assert stated == [load_spec(provider).document["info"]["version"]]


def test_mka1_version_is_the_api_document_version_behind_the_sdk_not_the_sdk_version() -> None:
    info = load_spec("mka1").document["info"]
    assert info["version"] == mka1_sdk.__openapi_doc_version__
    assert info["x-sdk"].startswith(f"meetkai-mka1 {mka1_sdk.__version__} ")


@pytest.mark.parametrize("provider", ALL_SPECS)
def test_specs_and_notes_cite_only_public_sources(provider: str) -> None:
    folder = spec_path(provider).parent
    private = re.compile(r"providers\.md|/work/|research|shared/|task brief")
    offending = [
        f"{path.name}:{number}"
        for path in (folder / "openapi.yaml", folder / "NOTES.md")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert offending == []


def test_every_openai_error_body_uses_the_error_envelope() -> None:
    spec = load_spec("openai")
    schemas = {
        (op_id, status): spec.deref(response)["content"]["application/json"]["schema"]["$ref"]
        for op_id, operation in spec.operations.items()
        for status, response in operation.node["responses"].items()
        if not status.startswith("2")
    }
    assert set(schemas.values()) == {"#/components/schemas/ErrorResponse"}
    assert set(schemas) >= {("createResponse", "400"), ("getResponse", "404"), ("cancelResponse", "404")}


def test_yandex_spec_has_every_field_of_the_vendor_skeleton() -> None:
    spec = load_spec("yandex")
    body = resolve_pointer(spec.document, spec.response_body_pointer("cancelResponse", 200) or "")
    fields = {facts.path for facts in iter_fields(lambda ref: resolve_pointer(spec.document, ref), body)}
    assert vendor_docs.yandex_fields() - fields == set()


def test_yandex_spec_requires_exactly_the_fields_the_docs_mark_required() -> None:
    rows = vendor_docs.yandex_table_rows()
    documented = {name.removesuffix("[]") for name, text in rows.items() if "Required field." in text}
    documented |= {name for name, text in rows.items() if text.startswith("Required field.")}
    assert documented == {"id", "object", "created_at", "output", "usage", "parallel_tool_calls"}
    assert required_fields("yandex") == documented


def test_yandex_fields_the_docs_call_not_supported_are_marked_so() -> None:
    spec = load_spec("yandex")
    schema = spec.deref(resolve_pointer(spec.document, spec.response_body_pointer("cancelResponse", 200) or ""))
    properties = {
        name: spec.deref(node)
        for part in schema["allOf"]
        for name, node in spec.deref(part).get("properties", {}).items()
    }
    documented = {name for name, text in vendor_docs.yandex_table_rows().items() if "[CURRENTLY NOT SUPPORTED]" in text}
    marked = {name for name, node in properties.items() if node.get("x-not-supported") is True}
    assert documented - marked == set()


def test_mka1_spec_has_exactly_the_fields_of_the_vendor_page() -> None:
    spec = load_spec("mka1")
    schema = spec.deref(resolve_pointer(spec.document, spec.response_body_pointer("cancelResponse", 200) or ""))
    assert set(schema["properties"]) == set(vendor_docs.mka1_fields())


def test_mka1_spec_requires_exactly_the_fields_the_page_marks_required() -> None:
    documented = {name for name, required in vendor_docs.mka1_fields().items() if required}
    assert {"completed_at", "store", "truncation", "text", "tool_choice", "user"} <= documented
    assert required_fields("mka1") == documented


def test_mka1_documented_example_validates_against_the_200_schema() -> None:
    spec = load_spec("mka1")
    validator = spec.validator(spec.response_body_pointer("cancelResponse", 200) or "")
    assert [error.message for error in validator.iter_errors(vendor_docs.mka1_example())] == []


def test_mka1_metadata_is_not_nullable() -> None:
    spec = load_spec("mka1")
    validator = spec.validator(spec.response_body_pointer("cancelResponse", 200) or "")
    body = vendor_docs.mka1_example() | {"metadata": None}
    assert [(e.validator, list(e.absolute_path)) for e in validator.iter_errors(body)] == [("type", ["metadata"])]


def test_a_spec_that_is_not_yaml_is_one_line_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: [unclosed\n")
    with pytest.raises(SpecError) as caught:
        load_spec("mka1", path=broken)
    assert str(caught.value) == (
        f"error: spec file {broken} is not valid YAML: expected ',' or ']', but got '<stream end>'"
        " at line 3 column 1; fix the syntax and run again"
    )


def test_a_spec_that_breaks_the_openapi_schema_names_the_place(tmp_path: Path) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")
    with pytest.raises(SpecError) as caught:
        load_spec("mka1", path=broken)
    assert str(caught.value) == (
        f'error: spec file {broken} is invalid at /info: "version" is a required property; fix the spec'
    )


def test_an_unknown_provider_is_one_line_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        get("acme")
    assert str(caught.value) == f"error: unknown provider 'acme'; use one of: {', '.join(names())}"
