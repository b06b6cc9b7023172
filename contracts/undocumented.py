"""Find body fields a spec never names, walking through `$ref`, `allOf`, `anyOf`, `oneOf` and `if`/`then`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from contracts.drift import json_type
from contracts.specs import JsonObject, Spec, escape


def undocumented_fields(
    spec: Spec, pointers: Sequence[str], instance: Any, path: str = ""
) -> Iterator[tuple[str, Any, str]]:
    """Yield `(location, value, parent schema pointer)` for every property no schema at `pointers` documents.

    An object counts as open, and is never flagged, when none of its schemas lists `properties` or one of them
    allows `additionalProperties`/`patternProperties` (maps such as `metadata`).
    """
    expanded = list(_expand(spec, pointers, instance))
    if isinstance(instance, dict):
        properties: dict[str, list[str]] = {}
        is_open = not any("properties" in node for _, node in expanded)
        for location, node in expanded:
            for name in node.get("properties", {}):
                properties.setdefault(name, []).append(f"{location}/properties/{escape(name)}")
            if node.get("additionalProperties", False) is not False or "patternProperties" in node:
                is_open = True
        parent = next((location for location, node in expanded if "properties" in node), "")
        for name, value in instance.items():
            child = f"{path}/{escape(name)}"
            if name in properties:
                yield from undocumented_fields(spec, properties[name], value, child)
            elif not is_open:
                yield child, value, parent
    elif isinstance(instance, list):
        items = [f"{location}/items" for location, node in expanded if isinstance(node.get("items"), dict)]
        if items:
            for index, value in enumerate(instance):
                yield from undocumented_fields(spec, items, value, f"{path}/{index}")


def _expand(spec: Spec, pointers: Sequence[str], instance: Any) -> Iterator[tuple[str, JsonObject]]:
    for start in pointers:
        location, node = spec.followed(start)
        if not isinstance(node, dict):
            continue
        yield location, node
        conditional = matched = False
        for index, branch in enumerate(node.get("allOf", [])):
            if isinstance(branch, dict) and "if" in branch and "then" in branch:
                conditional = True
                if spec.conforms(f"{location}/allOf/{index}/if", instance):
                    matched = True
                    yield from _expand(spec, [f"{location}/allOf/{index}/then"], instance)
            else:
                yield from _expand(spec, [f"{location}/allOf/{index}"], instance)
        if conditional and not matched:
            # A value no `if` selects falls through to the spec's permissive fallback: anything goes.
            yield location, {"additionalProperties": True}
        for keyword in ("anyOf", "oneOf"):
            for index, branch in enumerate(node.get(keyword, [])):
                if _may_describe(spec.deref(branch), instance):
                    yield from _expand(spec, [f"{location}/{keyword}/{index}"], instance)
        if "if" in node and "then" in node and spec.conforms(f"{location}/if", instance):
            yield from _expand(spec, [f"{location}/then"], instance)


def _may_describe(node: Any, instance: Any) -> bool:
    """Whether a union branch's declared type admits the instance (no `type` admits anything)."""
    if not isinstance(node, dict) or "type" not in node:
        return True
    declared = node["type"] if isinstance(node["type"], list) else [node["type"]]
    actual = json_type(instance)
    return actual in declared or (actual == "integer" and "number" in declared)
