"""The per-provider lines a person reads at the end of a run."""

from __future__ import annotations

from typing import Any

from contracts.report.view import verdict


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Requests, drift by kind, duration, seed and verdict (baselines counted) for each provider, then its notes."""
    lines = []
    for entry in report["providers"]:
        counts = ", ".join(f"{kind}={n}" for kind, n in entry["counts"].items()) or "none"
        word, text = verdict(entry)
        if entry["drift"]:
            counts += f" ({text.split(': ', 1)[1]})"
        lines.append(
            f"{entry['provider']}: {word} | target={entry['target']}"
            f" requests={entry['requests']} retried={entry['retried_faults']} drift: {counts}"
            f" | {entry['duration_seconds']:.1f}s seed={entry['seed']}"
        )
        lines += [f"  note: {note}" for note in entry["notes"]]
    return lines
