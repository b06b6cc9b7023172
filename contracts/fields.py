"""Flatten a JSON schema into one fact sheet per dotted field, for comparing schemas across vendors and versions.

Walks `$ref`s, `allOf` (constraints add up), `anyOf`/`oneOf` (alternatives: a field is required only if every
object-shaped branch requires it) and `if`/`then` (the `then` schemas are alternatives of one another plus a
fall-through that leaves the `if` keys open). Array items are the field `name[]`, their fields `name[].child`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

Resolve = Callable[[str], Any]

MAX_DEPTH = 12
CONSTRAINTS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "format",
)
_VALUE_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", dict: "object", list: "array"}


@dataclass(frozen=True)
class FieldFacts:
    """What a schema says about one field. `types` None means any JSON type; `enum` None means any value."""

    path: str
    types: tuple[str, ...] | None
    required: bool
    nullable: bool
    enum: tuple[Any, ...] | None
    pattern: str | None
    has_children: bool
    constraints: tuple[tuple[str, Any], ...] = ()

    @property
    def type_label(self) -> str:
        """The types for people: `string`, `integer|string`, or `any`."""
        return "|".join(self.types) if self.types is not None else "any"


@dataclass(frozen=True)
class _Shape:
    types: frozenset[str] | None
    nullable: bool
    enum: tuple[Any, ...] | None
    pattern: str | None
    properties: dict[str, Any]
    required: frozenset[str]
    items: Any
    refs: frozenset[str]
    constraints: dict[str, Any]


ANY = _Shape(None, True, None, None, {}, frozenset(), None, frozenset(), {})
NOTHING = _Shape(frozenset(), False, (), None, {}, frozenset(), None, frozenset(), {})


def iter_fields(
    resolve: Resolve,
    node: Any,
    path: str = "",
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldFacts]:
    """Every field under `node`, depth first, each with its requiredness relative to its parent."""
    if path.count(".") + path.count("[]") >= MAX_DEPTH:
        return
    shape = shape_of(resolve, node, seen)
    seen = seen | shape.refs
    children = [(name, child, name in shape.required) for name, child in shape.properties.items()]
    if shape.items is not None:
        children.append(("[]", shape.items, True))
    for name, child, required in children:
        child_path = f"{path}[]" if name == "[]" else f"{path}.{name}" if path else name
        yield facts_of(resolve, child, child_path, required, seen)
        yield from iter_fields(resolve, child, child_path, seen)


def facts_of(resolve: Resolve, node: Any, path: str, required: bool, seen: frozenset[str] = frozenset()) -> FieldFacts:
    """The fact sheet of one schema node seen as the field `path`."""
    shape = shape_of(resolve, node, seen)
    types = tuple(sorted(shape.types)) if shape.types is not None else None
    has_children = bool(shape.properties) or shape.items is not None
    constraints = tuple(sorted(shape.constraints.items()))
    return FieldFacts(path, types, required, shape.nullable, shape.enum, shape.pattern, has_children, constraints)


def shape_of(resolve: Resolve, node: Any, seen: frozenset[str] = frozenset(), conditionals: bool = True) -> _Shape:
    """Combine everything a schema node says about one value into a `_Shape`."""
    refs: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        if node["$ref"] in seen:
            return ANY  # a recursive schema: stop at the second visit
        refs.add(node["$ref"])
        seen = seen | {node["$ref"]}
        node = resolve(node["$ref"])
    if not isinstance(node, dict):
        return ANY if node is not False else NOTHING
    parts = [_own(node)]
    parts += [shape_of(resolve, part, seen, conditionals=False) for part in node.get("allOf", [])]
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            parts.append(_either([shape_of(resolve, branch, seen) for branch in node[keyword]]))
    branches = list(_conditional_branches(resolve, node)) if conditionals else []
    if branches:
        parts.append(_either([shape_of(resolve, branch, seen) for branch in branches]))
    combined = _both(parts)
    return replace(combined, refs=combined.refs | frozenset(refs))


def _conditional_branches(resolve: Resolve, node: dict[str, Any]) -> Iterator[Any]:
    """The `then`/`else` schemas of a node and of its `allOf` parts, plus the fall-through where no `if` matches."""
    conditions = [node] + [_deref(resolve, part) for part in node.get("allOf", [])]
    open_keys: dict[str, Any] = {}
    for condition in conditions:
        if not isinstance(condition, dict) or "if" not in condition:
            continue
        test = _deref(resolve, condition["if"])
        open_keys.update({key: {} for key in (test.get("properties", {}) if isinstance(test, dict) else {})})
        yield from (condition[key] for key in ("then", "else") if key in condition)
    if open_keys:
        yield {"properties": open_keys}


def _deref(resolve: Resolve, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(node["$ref"])
    return node


def _own(node: dict[str, Any]) -> _Shape:
    """What a node's own keywords say, ignoring its combinators."""
    declared = node.get("type")
    values: list[Any] | None = [node["const"]] if "const" in node else node.get("enum")
    if declared is not None:
        names = [declared] if isinstance(declared, str) else list(declared)
        types: frozenset[str] | None = frozenset(name for name in names if name != "null")
        type_allows_null = "null" in names
    elif values is not None:
        types = frozenset(_value_type(value) for value in values if value is not None)
        type_allows_null = True
    else:
        types, type_allows_null = None, True
    nullable = type_allows_null and (values is None or None in values)
    enum = tuple(_unique(value for value in values if value is not None)) if values is not None else None
    properties = dict(node.get("properties", {}))
    items = node.get("items") if isinstance(node.get("items"), dict) else None
    constraints = {key: node[key] for key in CONSTRAINTS if key in node}
    return _Shape(
        types,
        nullable,
        enum,
        node.get("pattern"),
        properties,
        frozenset(node.get("required", [])),
        items,
        frozenset(),
        constraints,
    )


