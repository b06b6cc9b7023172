"""report.html: one self-contained page with a filterable drift table per provider and the drift trend."""

from __future__ import annotations

from collections import Counter

from contracts import escape
from contracts.model import BaselineEntry, BaselineState, DriftRecord, ImpactKind, ProviderResult, RunReport
from contracts.report.assets import CSP, CSS, JS
from contracts.report.chart import render_chart
from contracts.report.coverage import coverage_html
from contracts.report.history import History
from contracts.report.view import impact_counts, impact_kinds, location, matched, provider_facts, run_line, stop_line

HEADINGS = ("operation", "status", "kind", "impact", "location", "expected", "actual", "basis", "baseline", "seen")
SEARCHED = ("operation", "status_code", "kind", "severity", "location", "expected", "actual", "message", "basis",
            "baseline", "fingerprint", "layer")  # fmt: skip


def _text(value: object) -> str:
    """Every vendor-controlled string (drift values, messages, repros, notes, stop details) passes here first."""
    return escape.safe_text(str(value))


def _e(value: object) -> str:
    return escape.html(escape.safe_text(str(value)))


def _code(value: object) -> str:
    return f"<code>{_e(value)}</code>" if str(value) else '<span class="empty">—</span>'


def _reason(entry: BaselineEntry) -> str:
    text = _e(entry.reason.strip()).replace("\n", "<br>")
    if entry.link:
        text += f' (<a href="{_e(entry.link)}">{_e(entry.link)}</a>)'
    if entry.expires:
        text += f"; expires {_e(entry.expires)}"
    return text


def _drift_item(record: DriftRecord, accepted: BaselineEntry | None) -> str:
    searched = " ".join([*(_text(getattr(record, name)) for name in SEARCHED), record.impact.label]).lower()
    state, impacts = record.baseline, " ".join(impact_kinds(record))
    cells = [
        _e(record.operation),
        f'<span class="num">{record.status_code}</span>',
        f'<span class="sev-{record.severity}" title="{record.severity}">{_e(record.kind)}</span>',
        f'<span class="impact {record.impact.kind}">{escape.html(record.impact.label)}</span>',
        _code(_text(record.location)) if record.location else _e(location(record)),
        _code(_text(record.expected)),
        _code(_text(record.actual)),
        _e(record.basis),
        f'<span class="state {state}">{state}</span>',
        str(record.occurrences),
    ]
    classes = ["", "num", "", "", "value", "value", "value", "", "", "num"]
    row = "".join(
        f'<td class="{c}">{cell}</td>' if c else f"<td>{cell}</td>" for c, cell in zip(classes, cells, strict=True)
    )
    baseline = f"<p>Baseline ({state}): {_reason(accepted)}</p>" if accepted else ""
    said = f": <code>{escape.html(record.impact.message)}</code>" if record.impact.message else ""
    baseline = f"<p>Impact: <strong>{escape.html(record.impact.label)}</strong>{said}</p>{baseline}"
    schema = f" · schema <code>{_e(record.schema_location)}</code>" if record.schema_location else ""
    detail = (
        f"<details><summary>{_e(_text(record.message))}</summary>{baseline}"
        f"<p>Seen in the {_e(record.layer)} layer ({_e(record.check)}) · {_e(record.severity)} · fingerprint "
        f"<code>{_e(record.fingerprint)}</code>{schema}</p>"
        f"<pre>{_e(_text(record.reproduce))}</pre></details>"
    )
    return (
        f'<tbody class="drift-item" data-kind="{_e(record.kind)}" data-baseline="{state}" '
        f'data-severity="{record.severity}" data-impact="{impacts}" data-fingerprint="{record.fingerprint}" '
        f'data-text="{_e(searched)}">'
        f'<tr class="main">{row}</tr><tr class="detail"><td colspan="{len(HEADINGS)}">{detail}</td></tr></tbody>'
    )


def _filters(entry: ProviderResult) -> str:
    kinds = Counter(str(record.kind) for record in entry.drift)
    states = Counter(record.baseline for record in entry.drift)
    name = _e(entry.provider)
    kind_options = "".join(f'<option value="{_e(k)}">{_e(k)} ({n})</option>' for k, n in sorted(kinds.items()))
    state_options = "".join(f'<option value="{s}">{s} ({states[s]})</option>' for s in BaselineState)
    impacts = Counter(kind for record in entry.drift for kind in impact_kinds(record))
    impact_options = "".join(f'<option value="{k}">{k} ({impacts[k]})</option>' for k in ImpactKind if impacts[k])
    total = len(entry.drift)
    return (
        '<div class="filters">'
        f'<input type="search" class="f-text" placeholder="Filter by text: kind, location, value…" '
        f'aria-label="Filter {name} drift">'
        f'<select class="f-kind" aria-label="Kind"><option value="">every kind</option>{kind_options}</select>'
        f'<select class="f-baseline" aria-label="Baseline state"><option value="">any baseline state</option>'
        f"{state_options}</select>"
        f'<select class="f-impact" aria-label="Client impact"><option value="">any impact</option>'
        f"{impact_options}</select>"
        f'<span class="count"><span class="shown">{total}</span> of <span class="total">{total}</span> shown</span>'
        "</div>"
    )


