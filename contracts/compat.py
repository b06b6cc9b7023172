"""Cross-vendor compatibility of the cancel operation: a field matrix and, per ordered pair, what would break.

A pair A → B reads "a client built against A's spec, talking to B". Each difference is `breaking` or
`non-breaking`, by these rules:

Response bodies and headers (B sends, A reads):
- a field A requires that B never sends or may omit → breaking;
- a field B sends (required or not) that A does not know → non-breaking (clients ignore unknown fields);
- a field A knows as optional that B never sends, or one B always sends that A has optional → non-breaking;
- B nullable where A is not → breaking; A nullable where B is not → non-breaking;
- B may send a type A does not accept (an integer is a number), or leaves the type open → breaking;
  B narrowing A's types → non-breaking;
- an enum value B may send that A does not know, or B leaving A's enum open → breaking;
  an enum value A knows that B never sends → non-breaking;
- error envelope flat (`{"message", ...}`) vs wrapped (`{"error": {...}}`) → breaking; the body fields under that
  status are then not compared one by one;
- a status code B documents that A does not → breaking (like an unknown enum value); the reverse → non-breaking.

Requests (A sends, B reads):
- a parameter B requires that A does not send, or only has optional → breaking; the reverse → non-breaking;
- path parameters carry ids that B issued: if A declares a pattern, B's ids must match it. B's example ids are
  tested against A's pattern; a different or missing pattern on B with no matching example → breaking
  (e.g. Yandex's UUID-like ids vs MKA1's `^resp[-_][a-zA-Z0-9]+$`);
- auth: a header format A may use that B does not accept → breaking; one B accepts on top → non-breaking.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from contracts.errors import EXIT_OK, ConfigError
from contracts.fields import FieldFacts, facts_of, iter_fields, shape_of
from contracts.specs import PROVIDERS, REFERENCE_PROVIDERS, Spec, load_spec, resolve_pointer

OPERATION = "cancelResponse"
AUTH = "auth"
STATUSES = "status codes"
_REQUEST_ORDER = ("path parameters", "header parameters", "query parameters", "cookie parameters")


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


@dataclass(frozen=True)
class Difference:
    """One thing a client built against `client` would hit when talking to `server`."""

    section: str
    field: str
    kind: str
    breaking: bool
    reason: str


@dataclass(frozen=True)
class PairDiff:
    """All differences for one ordered pair of providers."""

    client: str
    server: str
    differences: tuple[Difference, ...]

    @property
    def breaking(self) -> int:
        """How many differences break the client."""
        return sum(1 for difference in self.differences if difference.breaking)

    @property
    def summary(self) -> str:
        """`yandex → mka1: 12 breaking, 5 non-breaking`."""
        return f"{self.client} → {self.server}: {self.breaking} breaking, {len(self.differences) - self.breaking} non-breaking"


@dataclass(frozen=True)
class Matrix:
    """The whole comparison: one contract per provider, the field rows and every ordered pair."""

    providers: tuple[str, ...]
    contracts: dict[str, Contract]
    rows: tuple[tuple[str, str], ...]
    pairs: tuple[PairDiff, ...]
    observed: Any = field(default=None)


def run(args: argparse.Namespace) -> int:
    """`contracts compat`: print the matrix as Markdown, JSON or HTML."""
    from contracts.compat_observed import read_observed
    from contracts.compat_render import render

    providers = parse_providers(args.providers)
    matrix = build_matrix([contract_of(load_spec(provider)) for provider in providers])
    if args.observed is not None:
        matrix = read_observed(args.observed, matrix)
    sys.stdout.write(render(matrix, args.format))
    return EXIT_OK


def parse_providers(raw: str) -> tuple[str, ...]:
    """The `--providers` list, checked against the known providers."""
    known = PROVIDERS + REFERENCE_PROVIDERS
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(f"unknown provider {unknown[0]!r} in --providers", f"use some of: {', '.join(known)}")
    if len(names) < 2:
        raise ConfigError(f"--providers needs at least two providers, got {raw!r}", f"e.g. {','.join(known)}")
    return names


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
        fields[(section, parameter["name"])] = facts_of(resolve, schema, parameter["name"], bool(parameter.get("required")))
        if parameter.get("in") == "path":
            example_ids += _examples(parameter) + _examples(spec.deref(schema))
    envelopes: dict[str, str] = {}
    for status in operation.statuses:
        response = spec.deref(operation.node["responses"][status])
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            fields.update({(f"{status} body", f.path): f for f in iter_fields(resolve, schema)})
            if not status.startswith(("1", "2", "3")):
                envelopes[status] = _envelope(resolve, schema)
        for name, header in response.get("headers", {}).items():
            header = spec.deref(header)
            fields[(f"{status} headers", name)] = facts_of(resolve, header.get("schema", {}), name, bool(header.get("required")))
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
    )


def build_matrix(contracts: list[Contract]) -> Matrix:
    """Rows are the union of every provider's fields; pairs cover every ordered pair."""
    rows = sorted({key for contract in contracts for key in contract.fields}, key=row_key)
    pairs = tuple(compare(a, b) for a in contracts for b in contracts if a.provider != b.provider)
    return Matrix(tuple(c.provider for c in contracts), {c.provider: c for c in contracts}, tuple(rows), pairs)


