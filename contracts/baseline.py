"""Known-drift baselines: `baselines/<provider>.yaml` entries keyed by fingerprint mark drift known or expired."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from contracts.errors import EXIT_OK, BaselineError
from contracts.loader import DatesAsStrings, load_yaml
from contracts.model import BaselineEntry, BaselineState, BaselineUse, DriftRecord, ProviderResult, RunReport
from contracts.providers import parse as parse_providers
from contracts.report.document import data_validator, read_report

TODO_REASON = "TODO: explain why this drift is accepted"
FIX = "fix the file, or rewrite it with `contracts baseline update --from REPORT_DIR`"
FIELD_ORDER = ("kind", "operation", "status_code", "location", "reason", "link", "expires")
TYPE_NAMES = {"object": "a mapping", "integer": "a whole number", "string": "a string"}


def expired(entry: BaselineEntry, today: dt.date) -> bool:
    """An entry holds through its `expires` day and is expired from the day after."""
    return entry.expires is not None and dt.date.fromisoformat(entry.expires) < today


def yaml_fields(entry: BaselineEntry) -> dict[str, Any]:
    """The entry as written under its fingerprint in the YAML file (unset fields left out)."""
    values = {name: getattr(entry, name) for name in FIELD_ORDER}
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Baseline:
    """A provider's baseline file, read and validated."""

    provider: str
    path: Path
    entries: dict[str, BaselineEntry]


def baseline_path(baseline_dir: Path, provider: str) -> Path:
    """Where a provider's baseline lives."""
    return baseline_dir / f"{provider}.yaml"


def _problem(error: ValidationError) -> str:
    where = ".".join(str(token) for token in error.absolute_path)
    subject = where or "the file"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        return f"{subject}: unknown key {unknown[0]!r} (allowed: {', '.join(allowed)})"
    if error.validator == "required":
        return f"{where}: missing key {_missing(error)!r}" if where else f"missing top-level key {_missing(error)!r}"
    if error.validator == "pattern" and where.endswith(".expires"):
        return f"{where} must be a date YYYY-MM-DD, got {error.instance!r}"
    if error.validator == "pattern":
        return f"entries: {error.instance!r} is not a fingerprint (16 lowercase hex digits from drift.json)"
    if error.validator == "type":
        return f"{subject} must be {TYPE_NAMES.get(str(error.validator_value), error.validator_value)}"
    if error.validator == "enum":
        return f"{subject} must be one of {', '.join(map(str, error.validator_value))}, got {error.instance!r}"
    if error.validator == "minLength":
        return f"{subject} must not be empty"
    return f"{subject}: {error.message}"


def _missing(error: ValidationError) -> str:
    present = error.instance if isinstance(error.instance, dict) else {}
    return str(next(name for name in error.validator_value if name not in present))


def load_baseline(baseline_dir: Path, provider: str) -> Baseline | None:
    """The provider's baseline, or None when the folder or file does not exist."""
    path = baseline_path(baseline_dir, provider)
    if not path.exists():
        return None
    document = load_yaml(path, "", FIX, error=BaselineError, loader=DatesAsStrings)
    if document is None:
        raise BaselineError(f"{path} is empty", f"write `provider: {provider}` and `entries:`, or delete the file")
    errors = list(data_validator("baseline.schema.json").iter_errors(document))
    # An unknown key is usually a misspelt known one, so name it before the "missing key" it causes.
    error = next((e for e in errors if e.validator == "additionalProperties"), None) or best_match(errors)
    if error is not None:
        raise BaselineError(f"{path}: {_problem(error)}", FIX)
    if document["provider"] != provider:
        raise BaselineError(
            f"{path} is for provider {document['provider']!r}, not {provider!r}",
            f"move it to {baseline_path(baseline_dir, document['provider'])}, or set provider: {provider}",
        )
    entries = {}
    for fingerprint, fields in document["entries"].items():
        if "expires" in fields:
            try:
                dt.date.fromisoformat(fields["expires"])
            except ValueError:
                raise BaselineError(
                    f"{path}: entries.{fingerprint}.expires is not a real date: {fields['expires']!r}", FIX
                ) from None
        entries[fingerprint] = BaselineEntry(fingerprint=fingerprint, **fields)
    return Baseline(provider, path, entries)