def _provider(entry: ProviderResult) -> str:
    verdict = entry.verdict()
    word, text = verdict.word, _text(verdict.text)
    name = _e(entry.provider)
    parts = [
        f'<section class="provider" id="provider-{name}" data-provider="{name}">',
        f'<h2>{name} <span class="verdict {word}">{word}</span></h2>',
        f'<p class="sentence">{_e(text[:1].upper() + text[1:])}.</p><p class="facts">{_e(provider_facts(entry))}</p>',
    ]
    if entry.drift:
        parts.append(f'<p class="facts impact-counts">{_e(impact_counts(entry).capitalize())}.</p>')
    stop = stop_line(entry)
    if stop is not None:
        parts.append(f'<p class="stopped">{_e(_text(stop[:1].upper() + stop[1:]))}.</p>')
    if entry.drift_injected:
        injected = ", ".join(f"<code>{_e(n)}</code>" for n in entry.drift_injected)
        parts.append(f'<p class="facts">Injected drift (mock): {injected}</p>')
    reasons = matched(entry)
    if entry.drift:
        head = "".join(f"<th>{h}</th>" for h in HEADINGS)
        items = "".join(_drift_item(r, reasons.get(r.fingerprint)) for r in entry.drift)
        parts += [_filters(entry), f'<table class="drift"><thead><tr>{head}</tr></thead>{items}</table>']
    elif entry.ran:
        parts.append('<p class="empty">No drift.</p>')
    parts += [section for section in (coverage_html(entry),) if section]
    if entry.notes:
        parts.append("<h3>Notes</h3><ul>" + "".join(f"<li>{_e(_text(n))}</li>" for n in entry.notes) + "</ul>")
    stale = entry.baseline.no_longer_observed
    if stale:
        rows = "".join(
            f"<tr><td><code>{_e(s.fingerprint)}</code></td><td>{_e(s.kind)}</td><td>{_code(s.location)}</td>"
            f"<td>{_reason(s)}</td></tr>"
            for s in stale
        )
        parts.append(
            f"<h3>No longer observed ({len(stale)})</h3>"
            f'<p class="facts">Entries of <code>{_e(entry.baseline.file)}</code>'
            " that matched no drift in this run; <code>contracts baseline update --prune</code> drops them.</p>"
            f'<table class="stale"><thead><tr><th>fingerprint</th><th>kind</th><th>location</th><th>reason</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _overview(report: RunReport) -> str:
    head = "".join(f'<th class="{c}">{h}</th>' for h, c in (("provider", ""), ("verdict", ""), ("errors", "num"),
                   ("warnings", "num"), ("new", "num"), ("known", "num"), ("expired", "num"),
                   ("no longer observed", "num"), ("requests", "num")))  # fmt: skip
    rows = []
    for entry in report.providers:
        word = entry.verdict().word
        t = entry.tally
        numbers = (t.errors, t.warnings, t.new, t.known, t.expired, len(entry.baseline.no_longer_observed),
                   entry.requests)  # fmt: skip
        cells = "".join(f'<td class="num">{n}</td>' for n in numbers)
        name = _e(entry.provider)
        rows.append(f'<tr data-provider="{name}"><td><a href="#provider-{name}">{name}</a></td>'
                    f'<td><span class="verdict {word}">{word}</span></td>{cells}</tr>')  # fmt: skip
    return f'<table class="overview"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _trend(report: RunReport, history: History) -> str:
    if not history.runs:
        return '<p class="empty">No history kept: pass <code>--history DIR</code> to plot drift over time.</p>'
    providers = [entry.provider for entry in report.providers]
    providers += sorted({name for run in history.runs for name in run["providers"]} - set(providers))
    skipped = f" Skipped unreadable files: {_e(', '.join(history.unreadable))}." if history.unreadable else ""
    caption = f"Drift records per provider over the last {len(history.runs)} runs kept in the history folder."
    chart = render_chart(history.runs, providers)
    return f'<figure class="trend-chart">{chart}<figcaption class="facts">{caption}{skipped}</figcaption></figure>'


def render_html(report: RunReport, history: History) -> str:
    """The whole report.html."""
    body = "\n".join(_provider(entry) for entry in report.providers)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Contract drift report</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>Contract drift report</h1><p class="meta">{_e(run_line(report))}</p></header>
<section class="overview">
{_overview(report)}
<h3>Drift over time</h3>
{_trend(report, history)}
</section>
{body}
<script>{JS}</script>
</body>
</html>
"""
