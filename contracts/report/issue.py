"""`contracts report issue DIR --provider P`: the body of the nightly's one GitHub issue per provider.

New (and expired) drift comes first, each with its repro, since that is what someone has to act on; drift the
baseline already accepts is collapsed into one table. Every vendor-controlled string is escaped for Markdown
(`contracts.escape`), so a vendor message cannot add headings, links or mentions to the issue.
"""

from __future__ import annotations

from contracts.escape import code_span, markdown
from contracts.model import BaselineState, DriftRecord, ProviderResult, RunReport, Severity
from contracts.report.markdown import fenced
from contracts.report.view import location, matched, provider_facts, run_line

MARKER = "<!-- cancel-contracts nightly issue: {provider} -->"
# GitHub turns `@name` in an issue's text into a mention that notifies people; a word joiner after the `@` keeps
# the text readable and the vendor from pinging anyone. Code spans and blocks are not scanned for mentions.
WORD_JOINER = "\u2060"


def _text(text: str) -> str:
    """Vendor text for a line of the issue: Markdown escaped, mentions defused."""
    return markdown(text).replace("@", "@" + WORD_JOINER)


def _span(text: str) -> str:
    return code_span(text) or "—"


def _acting(record: DriftRecord) -> bool:
    """What the issue asks someone to act on: failing drift, and warnings nobody has accepted yet."""
    return record.failing or (record.severity is Severity.WARNING and record.baseline is BaselineState.NEW)


def _new(record: DriftRecord) -> list[str]:
    return [
        f"### {record.kind} at {_span(location(record))} ({record.operation} {record.status_code})",
        "",
        f"{_text(record.message)}. Expected {_span(record.expected)}, got {_span(record.actual)}; "
        f"{record.severity}, {record.basis}, {record.baseline}, seen {record.occurrences}× "
        f"({record.layer} layer); fingerprint {_span(record.fingerprint)}; schema {_span(record.schema_location)}.",
        "",
        fenced(record.reproduce, "sh"),
        "",
    ]


def render_issue(report: RunReport, entry: ProviderResult) -> str:
    """The issue body for one provider of a report."""
    verdict = entry.verdict()
    acting = [record for record in entry.drift if _acting(record)]
    known = [record for record in entry.drift if not _acting(record)]
    lines = [
        MARKER.format(provider=entry.provider),
        f"**{entry.provider}: {verdict.word}**: {_text(verdict.text)}",
        "",
        f"{_text(run_line(report))}; {_text(provider_facts(entry))}.",
        "",
        f"## New and expired drift ({len(acting)})",
        "",
    ]
    for record in acting:
        lines += _new(record)
    if not acting:
        lines += ["None.", ""]
    reasons = matched(entry)
    lines += [f"## Known drift ({len(known)})", ""]
    if known:
        lines += [
            "<details>",
            f"<summary>{len(known)} known drift record{'s' if len(known) != 1 else ''}, accepted by the baseline"
            "</summary>",
            "",
            "| kind | location | operation | status | fingerprint | reason |",
            "|---|---|---|---|---|---|",
        ]
        for record in known:
            reason = reasons[record.fingerprint].reason if record.fingerprint in reasons else ""
            cells = (record.kind, code_span(location(record), table=True), record.operation, str(record.status_code),
                     code_span(record.fingerprint, table=True), _text(reason) or "—")  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "</details>", ""]
    else:
        lines += ["None.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
