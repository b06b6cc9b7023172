"""What the providers were seen doing (`drift.json` from `contracts check`), checked against every selected spec.

Per provider, `providers[].observed` holds `fields` (dotted paths present in cancel 200 bodies), `enums`
(`{path: [values seen]}`) and `status_codes` (`{operationId: [codes]}`). A provider without that block gets a
note, not an error: the format is still settling. Array indexes in paths (`output.0.type`, `output[0].type`,
`/output/0/type`) are read as `output[].type`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from contracts.compat import Matrix
from contracts.compat_contract import OPERATION, Contract, parent_of, row_key
from contracts.errors import ConfigError
from contracts.loader import load_json

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
    path = Path(directory) / "drift.json"
    if not Path(directory).is_dir():
        raise ConfigError(f"--observed {directory} is not a directory", "pass a report dir from `contracts check`")
    document = load_json(path, "", "re-run `contracts check`", read_fix="run `contracts check` to write it")
    entries = _entries(document, path)
    providers = {name: _observe(name, entries.get(name), matrix) for name in matrix.providers}
    extra = {(BODY, f) for seen in providers.values() for f in seen.fields if (BODY, f) not in matrix.rows}
    rows = tuple(sorted(set(matrix.rows) | extra, key=row_key))
    return replace(matrix, rows=rows, observed=Observed(str(path), providers))


def _entries(document: Any, path: Path) -> dict[str, Any]:
    raw = document.get("providers") if isinstance(document, dict) else None
    if isinstance(raw, dict):
        return {str(name): entry for name, entry in raw.items()}
    if isinstance(raw, list):
        return {str(e.get("provider", e.get("name"))): e for e in raw if isinstance(e, dict)}
    raise ConfigError(f"{path} has no `providers` list", "pass a drift.json written by `contracts check`")


def _observe(provider: str, entry: Any, matrix: Matrix) -> ObservedProvider:
    observed = entry.get("observed") if isinstance(entry, dict) else None
    if not isinstance(observed, dict):
        note = "no entry in drift.json" if entry is None else "drift.json records no observed behaviour"
        return ObservedProvider(provider, note, (), {}, (), ())
    fields = tuple(sorted({normalise(str(f)) for f in observed.get("fields", [])}))
    enums = {normalise(str(k)): tuple(v) for k, v in (observed.get("enums") or {}).items() if isinstance(v, list)}
    codes = tuple(str(code) for code in (observed.get("status_codes") or {}).get(OPERATION, []))
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