def _both(shapes: list[_Shape]) -> _Shape:
    """`allOf`: every shape holds at once."""
    types: frozenset[str] | None = None
    enum: tuple[Any, ...] | None = None
    for shape in shapes:
        if shape.types is not None:
            types = shape.types if types is None else _intersect_types(types, shape.types)
        if shape.enum is not None:
            enum = shape.enum if enum is None else tuple(value for value in enum if value in shape.enum)
    patterns = _unique(shape.pattern for shape in shapes if shape.pattern)
    return _Shape(
        types=types,
        nullable=all(shape.nullable for shape in shapes),
        enum=enum,
        pattern=" and ".join(patterns) or None,
        properties=_merge_children((shape.properties for shape in shapes), "allOf"),
        required=frozenset().union(*(shape.required for shape in shapes)),
        items=_merge_children(({"[]": s.items} for s in shapes if s.items is not None), "allOf").get("[]"),
        refs=frozenset().union(*(shape.refs for shape in shapes)),
        constraints={key: value for shape in shapes for key, value in shape.constraints.items()},
    )


def _either(shapes: list[_Shape]) -> _Shape:
    """`anyOf`/`oneOf`: any one shape holds. Branches that only allow null add nullability and nothing else."""
    valued = [shape for shape in shapes if shape.types is None or shape.types]
    objects = [shape for shape in valued if shape.types is None or "object" in shape.types]
    open_type = any(shape.types is None for shape in valued)
    types = None if open_type else frozenset().union(*(shape.types or () for shape in valued))
    open_enum = any(shape.enum is None for shape in valued)
    patterns = _unique(shape.pattern for shape in valued)
    return _Shape(
        types=types,
        nullable=any(shape.nullable for shape in shapes),
        enum=None if open_enum else tuple(_unique(v for shape in valued for v in shape.enum or ())),
        pattern=patterns[0] if len(patterns) == 1 and patterns[0] else None,
        properties=_merge_children((shape.properties for shape in valued), "anyOf"),
        required=frozenset.intersection(*(shape.required for shape in objects)) if objects else frozenset(),
        items=_merge_children(({"[]": s.items} for s in valued if s.items is not None), "anyOf").get("[]"),
        refs=frozenset().union(*(shape.refs for shape in shapes)),
        # Bounds only survive when every valued branch agrees on them.
        constraints={k: v for k, v in valued[0].constraints.items() if all(s.constraints.get(k) == v for s in valued)}
        if valued
        else {},
    )


def _merge_children(groups: Any, keyword: str) -> dict[str, Any]:
    """Property schemas by name; a name defined more than once becomes a synthetic `allOf`/`anyOf` node."""
    merged: dict[str, list[Any]] = {}
    for group in groups:
        for name, child in group.items():
            merged.setdefault(name, []).append(child)
    return {name: nodes[0] if len(nodes) == 1 else {keyword: nodes} for name, nodes in merged.items()}


def _intersect_types(left: frozenset[str], right: frozenset[str]) -> frozenset[str]:
    # An integer is a number, so number ∩ integer = integer.
    def widen(types: frozenset[str]) -> frozenset[str]:
        return types | {"integer"} if "number" in types else types

    return frozenset(left & widen(right)) | frozenset(right & widen(left) & {"integer"})


def _value_type(value: Any) -> str:
    return _VALUE_TYPES.get(type(value), "string")


def _unique(values: Any) -> list[Any]:
    """Values in first-seen order without repeats (values may be unhashable)."""
    result: list[Any] = []
    for value in values:
        if value not in result:
            result.append(value)
    return result
