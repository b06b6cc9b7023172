"""Counting spec coverage: what a provider's answers showed of each documented status, enum value and optional
field, for every target (mock, live, replay, traffic). The result is the typed `model.Coverage`.

The spec side is worked out once per spec: each documented response's JSON body schema is walked (through `$ref`,
`allOf`/`anyOf`/`oneOf` and array items) into paths such as `/output/*/status`, each with its enum values, whether
it is optional and whether it may be null. The body side flattens each answer once into the same paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from contracts.model import Aspect, Coverage, CoverageItem, OperationCoverage
from contracts.specs import Operation, Spec, escape

# Schemas nest a few levels; the walk stops here, which also ends any recursive `$ref`.
MAX_SCHEMA_DEPTH = 12


@dataclass
class _Path:
    enum: list[Any] = field(default_factory=list)
    optional: bool = False
    nullable: bool = False


def _is_null_allowed(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind) or None in schema.get("enum", [1])


def _all_of(spec: Spec, schema: Any, depth: int) -> list[dict[str, Any]]:
    """A schema and every `allOf` part of it, flattened: together they describe one value."""
    if depth > MAX_SCHEMA_DEPTH or not isinstance(schema, dict):
        return []
    schema = spec.deref(schema)
    nodes = [schema]
    for part in schema.get("allOf", []):
        nodes += _all_of(spec, part, depth + 1)
    return nodes


def _walk(spec: Spec, schema: Any, path: str, found: dict[str, _Path], depth: int, required: frozenset[str]) -> None:
    """Record `path` and every property path below it. A field is optional when no part of the object (its
    `allOf` parts, or the object an `anyOf`/`oneOf` branch belongs to) requires it."""
    nodes = _all_of(spec, schema, depth)
    required = required.union(*(node.get("required", []) for node in nodes))
    for node in nodes:
        _note(found, path, node)
    for node in nodes:
        for name, child in (node.get("properties") or {}).items():
            child_path = f"{path}/{escape(name)}"
            found.setdefault(child_path, _Path()).optional |= name not in required
            _walk(spec, child, child_path, found, depth + 1, frozenset())
        if isinstance(node.get("items"), dict):
            _walk(spec, node["items"], f"{path}/*", found, depth + 1, frozenset())
        for key in ("anyOf", "oneOf"):
            for branch in node.get(key, []):
                _walk(spec, branch, path, found, depth + 1, required)


def _note(found: dict[str, _Path], path: str, schema: dict[str, Any]) -> None:
    entry = found.setdefault(path, _Path())
    entry.nullable |= _is_null_allowed(schema)
    for value in schema.get("enum", []) + ([schema["const"]] if "const" in schema else []):
        if value is not None and value not in entry.enum:
            entry.enum.append(value)


def _status_key(operation: Operation, status: int) -> str | None:
    responses = operation.node.get("responses", {})
    return next((key for key in (str(status), f"{str(status)[0]}XX", "default") if key in responses), None)


def _flatten(value: Any, path: str, out: dict[str, list[Any]]) -> None:
    """Every value of a body under its schema-style path (array indices become `*`)."""
    if isinstance(value, dict):
        for name, child in value.items():
            child_path = f"{path}/{escape(str(name))}"
            out.setdefault(child_path, []).append(child)
            _flatten(child, child_path, out)
    elif isinstance(value, list):
        for child in value:
            out.setdefault(f"{path}/*", []).append(child)
            _flatten(child, f"{path}/*", out)


class CoverageCounter:
    """Counts what one provider's answers showed; `coverage()` gives the typed result."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.items: dict[str, list[tuple[Aspect, str, str, str, Any]]] = {}
        self.paths: dict[tuple[str, str], dict[str, _Path]] = {}
        self.seen: Counter[tuple[str, str]] = Counter()
        self.not_judged: list[str] = []
        for operation in spec.operations.values():
            self.items[operation.operation_id] = list(self._universe(operation))

    def _universe(self, operation: Operation) -> Iterator[tuple[Aspect, str, str, str, Any]]:
        """(aspect, name, status key, path, value) for every item of an operation, in the spec's order."""
        for key in operation.statuses:
            yield Aspect.STATUS, key, key, "", None
        for key in operation.statuses:
            response = self.spec.deref(operation.node["responses"][key])
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            found: dict[str, _Path] = {}
            _walk(self.spec, schema, "", found, 0, frozenset())
            self.paths[(operation.operation_id, key)] = found
            for path, entry in found.items():
                for value in entry.enum:
                    yield Aspect.ENUM, f"{key} {path} = {value}", key, path, value
                if entry.optional:
                    yield Aspect.PRESENT, f"{key} {path} present", key, path, None
                if entry.optional and entry.nullable:
                    yield Aspect.NULL, f"{key} {path} null", key, path, None

    def add(self, operation_id: str, status: int, body: Any) -> None:
        """Count one answer: its status, and what its parsed body (None when it had none) shows."""
        operation = self.spec.operations.get(operation_id)
        key = _status_key(operation, status) if operation is not None else None
        if key is None:
            return
        self.seen[(operation_id, key)] += 1
        if not isinstance(body, dict | list) or (operation_id, key) not in self.paths:
            return
        flat: dict[str, list[Any]] = {}
        _flatten(body, "", flat)
        for path, values in flat.items():
            for value in values:
                self.seen[(operation_id, f"{key} {path}")] += 1
                if value is None:
                    self.seen[(operation_id, f"{key} {path} null")] += 1
                elif isinstance(value, str | int | bool):
                    self.seen[(operation_id, f"{key} {path} = {value}")] += 1

    def skip(self, where: str, reason: str) -> None:
        """An answer whose body is counted but could not be judged, and why."""
        self.not_judged.append(f"{where}: {reason}")

    def coverage(self) -> Coverage:
        """The typed coverage of every operation, in the spec's order."""
        operations = []
        for operation_id, universe in self.items.items():
            items = []
            for aspect, name, key, path, _ in universe:
                lookup = {
                    Aspect.STATUS: key,
                    Aspect.ENUM: name,
                    Aspect.PRESENT: f"{key} {path}",
                    Aspect.NULL: name,
                }[aspect]
                items.append(CoverageItem(aspect, name, self.seen[(operation_id, lookup)]))
            operations.append(OperationCoverage(operation_id, tuple(items)))
        return Coverage(tuple(operations), tuple(self.not_judged))
