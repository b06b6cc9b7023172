"""drift.md: GitHub-flavoured Markdown for a CI job summary."""

from __future__ import annotations

import re
from typing import Any

from contracts import escape
from contracts.model import BaselineEntry, BaselineState, DriftRecord, ProviderResult, RunReport
from contracts.report.coverage import coverage_markdown
from contracts.report.view import by_operation, impact_counts, location, matched, provider_facts, run_line, stop_line

COLUMNS = ("status", "kind", "severity", "impact", "location", "expected", "actual", "basis", "baseline", "seen")


def _text(value: object) -> str:
    """Every vendor-controlled string (drift values, messages, repros, notes, stop details) passes here first."""
    return escape.safe_text(str(value))


def cell(text: Any) -> str:
    """Prose safe anywhere inline, table cells included: no heading, link, HTML, emphasis or table break."""
    return escape.markdown(_text(text))


def code(text: Any) -> str:
    """An inline code span holding the value literally; empty values show as an em dash."""
    return escape.code_span(_text(text)) or "—"


def table_cell(text: Any) -> str:
    """A code span for a table cell: GFM splits on `|` even inside code spans."""
    return escape.code_span(_text(text), table=True) or "—"


def fenced(text: str, info: str = "") -> str:
    """A fenced code block longer than any backtick run inside it; controls shown, never obeyed."""
    text = escape.terminal(_text(text).replace("\n", " "))
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _row(record: DriftRecord) -> str:
    values = [
        str(record.status_code),
        record.kind,
        record.severity,
        escape.markdown(record.impact.label),
        table_cell(record.location) if record.location else cell(location(record)),
        table_cell(record.expected),
        table_cell(record.actual),
        record.basis,
        f"**{record.baseline}**" if record.baseline is not BaselineState.KNOWN else record.baseline,
        str(record.occurrences),
    ]
    return "| " + " | ".join(values) + " |"


def _details(record: DriftRecord, reasons: dict[str, BaselineEntry]) -> list[str]:
    summary = f"{record.kind} at {_text(location(record))} ({record.operation} {record.status_code})"
    lines = ["<details>", f"<summary>Reproduce: {escape.html(summary)}</summary>", ""]
    schema = f"; schema {code(record.schema_location)}" if record.schema_location else ""
    found_by = f"{record.layer} layer ({record.check})" if record.check else f"{record.layer} layer"
    lines.append(f"{cell(record.message)}. Seen {record.occurrences}× in the {found_by}; "
                 f"fingerprint {code(record.fingerprint)}{schema}.")  # fmt: skip
    lines += ["", impact_sentence(record)]
    accepted = reasons.get(record.fingerprint)
    if accepted is not None:
        lines += ["", f"Baseline ({record.baseline}): {cell(_accepted(accepted))}"]
    lines += ["", fenced(record.reproduce, "sh"), "", "</details>"]
    return lines


def impact_sentence(record: DriftRecord) -> str:
    """The record's client impact, with the SDK's own words (vendor text: escaped)."""
    said = f": {escape.code_span(record.impact.message)}" if record.impact.message else ""
    return f"Impact: **{escape.markdown(record.impact.label)}**{said}."


def _accepted(entry: BaselineEntry) -> str:
    text = entry.reason.strip()
    if entry.link:
        text += f" ({entry.link})"
    if entry.expires:
        text += f"; expires {entry.expires}"
    return text


def _provider(entry: ProviderResult) -> list[str]:
    verdict = entry.verdict()
    text = _text(verdict.text)
    sentence = cell(f"{text[:1].upper()}{text[1:]}. {provider_facts(entry)}.")
    lines = [f"## {cell(entry.provider)}: {verdict.word}", "", sentence, ""]
    stop = stop_line(entry)
    if stop is not None:
        lines += [cell(f"{stop[:1].upper() + stop[1:]}."), ""]
    if entry.drift:
        lines += [f"{impact_counts(entry).capitalize()}.", ""]
    if entry.drift_injected:
        lines += [f"Injected drift (mock): {', '.join(code(name) for name in entry.drift_injected)}.", ""]
    reasons = matched(entry)
    for operation, records in by_operation(entry.drift):
        lines += [f"### {operation}", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [_row(record) for record in records]
        lines.append("")
        for record in records:
            lines += _details(record, reasons) + [""]
    lines += coverage_markdown(entry)
    if entry.notes:
        lines += ["### Notes", ""] + [f"- {cell(note)}" for note in entry.notes] + [""]
    stale = entry.baseline.no_longer_observed
    if stale:
        lines += [f"### No longer observed ({len(stale)})", "",
                  f"These entries of {code(entry.baseline.file)} matched no drift in this run; "
                  "`contracts baseline update --prune` drops them.", "",
                  "| fingerprint | kind | location | reason |", "|---|---|---|---|"]  # fmt: skip
        lines += [
            f"| {code(item.fingerprint)} | {item.kind} | {table_cell(item.location)} | {cell(_accepted(item))} |"
            for item in stale
        ]
        lines.append("")
    return lines


def render_markdown(report: RunReport) -> str:
    """The whole drift.md: a verdict line per provider, then each provider's drift, notes and stale entries."""
    lines = ["# Contract drift report", "", run_line(report) + ".", ""]
    for entry in report.providers:
        verdict = entry.verdict()
        lines.append(f"- **{cell(entry.provider)}: {verdict.word}**: {cell(verdict.text)}")
    lines.append("")
    for entry in report.providers:
        lines += _provider(entry)
    return "\n".join(lines).rstrip("\n") + "\n"