def row_key(key: tuple[str, str]) -> tuple[Any, ...]:
    """Request sections first (path, header, query), then each status's body and headers in status order."""
    section, path = key
    if section in _REQUEST_ORDER:
        return (0, _REQUEST_ORDER.index(section), "", 0, path)
    status, _, part = section.partition(" ")
    return (1, 0 if status.isdigit() else 1, status, 0 if part == "body" else 1, path)


def compare(client: Contract, server: Contract) -> PairDiff:
    """Everything a client built against `client` would hit when talking to `server`, breaking first."""
    found = list(_auth_differences(client, server)) + list(_status_differences(client, server))
    both = set(client.statuses) & set(server.statuses)
    clashing = {s for s in both if s in client.envelopes and client.envelopes[s] != server.envelopes.get(s)}
    for key in sorted(set(client.fields) | set(server.fields), key=row_key):
        section, path = key
        status = section.partition(" ")[0]
        if section not in _REQUEST_ORDER and (status not in both or status in clashing):
            continue
        if _parent_missing(key, client, server):
            continue
        a, b = client.fields.get(key), server.fields.get(key)
        checks = _request_rules if section in _REQUEST_ORDER else _response_rules
        found += [Difference(section, path, kind, breaking, reason) for kind, breaking, reason in
                  checks(a, b, client, server, section)]
    ranked = sorted(enumerate(found), key=lambda pair: (not pair[1].breaking, pair[0]))
    return PairDiff(client.provider, server.provider, tuple(difference for _, difference in ranked))


Rule = tuple[str, bool, str]


def _response_rules(a: FieldFacts | None, b: FieldFacts | None, client: Contract, server: Contract,
                    section: str) -> Iterator[Rule]:
    A, B = client.provider, server.provider
    if a is not None and b is None and a.path.endswith("[]"):
        yield "type", True, f"{B} does not describe these items; {A} expects {_describe(a)}"
        return
    if a is None and b is not None and b.path.endswith("[]"):
        yield "type", False, f"{B} describes these items as {_describe(b)}; {A} accepts any"
        return
    if b is None:
        assert a is not None
        yield ("presence", True, f"{A} requires it; {B} does not document it") if a.required else (
            "presence", False, f"{A} has it as optional; {B} does not document it")
        return
    if a is None:
        yield "presence", False, f"{B} {'always sends' if b.required else 'may send'} it; {A} does not know it (ignored)"
        return
    if a.required and not b.required:
        yield "requiredness", True, f"{A} requires it; {B} may omit it"
    elif b.required and not a.required:
        yield "requiredness", False, f"{B} always sends it; {A} has it as optional"
    if b.types is None and a.types is not None:
        yield "type", True, f"{B} leaves its type open (any value, null included); {A} expects {_describe(a)}"
        return
    yield from _type_rules(a, b, A, B, reading=True)
    if b.nullable and not a.nullable:
        yield "nullability", True, f"{B} may send null; {A} does not allow null"
    elif a.nullable and not b.nullable:
        yield "nullability", False, f"{A} allows null; {B} never sends null"
    yield from _enum_rules(a.enum, b.enum, A, B)
    if a.pattern and b.pattern != a.pattern:
        yield "pattern", True, f"{B}'s values are not bound to {A}'s pattern {a.pattern} ({B}: {b.pattern or 'none'})"
    elif b.pattern and not a.pattern:
        yield "pattern", False, f"{B} constrains values to {b.pattern}; {A} accepts any"


def _request_rules(a: FieldFacts | None, b: FieldFacts | None, client: Contract, server: Contract,
                   section: str) -> Iterator[Rule]:
    A, B = client.provider, server.provider
    if b is None:
        yield "presence", False, f"{A} defines it; {B} does not document it"
        return
    if a is None:
        yield ("presence", True, f"{B} requires it; {A} never sends it") if b.required else (
            "presence", False, f"{B} accepts it as optional; {A} does not know it")
        return
    if b.required and not a.required:
        yield "requiredness", True, f"{B} requires it; {A} may not send it"
    elif a.required and not b.required:
        yield "requiredness", False, f"{A} always sends it; {B} has it as optional"
    yield from _type_rules(b, a, B, A, reading=False)
    if b.enum is not None:
        sent = a.enum if a.enum is not None else None
        if sent is None:
            yield "enum", True, f"{B} accepts only {_values(b.enum)}; {A} may send any value"
        elif extra := [v for v in sent if v not in b.enum]:
            yield "enum", True, f"{A} may send {_values(extra)}, which {B} does not accept"
    if section == "path parameters":
        yield from _id_rules(a, b, client, server)
    elif b.pattern and b.pattern != a.pattern:
        yield "pattern", True, f"{B} accepts only values matching {b.pattern}; {A} does not promise that"


