"""Classify the changes between two versions of one provider's spec, with severities from `data/severity.yaml`.

Compared per operation (by `operationId`, else `METHOD path`): documented status codes, parameters, the JSON
request body and every JSON response body and header, field by field (see `contracts.fields`). A field that is
added or removed is reported once, at the top of what changed; its children are not listed again.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from contracts.compat.contract import parameters_of, parent_of
from contracts.errors import EXIT_DRIFT, EXIT_OK, ConfigError
from contracts.fields import FieldFacts, facts_of, iter_fields
from contracts.loader import load_yaml
from contracts.specs import HTTP_METHODS, follow, read_document, resolve_pointer

LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
SEVERITY_ORDER = ("error", "warning", "info")


@dataclass(frozen=True)
class Change:
    """One classified difference between the old and the new spec."""

    severity: str
    kind: str
    location: str
    detail: str
    direction: str


@dataclass(frozen=True)
class SeverityTable:
    """Change kind → one severity, or a severity per direction (`request`/`response`, `success`/`error`)."""

    entries: dict[str, str | dict[str, str]]

    def severity(self, kind: str, direction: str) -> str:
        """The severity of a change of this kind in this direction."""
        entry = self.entries[kind]
        return entry if isinstance(entry, str) else entry[direction]


def load_severities(override: Path | None = None) -> SeverityTable:
    """The packaged table, with an override file merged over it kind by kind and direction by direction."""
    text = resources.files("contracts").joinpath("data/severity.yaml").read_text(encoding="utf-8")
    entries: dict[str, str | dict[str, str]] = yaml.safe_load(text)
    if override is None:
        return SeverityTable(entries)
    fix = "each entry is `kind: severity` or `kind: {direction: severity}`, as in contracts/data/severity.yaml"
    raw = load_yaml(override, "severities file", fix, read_fix="check the path")
    if not isinstance(raw, dict):
        raise ConfigError(f"severities file {override} is not a mapping of change kinds", fix)
    merged = dict(entries)
    for kind, value in raw.items():
        if kind not in entries:
            raise ConfigError(
                f"severities file {override}: unknown change kind {kind!r}", f"use one of: {', '.join(entries)}"
            )
        default = entries[kind]
        if isinstance(value, str) and value in SEVERITY_ORDER:
            merged[kind] = value if isinstance(default, str) else {direction: value for direction in default}
        elif (
            isinstance(value, dict)
            and isinstance(default, dict)
            and set(value) <= set(default)
            and all(v in SEVERITY_ORDER for v in value.values())
        ):
            merged[kind] = {**default, **value}
        else:
            allowed = "|".join(SEVERITY_ORDER) if isinstance(default, str) else f"{{{', '.join(default)}}} of those"
            raise ConfigError(
                f"severities file {override}: {kind} must be {allowed}, got {value!r}",
                "severities are error, warning or info",
            )
    return SeverityTable(merged)


def run(args: argparse.Namespace) -> int:
    """`contracts spec-diff OLD NEW`: print one line per change; exit 1 if any is an error."""
    table = load_severities(Path(args.severities) if args.severities else None)
    old, new = read_document(Path(args.old)), read_document(Path(args.new))
    changes = diff_documents(old, new, table)
    if args.format == "json":
        counts = {severity: sum(1 for c in changes if c.severity == severity) for severity in SEVERITY_ORDER}
        payload = {"old": args.old, "new": args.new, "changes": [asdict(c) for c in changes], "counts": counts}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(changes))
    return EXIT_DRIFT if any(change.severity == "error" for change in changes) else EXIT_OK


def render_text(changes: list[Change]) -> str:
    """Aligned `severity  kind  location  detail` lines, then a count line."""
    kind_width = max((len(c.kind) for c in changes), default=0)
    location_width = max((len(c.location) for c in changes), default=0)
    lines = [
        f"{c.severity:<7}  {c.kind:<{kind_width}}  {c.location:<{location_width}}  {c.detail}".rstrip() for c in changes
    ]
    if not changes:
        return "no changes\n"
    counts = ", ".join(f"{sum(1 for c in changes if c.severity == s)} {s}" for s in SEVERITY_ORDER)
    return "\n".join(lines) + f"\n{len(changes)} change{'s' if len(changes) != 1 else ''}: {counts}\n"


def diff_documents(old: dict[str, Any], new: dict[str, Any], table: SeverityTable) -> list[Change]:
    """Every change between two OpenAPI documents, sorted by severity, then location."""
    found: list[tuple[str, str, str, str]] = []
    old_ops, new_ops = _operations(old), _operations(new)
    for name, (method, route, _) in old_ops.items():
        if name not in new_ops:
            found.append(("operation-removed", "", name, f"{method} {route}"))
    for name, (method, route, _) in new_ops.items():
        if name not in old_ops:
            found.append(("operation-added", "", name, f"{method} {route}"))
    for name in old_ops.keys() & new_ops.keys():
        found += _operation_changes(name, old, old_ops[name], new, new_ops[name])
    changes = [
        Change(table.severity(kind, direction), kind, location, detail, direction)
        for kind, direction, location, detail in found
    ]
    return sorted(changes, key=lambda c: (SEVERITY_ORDER.index(c.severity), c.location, c.kind, c.detail))


Found = tuple[str, str, str, str]  # kind, direction, location, detail
Operation = tuple[str, str, dict[str, Any]]


def _operations(document: dict[str, Any]) -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for route, item in document.get("paths", {}).items():
        for method, node in item.items():
            if method in HTTP_METHODS and isinstance(node, dict):
                found[node.get("operationId", f"{method.upper()} {route}")] = (method.upper(), route, node)
    return found


def _operation_changes(
    name: str, old: dict[str, Any], old_op: Operation, new: dict[str, Any], new_op: Operation
) -> Iterator[Found]:
    before, after = _surface(old, old_op), _surface(new, new_op)
    old_statuses, new_statuses = old_op[2].get("responses", {}), new_op[2].get("responses", {})
    for status in old_statuses:
        if status not in new_statuses:
            yield "status-removed", _status_scope(status), f"{name}/{status}", f"{status} no longer documented"
    for status in new_statuses:
        if status not in old_statuses:
            yield "status-added", _status_scope(status), f"{name}/{status}", f"{status} now documented"
    for key in sorted(before.keys() | after.keys()):
        part, path = key
        if part.isdigit() or part == "default" or part.endswith("XX"):
            if part not in old_statuses or part not in new_statuses:
                continue  # the status change covers its body
        if _ancestor_changed(key, before, after):
            continue
        location = f"{name}/{part}/{path}" if path else f"{name}/{part}"
        direction = "request" if part in ("request", "param") else "response"
        for kind, detail in _field_changes(before.get(key), after.get(key)):
            yield kind, direction, location, detail


def _surface(document: dict[str, Any], operation: Operation) -> dict[tuple[str, str], FieldFacts]:
    """Every comparable field of one operation, keyed by (part, path): part is `param`, `request` or a status."""

    def resolve(ref: str) -> Any:
        return resolve_pointer(document, ref)

    def deref(node: Any) -> Any:
        return follow(document, "", node)[1]

    _, route, node = operation
    fields: dict[tuple[str, str], FieldFacts] = {}
    for parameter in parameters_of(document, route, node):
        path = f"{parameter.get('in', 'query')}.{parameter['name']}"
        fields[("param", path)] = facts_of(resolve, parameter.get("schema", {}), path, bool(parameter.get("required")))
    body = deref(node.get("requestBody"))
    schema = body.get("content", {}).get("application/json", {}).get("schema") if isinstance(body, dict) else None
    if schema is not None:
        fields[("request", "")] = facts_of(resolve, schema, "", bool(body.get("required")))
        fields.update({("request", f.path): f for f in iter_fields(resolve, schema)})
    for status, raw in node.get("responses", {}).items():
        response = deref(raw)
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            fields.update({(str(status), f.path): f for f in iter_fields(resolve, schema)})
        for header, spec in response.get("headers", {}).items():
            spec = deref(spec)
            fields[(str(status), f"header.{header}")] = facts_of(
                resolve, spec.get("schema", {}), f"header.{header}", bool(spec.get("required"))
            )
    return fields


def _field_changes(old: FieldFacts | None, new: FieldFacts | None) -> Iterator[tuple[str, str]]:
    if old is None and new is not None:
        yield ("required-field-added" if new.required else "field-added"), _summary(new)
        return
    if new is None:
        assert old is not None
        yield "field-removed", f"was {_summary(old)}"
        return
    assert old is not None
    if old.required != new.required:
        yield ("became-required", "optional → required") if new.required else ("became-optional", "required → optional")
    if old.nullable != new.nullable:
        yield (
            ("became-nullable", "null now allowed")
            if new.nullable
            else ("became-non-nullable", "null no longer allowed")
        )
    if old.types != new.types:
        yield "type-changed", f"{old.type_label} → {new.type_label}"
    yield from _enum_changes(old.enum, new.enum)
    if old.pattern != new.pattern:
        kind = "changed" if old.pattern and new.pattern else "added" if new.pattern else "removed"
        yield f"pattern-{kind}", f"{old.pattern or 'none'} → {new.pattern or 'none'}"
    yield from _constraint_changes(dict(old.constraints), dict(new.constraints))


def _enum_changes(old: tuple[Any, ...] | None, new: tuple[Any, ...] | None) -> Iterator[tuple[str, str]]:
    if old == new:
        return
    if old is None:
        yield "enum-narrowed", f"now only {_values(new or ())}"
    elif new is None:
        yield "enum-widened", f"any value now (was {_values(old)})"
    else:
        if added := [value for value in new if value not in old]:
            yield "enum-widened", f"+ {_values(added)}"
        if removed := [value for value in old if value not in new]:
            yield "enum-narrowed", f"- {_values(removed)}"


def _constraint_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        detail = f"{key} {before if before is not None else 'none'} → {after if after is not None else 'none'}"
        if key not in LOWER_BOUNDS + UPPER_BOUNDS or not all(
            isinstance(v, (int, float)) for v in (before, after) if v is not None
        ):
            yield "constraint-changed", detail
        elif before is None or after is None:
            yield ("constraint-tightened" if before is None else "constraint-loosened"), detail
        else:
            tighter = after > before if key in LOWER_BOUNDS else after < before
            yield ("constraint-tightened" if tighter else "constraint-loosened"), detail


def _ancestor_changed(
    key: tuple[str, str],
    before: dict[tuple[str, str], Any],
    after: dict[tuple[str, str], Any],
) -> bool:
    part, path = key
    parents = [""] if part == "request" and path else []
    while (parent := parent_of(path)) is not None:
        parents.append(parent)
        path = parent
    return any(((part, p) in before) != ((part, p) in after) for p in parents)


def _status_scope(status: str) -> str:
    return "success" if status[:1] in ("1", "2", "3") else "error"


def _summary(facts: FieldFacts) -> str:
    state = "required" if facts.required else "optional"
    return f"{state} {facts.type_label}{' or null' if facts.nullable and facts.types is not None else ''}"


def _values(values: Any) -> str:
    return ", ".join(str(value) for value in values)