def annotate_report(report: RunReport, baseline_dir: Path | None, today: dt.date | None = None) -> RunReport:
    """The report with each drift record `new`, `known` or `expired` against `baseline_dir/<provider>.yaml`.

    Entries that matched nothing are listed as no longer observed, but only for providers that actually ran:
    a skipped provider observed nothing, which says nothing about its drift.
    """
    day = today or dt.date.today()
    baselines = {entry.provider: load_baseline(baseline_dir, entry.provider) if baseline_dir else None
                 for entry in report.providers}  # fmt: skip
    return report.with_providers(tuple(_annotated(entry, baselines[entry.provider], day) for entry in report.providers))


def _state(accepted: BaselineEntry | None, today: dt.date) -> BaselineState:
    if accepted is None:
        return BaselineState.NEW
    return BaselineState.EXPIRED if expired(accepted, today) else BaselineState.KNOWN


def _annotated(entry: ProviderResult, baseline: Baseline | None, today: dt.date) -> ProviderResult:
    known = baseline.entries if baseline else {}
    records, matched = [], []
    for record in entry.drift:
        accepted = known.get(record.fingerprint)
        records.append(replace(record, baseline=_state(accepted, today)))
        if accepted is not None:
            matched.append(accepted)
    seen = {record.fingerprint for record in entry.drift}
    stale = tuple(e for fp, e in known.items() if fp not in seen) if entry.ran else ()
    use = BaselineUse(str(baseline.path) if baseline else None, tuple(matched), stale)
    return replace(entry, drift=tuple(records), baseline=use)


def merged(baseline: Baseline | None, provider: str, path: Path, records: tuple[DriftRecord, ...],
           prune: bool) -> tuple[Baseline, dict[str, int]]:  # fmt: skip
    """The baseline with every record of a report added (existing reasons kept), and what changed."""
    old = baseline.entries if baseline else {}
    entries: dict[str, BaselineEntry] = {}
    counts = {"added": 0, "kept": 0, "pruned": 0, "stale": 0}
    for record in records:
        previous = old.get(record.fingerprint)
        counts["kept" if previous else "added"] += 1
        entries[record.fingerprint] = BaselineEntry(
            fingerprint=record.fingerprint,
            kind=str(record.kind),
            location=record.location,
            reason=previous.reason if previous else TODO_REASON,
            operation=record.operation,
            status_code=record.status_code,
            link=previous.link if previous else None,
            expires=previous.expires if previous else None,
        )
    for fingerprint, entry in old.items():
        if fingerprint not in entries:
            counts["pruned" if prune else "stale"] += 1
            if not prune:
                entries[fingerprint] = entry
    order = sorted(entries.values(), key=lambda e: (e.operation or "", e.status_code or 0, e.kind, e.location))
    return Baseline(provider, path, {e.fingerprint: e for e in order}), counts


def dump(baseline: Baseline) -> str:
    """The YAML text of a baseline file."""
    header = (
        f"# Known drift for {baseline.provider}. `contracts check` reports drift whose fingerprint is listed here as\n"
        "# known, or expired once `expires` (YYYY-MM-DD) has passed. `contracts baseline update` keeps reasons.\n"
    )
    document = {"provider": baseline.provider, "entries": {fp: yaml_fields(e) for fp, e in baseline.entries.items()}}
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def run(args: argparse.Namespace) -> int:
    """`contracts baseline update`: merge the drift of a report into the baseline files."""
    report = read_report(Path(args.source))
    providers = parse_providers(args.provider)
    baseline_dir = Path(args.baseline_dir)
    for entry in report.providers:
        provider = entry.provider
        if provider not in providers:
            continue
        path = baseline_path(baseline_dir, provider)
        if not entry.ran:
            print(f"{provider}: {entry.status} in the report; {path} left unchanged")
            continue
        baseline, counts = merged(load_baseline(baseline_dir, provider), provider, path, entry.drift, args.prune)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(baseline), encoding="utf-8")
        line = f"{path}: {counts['added']} added, {counts['kept']} kept, {counts['pruned']} pruned"
        if counts["stale"]:
            line += f"; {counts['stale']} no longer observed (kept; --prune drops them)"
        print(line)
    return EXIT_OK