def _type_rules(reader: FieldFacts, sender: FieldFacts, reader_name: str, sender_name: str,
                reading: bool) -> Iterator[Rule]:
    """The sender's types must all be accepted by the reader (an integer is a number)."""
    if reader.types is None or sender.types is None or reader.types == sender.types:
        return
    accepted = set(reader.types) | ({"integer"} if "number" in reader.types else set())
    if extra := [t for t in sender.types if t not in accepted]:
        yield "type", True, f"{sender_name} may send {'|'.join(extra)}; {reader_name} expects {reader.type_label}"
    elif reading:
        yield "type", False, f"{sender_name} sends only {sender.type_label}; {reader_name} accepts {reader.type_label}"


def _enum_rules(known: tuple[Any, ...] | None, sent: tuple[Any, ...] | None, A: str, B: str) -> Iterator[Rule]:
    if known is None:
        if sent is not None:
            yield "enum", False, f"{B} restricts it to {_values(sent)}; {A} accepts any value"
        return
    if sent is None:
        yield "enum", True, f"{B} may send any value; {A} knows only {_values(known)}"
        return
    if new := [value for value in sent if value not in known]:
        yield "enum", True, f"{B} may send {_values(new)}, unknown to {A}"
    if gone := [value for value in known if value not in sent]:
        yield "enum", False, f"{A} knows {_values(gone)}, which {B} never sends"


def _id_rules(a: FieldFacts, b: FieldFacts, client: Contract, server: Contract) -> Iterator[Rule]:
    A, B = client.provider, server.provider
    if not a.pattern:
        if b.pattern:
            yield "id-pattern", False, f"{B} issues ids matching {b.pattern}; {A} accepts any id"
        return
    if b.pattern == a.pattern:
        return
    misfits = [i for i in server.example_ids if not re.search(a.pattern, i)]
    if misfits:
        yield "id-pattern", True, f"{B}'s id {misfits[0]!r} does not match {A}'s pattern {a.pattern}"
    elif b.pattern:
        yield "id-pattern", True, f"{B}'s ids follow {b.pattern}, not {A}'s pattern {a.pattern}"
    elif server.example_ids:
        yield "id-pattern", False, f"{B} declares no id pattern; its example id {server.example_ids[0]!r} matches {a.pattern}"
    else:
        yield "id-pattern", True, f"{B} declares no id pattern, so its ids may not match {A}'s {a.pattern}"


def _auth_differences(client: Contract, server: Contract) -> Iterator[Difference]:
    A, B = client.provider, server.provider
    for scheme in client.auth:
        if scheme not in server.auth:
            yield Difference(AUTH, scheme, "auth", True, f"{A} may authenticate this way; {B} does not accept it")
    for scheme in server.auth:
        if scheme not in client.auth:
            yield Difference(AUTH, scheme, "auth", False, f"{B} also accepts it; {A} does not use it")


def _status_differences(client: Contract, server: Contract) -> Iterator[Difference]:
    A, B = client.provider, server.provider
    for status in server.statuses:
        if status not in client.statuses:
            yield Difference(STATUSES, status, "status", True, f"{B} may answer {status}, which {A} does not document")
    for status in client.statuses:
        if status not in server.statuses:
            yield Difference(STATUSES, status, "status", False, f"{A} documents {status}; {B} never does")
    for status in client.statuses:
        mine, theirs = client.envelopes.get(status), server.envelopes.get(status)
        if mine and theirs and mine != theirs:
            yield Difference(f"{status} body", "", "envelope", True,
                             f"{A} expects a {mine} error body; {B} sends a {theirs} one")


def _parent_missing(key: tuple[str, str], client: Contract, server: Contract) -> bool:
    """True when an ancestor is absent or of open type on either side: the ancestor's difference covers this one."""
    section, path = key
    while (parent := parent_of(path)) is not None:
        mine, theirs = client.fields.get((section, parent)), server.fields.get((section, parent))
        if mine is None or theirs is None or mine.types is None or theirs.types is None:
            return True
        path = parent
    return False


def parent_of(path: str) -> str | None:
    """The dotted path one level up (`output[].type` → `output[]` → `output`), or None at the top."""
    if path.endswith("[]"):
        return path[:-2]
    return path.rsplit(".", 1)[0] if "." in path else None


def parameters_of(document: dict[str, Any], route: str, operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Path-item parameters overridden by operation parameters of the same name and location, `$ref`s followed."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in list(document["paths"][route].get("parameters", [])) + list(operation.get("parameters", [])):
        parameter = raw
        while "$ref" in parameter:
            parameter = resolve_pointer(document, parameter["$ref"])
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
    for requirement in operation.get("security", spec.document.get("security", [])):
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


def _describe(facts: FieldFacts) -> str:
    return facts.type_label + (f" ({_values(facts.enum)})" if facts.enum else "")


def _values(values: Iterable[Any]) -> str:
    return ", ".join(str(value) for value in values)
