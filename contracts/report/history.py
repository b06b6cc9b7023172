"""Run history: one compact JSON per run in a folder users keep as a CI cache, read back for the trend chart."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.errors import ContractsError
from contracts.loader import load_json
from contracts.model import RunReport
from contracts.report.document import ReportError, data_validator

HISTORY_VERSION = 1
MAX_POINTS = 100
# An entry is a few hundred bytes; anything far larger is not one.
MAX_ENTRY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class History:
    """The runs found in a history folder, oldest first, and the files that could not be read."""

    runs: list[dict[str, Any]]
    unreadable: list[str]


def history_entry(report: RunReport) -> dict[str, Any]:
    """The compact summary of one run kept in the history folder."""
    providers = {}
    for entry in report.providers:
        tally = entry.tally
        providers[entry.provider] = {
            "status": str(entry.status),
            "counts": entry.counts,
            "drift": len(entry.drift),
            "errors": tally.errors,
            "warnings": tally.warnings,
            "baseline": {"new": tally.new, "known": tally.known, "expired": tally.expired},
        }
    return {
        "history_version": HISTORY_VERSION,
        "generated_at": report.generated_at,
        "seed": report.seed,
        "target": str(report.target),
        "providers": providers,
    }


def _stamp(generated_at: str) -> str:
    moment = dt.datetime.fromisoformat(generated_at).astimezone(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def append_history(report: RunReport, directory: Path) -> Path:
    """Write this run's summary as `<UTC time>.json`, so file names sort by time."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(history_entry(report), separators=(",", ":"), sort_keys=True) + "\n"
    stamp = _stamp(report.generated_at)
    # Two runs in the same second: `~` sorts after `.`, so `<stamp>~1.json` still lists after `<stamp>.json`.
    for attempt in range(1000):
        path = directory / (f"{stamp}.json" if attempt == 0 else f"{stamp}~{attempt}.json")
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory}: too many runs stamped {stamp}")


def read_history(directory: Path | None) -> History:
    """The last runs of a history folder, oldest first; a missing folder is an empty history."""
    if directory is None or not directory.is_dir():
        return History([], [])
    runs, unreadable = [], []
    for path in sorted(directory.glob("*.json")):
        try:
            run = load_json(path, "history entry", "delete it", error=ReportError, max_bytes=MAX_ENTRY_BYTES)
            if data_validator("history.schema.json").is_valid(run):
                dt.datetime.fromisoformat(run["generated_at"])
            else:
                raise ValueError("not a history entry")
        except (ContractsError, ValueError):
            # The chart is a convenience: a bad entry is skipped and named under it, never a failed report.
            unreadable.append(path.name)
            continue
        runs.append(run)
    return History(runs[-MAX_POINTS:], unreadable)
