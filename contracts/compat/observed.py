"""What the providers were seen doing (`drift.json` from `contracts check`), checked against every selected spec.

The drift.json is read like every other reader does (`report.document.read_report`: validated against its schema,
then typed). Per provider, `observed` holds `fields` (dotted paths present in cancel 200 bodies), `enums`
(`{path: [values seen]}`) and `status_codes` (`{operationId: [codes]}`). A provider that is not in the report, or
that observed nothing (it was skipped or unavailable), gets a note, not an error. Array indexes in paths
(`output.0.type`, `output[0].type`, `/output/0/type`) are read as `output[].type`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from contracts.compat.contract import OPERATION, Contract, parent_of, row_key
from contracts.compat.matrix import Matrix
from contracts.errors import ConfigError
from contracts.model import ObservedValues
from contracts.report.document import read_report

BODY = "200 body"


@dataclass(frozen=True)
class Contradiction:
    """One way a provider's observed behaviour disagrees with a spec (its own, or another vendor's)."""

    provider: str
    against: str
    kind: str
    location: str
    detail: str


@dataclass(frozen=True)
class ObservedProvider:
    """One provider's observed behaviour and its contradictions; `note` says why there is none."""

    provider: str
    note: str | None
    fields: tuple[str, ...]
    enums: dict[str, tuple[Any, ...]]
    status_codes: tuple[str, ...]
    contradictions: tuple[Contradiction, ...]


@dataclass(frozen=True)
class Observed:
    """Everything read from one `drift.json`."""

    source: str
    providers: dict[str, ObservedProvider]


def read_observed(directory: str, matrix: Matrix) -> Matrix:
    """Attach observed behaviour to a matrix; unseen fields that no spec names become extra `200 body` rows."""
    if not Path(directory).is_dir():
        raise ConfigError(f"--observed {directory} is not a directory", "pass a report dir from `contracts check`")
    path = Path(directory) / "drift.json"
    report = read_report(path)
    entries = {entry.provider: entry.observed for entry in report.providers}
    providers = {name: _observe(name, entries.get(name), matrix) for name in matrix.providers}
    extra = {(BODY, f) for seen in providers.values() for f in seen.fields if (BODY, f) not in matrix.rows}
    rows = tuple(sorted(set(matrix.rows) | extra, key=row_key))
    return replace(matrix, rows=rows, observed=Observed(str(path), providers))


def _observe(provider: str, observed: ObservedValues | None, matrix: Matrix) -> ObservedProvider:
    if observed is None or observed == ObservedValues():
        note = "no entry in drift.json" if observed is None else "drift.json records no observed behaviour"
        return ObservedProvider(provider, note, (), {}, (), ())
    fields = tuple(sorted({normalise(f) for f in observed.fields}))
    enums = {normalise(name): values for name, values in observed.enums.items()}
    codes = tuple(str(code) for code in observed.status_codes.get(OPERATION, ()))
    found: list[Contradiction] = []
    for against in sorted(matrix.providers, key=lambda name: name != provider):
        found += contradictions(provider, fields, enums, codes, matrix.contracts[against])
    return ObservedProvider(provider, None, fields, enums, codes, tuple(found))


def contradictions(
    provider: str,
    fields: tuple[str, ...],
    enums: dict[str, tuple[Any, ...]],
    codes: tuple[str, ...],
    contract: Contract,
) -> list[Contradiction]:
    """Where observed behaviour leaves what `contract` promises: fields, required fields, enum values, statuses."""
    spec = {path: facts for (section, path), facts in contract.fields.items() if section == BODY}
    # A parent with an observed child was seen as an object; one seen only as null (an `error: null`) was not,
    # so its required children are not missing.
    objects = {ancestor for f in fields for ancestor in _ancestors(f)}
    seen = set(fields) | objects
    against = contract.provider
    found = []

    def add(kind: str, location: str, detail: str) -> None:
        found.append(Contradiction(provider, against, kind, location, detail))

    for path in fields:
        parent = parent_of(path)
        if path not in spec and (parent is None or (parent in spec and spec[parent].has_children)):
            add("undocumented-field", path, f"sent, but {against}'s spec does not name it")
    for path, expected in spec.items():
        parent = parent_of(path)
        if expected.required and not path.endswith("[]") and path not in seen and (parent is None or parent in objects):
            add("missing-required-field", path, f"never sent, but {against}'s spec requires it")
    for path, values in sorted(enums.items()):
        facts = spec.get(path)
        enum = facts.enum if facts is not None else None
        if facts is None or enum is None:
            continue
        outside = [v for v in values if v not in enum and not (v is None and facts.nullable)]
        if outside:
            sent, allowed = ", ".join(map(str, outside)), ", ".join(map(str, enum))
            add("enum-value-outside-spec", path, f"sent {sent}; {against}'s spec allows {allowed}")
    for code in codes:
        if not _documented(code, contract.statuses):
            documented = ", ".join(contract.statuses)
            add("undocumented-status", code, f"answered {code}; {against}'s spec documents {documented}")
    return found


def normalise(path: str) -> str:
    """`output.0.type`, `output[0].type`, `output.[].type` and `/output/0/type` all become `output[].type`."""
    if path.startswith("/"):
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
    else:
        tokens = path.replace("[", ".[").split(".")
    result = ""
    for token in tokens:
        if token.isdigit() or (token.startswith("[") and token.endswith("]")):
            result += "[]"
        elif token:
            result += f".{token}" if result else token
    return result


def _documented(code: str, statuses: tuple[str, ...]) -> bool:
    return code in statuses or f"{code[:1]}XX" in statuses or "default" in statuses


def _ancestors(path: str) -> list[str]:
    found = []
    while (parent := parent_of(path)) is not None:
        found.append(parent)
        path = parent
    return found
