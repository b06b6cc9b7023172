"""What one spec promises for the cancel operation, flattened into comparable rows.

Rows are keyed by (section, field): sections are `path parameters`, `header parameters`, `query parameters`,
then `<status> body` and `<status> headers` for each documented status. Auth is kept as the header formats a
client may send (`Authorization: Bearer <token>`), error bodies as their envelope (`flat` or `wrapped`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contracts.fields import FieldFacts, facts_of, iter_fields, shape_of
from contracts.specs import Spec, follow, resolve_pointer

OPERATION = "cancelResponse"
REQUEST_SECTIONS = ("path parameters", "header parameters", "query parameters", "cookie parameters")


@dataclass(frozen=True)
class Contract:
    """What one provider's spec promises for the cancel operation, flattened for comparison."""

    provider: str
    spec_path: str
    auth: tuple[str, ...]
    statuses: tuple[str, ...]
    envelopes: dict[str, str]
    fields: dict[tuple[str, str], FieldFacts]
    example_ids: tuple[str, ...]
    assumed: frozenset[str] = frozenset()


def contract_of(spec: Spec) -> Contract:
    """Flatten the cancel operation of one spec: auth, statuses, parameters, bodies and headers."""

    def resolve(ref: str) -> Any:
        return resolve_pointer(spec.document, ref)

    operation = spec.operation(OPERATION)
    fields: dict[tuple[str, str], FieldFacts] = {}
    example_ids: list[str] = []
    for parameter in parameters_of(spec.document, operation.path, operation.node):
        section = f"{parameter.get('in', 'query')} parameters"
        schema = parameter.get("schema", {})
        name = parameter["name"]
        fields[(section, name)] = facts_of(resolve, schema, name, bool(parameter.get("required")))
        if parameter.get("in") == "path":
            example_ids += _examples(parameter) + _examples(spec.deref(schema))
    envelopes: dict[str, str] = {}
    assumed: set[str] = set()
    for status in operation.statuses:
        response = spec.deref(operation.node["responses"][status])
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if "x-assumed" in response or "x-assumed" in spec.deref(schema or {}):
            assumed.add(status)
        if schema is not None:
            fields.update({(f"{status} body", f.path): f for f in iter_fields(resolve, schema)})
            if not status.startswith(("1", "2", "3")):
                envelopes[status] = _envelope(resolve, schema)
        for name, header in response.get("headers", {}).items():
            header = spec.deref(header)
            required = bool(header.get("required"))
            fields[(f"{status} headers", name)] = facts_of(resolve, header.get("schema", {}), name, required)
        if status.startswith("2"):
            media = response.get("content", {}).get("application/json", {})
            example_ids += [body["id"] for body in _examples(media) if isinstance(body, dict) and "id" in body]
    return Contract(
        provider=spec.provider,
        spec_path=spec.display_path,
        auth=_auth_formats(spec, operation.node),
        statuses=tuple(operation.statuses),
        envelopes=envelopes,
        fields=dict(sorted(fields.items(), key=lambda item: row_key(item[0]))),
        example_ids=tuple(str(example) for example in dict.fromkeys(example_ids)),
        assumed=frozenset(assumed),
    )


def row_key(key: tuple[str, str]) -> tuple[Any, ...]:
    """Auth and status codes first, then request sections (path, header, query), then bodies and headers by status."""
    section, path = key
    if section in ("auth", "status codes"):
        return (-1, 0 if section == "auth" else 1, "", 0, path)
    if section in REQUEST_SECTIONS:
        return (0, REQUEST_SECTIONS.index(section), "", 0, path)
    status, _, part = section.partition(" ")
    return (1, 0 if status.isdigit() else 1, status, 0 if part == "body" else 1, path)


def parent_of(path: str) -> str | None:
    """The dotted path one level up (`output[].type` → `output[]` → `output`), or None at the top."""
    if path.endswith("[]"):
        return path[:-2]
    return path.rsplit(".", 1)[0] if "." in path else None


def parameters_of(document: dict[str, Any], route: str, operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Path-item parameters overridden by operation parameters of the same name and location, `$ref`s followed."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in list(document["paths"][route].get("parameters", [])) + list(operation.get("parameters", [])):
        parameter = follow(document, "", raw)[1]
        merged[(parameter["name"], parameter.get("in", "query"))] = parameter
    return list(merged.values())


def _envelope(resolve: Any, schema: Any) -> str:
    properties = shape_of(resolve, schema).properties
    if "error" in properties and shape_of(resolve, properties["error"]).properties:
        return "wrapped"
    return "flat" if "message" in properties else "other"


def _auth_formats(spec: Spec, operation: dict[str, Any]) -> tuple[str, ...]:
    """Each accepted way to authenticate, as the header a client sends; AND-ed schemes are joined by ` + `."""
    schemes = spec.document.get("components", {}).get("securitySchemes", {})
    formats = []
    requirements: list[dict[str, Any]] = operation.get("security", spec.document.get("security")) or []
    for requirement in requirements:
        names = [_header_format(name, spec.deref(schemes.get(name, {}))) for name in requirement]
        formats.append(" + ".join(sorted(names)) if names else "no authentication")
    return tuple(dict.fromkeys(formats))


def _header_format(name: str, scheme: dict[str, Any]) -> str:
    kind = scheme.get("type")
    if kind == "http":
        word = str(scheme.get("scheme", "")).capitalize()
        return f"Authorization: {word} <token>" if word == "Bearer" else f"Authorization: {word} <credentials>"
    if kind == "apiKey":
        header, hint = scheme.get("name", name), str(scheme.get("description", "")).strip()
        # Yandex documents the value template ("Api-Key <API key>") in the description; keep it, it is the contract.
        if "<" in hint and "\n" not in hint and len(hint) <= 60:
            return hint if hint.startswith(f"{header}:") else f"{header}: {hint}"
        return f"{header}: <{name}> ({scheme.get('in', 'header')})"
    return f"{kind or 'unknown'} ({name})"


def _examples(node: Any) -> list[Any]:
    if not isinstance(node, dict):
        return []
    found = [node["example"]] if "example" in node else []
    examples = node.get("examples", [])
    values: Iterable[Any] = examples.values() if isinstance(examples, dict) else examples
    return found + [v.get("value") if isinstance(v, dict) and "value" in v else v for v in values]
