"""The field matrix of the providers' cancel contracts and, per ordered pair, what would break (see `compat`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from contracts.compat.contract import REQUEST_SECTIONS, Contract, parent_of, row_key
from contracts.fields import FieldFacts

AUTH = "auth"
STATUSES = "status codes"


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
        other = len(self.differences) - self.breaking
        return f"{self.client} → {self.server}: {self.breaking} breaking, {other} non-breaking"


@dataclass(frozen=True)
class Matrix:
    """The whole comparison: one contract per provider, the field rows and every ordered pair."""

    providers: tuple[str, ...]
    contracts: dict[str, Contract]
    rows: tuple[tuple[str, str], ...]
    pairs: tuple[PairDiff, ...]
    observed: Any = field(default=None)


def build_matrix(contracts: list[Contract]) -> Matrix:
    """Rows are the union of every provider's fields; pairs cover every ordered pair."""
    rows = sorted({key for contract in contracts for key in contract.fields}, key=row_key)
    pairs = tuple(compare(a, b) for a in contracts for b in contracts if a.provider != b.provider)
    return Matrix(tuple(c.provider for c in contracts), {c.provider: c for c in contracts}, tuple(rows), pairs)


def compare(client: Contract, server: Contract) -> PairDiff:
    """Everything a client built against `client` would hit when talking to `server`, breaking first."""
    found = list(_auth_differences(client, server)) + list(_status_differences(client, server))
    both = set(client.statuses) & set(server.statuses)
    clashing = {s for s in both if s in client.envelopes and client.envelopes[s] != server.envelopes.get(s)}
    for key in sorted(set(client.fields) | set(server.fields), key=row_key):
        section, path = key
        status = section.partition(" ")[0]
        if section not in REQUEST_SECTIONS and (status not in both or status in clashing):
            continue
        if _parent_missing(key, client, server):
            continue
        a, b = client.fields.get(key), server.fields.get(key)
        checks = _request_rules if section in REQUEST_SECTIONS else _response_rules
        found += [
            Difference(section, path, kind, breaking, reason)
            for kind, breaking, reason in checks(a, b, client, server, section)
        ]
    ranked = sorted(found, key=lambda d: (not d.breaking, row_key((d.section, d.field))))
    return PairDiff(client.provider, server.provider, tuple(ranked))


Rule = tuple[str, bool, str]


def _response_rules(
    a: FieldFacts | None, b: FieldFacts | None, client: Contract, server: Contract, section: str
) -> Iterator[Rule]:
    A, B = client.provider, server.provider
    if a is not None and b is None and a.path.endswith("[]"):
        yield "type", True, f"{B} does not describe these items; {A} expects {_describe(a)}"
        return
    if a is None and b is not None and b.path.endswith("[]"):
        yield "type", False, f"{B} describes these items as {_describe(b)}; {A} accepts any"
        return
    if b is None:
        assert a is not None
        yield (
            ("presence", True, f"{A} requires it; {B} does not document it")
            if a.required
            else ("presence", False, f"{A} has it as optional; {B} does not document it")
        )
        return
    if a is None:
        sends = "always sends" if b.required else "may send"
        yield "presence", False, f"{B} {sends} it; {A} does not know it (ignored)"
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


def _request_rules(
    a: FieldFacts | None, b: FieldFacts | None, client: Contract, server: Contract, section: str
) -> Iterator[Rule]:
    A, B = client.provider, server.provider
    if b is None:
        yield "presence", False, f"{A} defines it; {B} does not document it"
        return
    if a is None:
        yield (
            ("presence", True, f"{B} requires it; {A} never sends it")
            if b.required
            else ("presence", False, f"{B} accepts it as optional; {A} does not know it")
        )
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


def _type_rules(
    reader: FieldFacts, sender: FieldFacts, reader_name: str, sender_name: str, reading: bool
) -> Iterator[Rule]:
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
        example = server.example_ids[0]
        yield "id-pattern", False, f"{B} declares no id pattern; its example id {example!r} matches {a.pattern}"
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
            yield Difference(
                STATUSES,
                status,
                "status",
                True,
                f"{B} may answer {status}{_assumed(status, server)}, which {A} does not document",
            )
    for status in client.statuses:
        if status not in server.statuses:
            yield Difference(STATUSES, status, "status", False, f"{A} documents {status}; {B} never does")
    for status in client.statuses:
        mine, theirs = client.envelopes.get(status), server.envelopes.get(status)
        if mine and theirs and mine != theirs:
            basis = _assumed(status, client, server)
            yield Difference(
                f"{status} body",
                "",
                "envelope",
                True,
                f"{A} expects a {mine} error body; {B} sends a {theirs} one{basis}",
            )


def _assumed(status: str, *contracts: Contract) -> str:
    """A note naming the specs in which this status or its body is an assumption (`x-assumed`), not documented."""
    names = [contract.provider for contract in contracts if status in contract.assumed]
    return f" (an assumption in the {' and '.join(names)} spec{'s' if len(names) > 1 else ''})" if names else ""


def _parent_missing(key: tuple[str, str], client: Contract, server: Contract) -> bool:
    """True when an ancestor is absent or of open type on either side: the ancestor's difference covers this one."""
    section, path = key
    while (parent := parent_of(path)) is not None:
        mine, theirs = client.fields.get((section, parent)), server.fields.get((section, parent))
        if mine is None or theirs is None or mine.types is None or theirs.types is None:
            return True
        path = parent
    return False


def _describe(facts: FieldFacts) -> str:
    return facts.type_label + (f" ({_values(facts.enum)})" if facts.enum else "")


def _values(values: Iterable[Any]) -> str:
    return ", ".join(str(value) for value in values)
