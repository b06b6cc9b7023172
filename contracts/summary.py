"""The per-provider lines a person reads at the end of a run."""

from __future__ import annotations

from contracts import escape
from contracts.model import RunReport
from contracts.report.view import impact_counts, stop_line


def _text(value: object) -> str:
    """Vendor text on a terminal line: controls and escape sequences shown, never obeyed."""
    return escape.terminal(str(value))


def summary_lines(report: RunReport) -> list[str]:
    """Per provider: requests, drift by kind, duration, seed and verdict, then why it stopped early and its notes."""
    lines = []
    for entry in report.providers:
        counts = ", ".join(f"{kind}={n}" for kind, n in entry.counts.items()) or "none"
        verdict = entry.verdict()
        if entry.drift:
            counts += f" ({entry.baseline_text()}) | {impact_counts(entry)}"
        lines.append(
            f"{_text(entry.provider)}: {verdict.word} | target={entry.target}"
            f" requests={entry.requests} retried={entry.retried_faults} drift: {counts}"
            f" | {entry.duration_seconds:.1f}s seed={entry.seed}"
        )
        stop = stop_line(entry)
        lines += [f"  {_text(stop)}"] if stop else []
        lines += [f"  note: {_text(note)}" for note in entry.notes]
    return lines
