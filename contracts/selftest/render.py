"""The self-test's outputs: the table on stdout and `selftest.json`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from contracts.selftest.jobs import CONFIGURATIONS, Outcome, Result, Sighting

HEADER = ("PROVIDER", "ENTRY", "KIND", "DETECTED", "CLASSIFIED", "LAYER", "REQUESTS", "LIVE-BUDGET")
CLEAN_HEADER = ("CLEAN RUN", "CONFIGURATION", "SEEDS", "REQUESTS", "DRIFT", "ERRORS")


def columns(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as left-aligned columns two spaces apart, without trailing blanks."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def describe(key: tuple[str, str, int, str]) -> str:
    """A declaration or a record as `kind operation status location`."""
    kind, operation, status, location = key
    return f"{kind} {operation} {status} {location or '(response)'}"


def _cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    match = outcome.match
    return f"caught@{match.first_request}" if match and outcome.caught else outcome.verdict


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def render_table(result: Result) -> str:
    """The per-entry table, the clean runs, the surviving entries and the mutation score."""
    live = {(o.job.provider, o.job.entry): o for o in result.entries if o.job.configuration == "live-budget"}
    rows: list[tuple[str, ...]] = [HEADER]
    for outcome in (o for o in result.entries if o.job.configuration == "default"):
        match = outcome.match
        rows.append((
            outcome.job.provider,
            outcome.job.entry or "",
            outcome.job.declared[0] if outcome.job.declared else "",
            "yes" if outcome.found else "no",
            "yes" if match else "no",
            match.layer if match else "-",
            str(match.first_request) if match else "-",
            _cell(live.get((outcome.job.provider, outcome.job.entry))),
        ))  # fmt: skip
    lines = columns(rows) + [""] + columns(_clean_rows(result)) + [""]
    lines += _failures(result)
    scores = [f"{caught}/{total} {name}" for name in CONFIGURATIONS for caught, total in [result.score(name)]]
    fp = result.false_positives
    lines.append(f"mutation score: {', '.join(scores)} (entries detected and classified as declared)")
    lines.append(f"clean runs: {len(result.clean) - len(fp)}/{len(result.clean)} without drift")
    lines.append(f"selftest: {'PASS' if result.passed else 'FAIL'}")
    return "\n".join(lines)


def _clean_rows(result: Result) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [CLEAN_HEADER]
    for provider in result.providers:
        for configuration in CONFIGURATIONS:
            runs = [o for o in result.clean if (o.job.provider, o.job.configuration) == (provider, configuration)]
            if runs:
                seeds, requests = [o.job.seed for o in runs], [o.requests for o in runs]
                drift, errors = sum(len(o.found) for o in runs), sum(1 for o in runs if o.error)
                rows.append((provider, configuration, _span(seeds), _span(requests), str(drift), str(errors)))
    return rows


def _failures(result: Result) -> list[str]:
    lines: list[str] = []
    if result.surviving:
        lines.append("surviving:")
        for o in result.surviving:
            head = f"  {o.job.provider} {o.job.entry} [{o.job.configuration}]: {o.verdict}"
            declared = describe(o.job.declared) if o.job.declared else ""
            if o.error:
                lines.append(f"{head}: {o.error}")
            elif not o.found:
                lines.append(f"{head}: expected {declared}; no drift in {o.requests} requests")
            else:
                found = "; ".join(f"{describe(s.key)} ({s.layer}@{s.first_request})" for s in o.found)
                lines.append(f"{head}: expected {declared}; found {found}")
    if result.false_positives:
        lines.append("false positives:")
        for o in result.false_positives:
            head = f"  {o.job.provider} [{o.job.configuration}] seed {o.job.seed}"
            if o.error:
                lines.append(f"{head}: {o.error}")
            for s in o.found:
                lines.append(f"{head}: {describe(s.key)} ({s.layer}@{s.first_request}): {s.message}")
    return lines + ([""] if lines else [])


def _sightings(found: tuple[Sighting, ...]) -> list[dict[str, Any]]:
    return [asdict(s) for s in found]


def _run(outcome: Outcome) -> dict[str, Any]:
    match = outcome.match
    return {
        "verdict": outcome.verdict,
        "detected": bool(outcome.found),
        "classified": match is not None,
        "layer": match.layer if match else None,
        "first_request": match.first_request if match else None,
        "requests": outcome.requests,
        "error": outcome.error,
        "found": _sightings(outcome.found),
    }


def _job(outcome: Outcome) -> dict[str, Any]:
    return {"provider": outcome.job.provider, "name": outcome.job.entry, "configuration": outcome.job.configuration}


def to_dict(result: Result) -> dict[str, Any]:
    """The whole self-test as written to `selftest.json`."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for o in result.entries:
        kind, operation, status, location = o.job.declared or ("", "", 0, "")
        entry = entries.setdefault((o.job.provider, o.job.entry or ""), {
            "provider": o.job.provider,
            "name": o.job.entry,
            "declared": {"kind": kind, "operation": operation, "status_code": status, "location": location},
            "runs": {},
        })  # fmt: skip
        entry["runs"][o.job.configuration] = _run(o)
    return {
        "schema_version": 1,
        "providers": list(result.providers),
        "seed": result.seed,
        "max_examples": result.max_examples,
        "clean_seeds": sorted({o.job.seed for o in result.clean}),
        "configurations": {name: {"budget": b, "create_budget": c} for name, (b, c) in CONFIGURATIONS.items()},
        "score": {name: dict(zip(("caught", "total"), result.score(name), strict=True)) for name in CONFIGURATIONS},
        "passed": result.passed,
        "duration_seconds": round(result.seconds, 3),
        "surviving": [_job(o) | {"verdict": o.verdict} for o in result.surviving],
        "entries": list(entries.values()),
        "clean": [
            {
                "provider": o.job.provider,
                "configuration": o.job.configuration,
                "seed": o.job.seed,
                "verdict": o.verdict,
                "requests": o.requests,
                "error": o.error,
                "drift": _sightings(o.found),
            }
            for o in result.clean
        ],
    }


def write_json(result: Result, report_dir: Path) -> Path:
    """Write `selftest.json` into `report_dir` (created if needed) and return its path."""
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / "selftest.json"
    path.write_text(json.dumps(to_dict(result), indent=2) + "\n", encoding="utf-8")
    return path
