"""Render a compatibility matrix as Markdown, JSON (stable key order) or self-contained HTML."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

from contracts.compat.contract import OPERATION
from contracts.compat.matrix import AUTH, STATUSES, Matrix, PairDiff
from contracts.fields import FieldFacts

LEGEND = (
    "Each cell reads type · required or optional · nullable or not null · enum values (— when any value goes), "
    "then the pattern if there is one; `absent` means the spec has no such field. ≠ marks rows where the providers "
    "differ."
)
PAIR_MEANING = "A → B reads: a client built against A's spec, talking to B."


def render(matrix: Matrix, fmt: str) -> str:
    """The matrix in one of `md`, `json` or `html`."""
    if fmt == "json":
        return json.dumps(to_json(matrix), indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return to_html(matrix)
    return to_markdown(matrix)


def to_json(matrix: Matrix) -> dict[str, Any]:
    """The same data as the Markdown, as plain JSON values in a fixed key order."""
    contracts = matrix.contracts
    return {
        "operation": OPERATION,
        "providers": list(matrix.providers),
        "specs": {p: contracts[p].spec_path for p in matrix.providers},
        "summary": [_pair_counts(pair) for pair in matrix.pairs],
        "auth": {p: list(contracts[p].auth) for p in matrix.providers},
        "status_codes": {
            p: {s: contracts[p].envelopes.get(s, "") for s in contracts[p].statuses} for p in matrix.providers
        },
        "rows": [
            {
                "section": section,
                "field": path,
                "differs": _differs(matrix, (section, path)),
                "providers": {p: _facts_json(contracts[p].fields.get((section, path))) for p in matrix.providers},
                **({"observed": _seen_json(matrix, section, path)} if matrix.observed else {}),
            }
            for section, path in matrix.rows
        ],
        "pairs": [
            {
                **_pair_counts(pair),
                "differences": [
                    {
                        "section": d.section,
                        "field": d.field,
                        "kind": d.kind,
                        "class": "breaking" if d.breaking else "non-breaking",
                        "reason": d.reason,
                    }
                    for d in pair.differences
                ],
            }
            for pair in matrix.pairs
        ],
        "observed": _observed_json(matrix),
    }


def to_markdown(matrix: Matrix) -> str:
    """A readable report: summary lines, the matrix tables, then one section per ordered pair."""
    providers = matrix.providers
    lines = [
        f"# Cancel contract compatibility: {', '.join(providers)}",
        "",
        f"Operation `{OPERATION}` as specified in "
        + ", ".join(f"`{matrix.contracts[p].spec_path}`" for p in providers)
        + ".",
        PAIR_MEANING,
        "",
        "## Summary",
        "",
    ]
    lines += [f"- {pair.summary}" for pair in matrix.pairs]
    lines += ["", "## Matrix", "", LEGEND, ""]
    for title, header, body in _tables(matrix):
        lines += [f"### {title}", "", _md_row(header), _md_row(["---"] * len(header))]
        lines += [_md_row(cells) for cells in body] + [""]
    for pair in matrix.pairs:
        lines += [f"## {pair.client} → {pair.server}", "", f"{pair.summary.split(': ', 1)[1]}.", ""]
        for title, items in _pair_groups(pair):
            lines += [f"### {title}", ""] + [f"- {where}: {reason}" for where, reason in items] + [""]
    lines += _observed_markdown(matrix)
    return "\n".join(lines).rstrip() + "\n"


def to_html(matrix: Matrix) -> str:
    """One self-contained page: inline CSS, no scripts, no external assets."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Cancel contract compatibility: {e(', '.join(matrix.providers))}</title>",
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1b1b1b}"
        "table{border-collapse:collapse;margin:0 0 1.5em}th,td{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left;vertical-align:top}th{background:#f2f2f2}tr.differs{background:#fff7e0}"
        "code{font-size:13px}li.breaking{color:#a40000}li.non-breaking{color:#555}</style></head><body>",
        f"<h1>Cancel contract compatibility: {e(', '.join(matrix.providers))}</h1>",
        f"<p>Operation <code>{OPERATION}</code>. {e(PAIR_MEANING)}</p>",
        "<h2>Summary</h2><ul>",
    ]
    parts += [f"<li>{e(pair.summary)}</li>" for pair in matrix.pairs]
    parts += ["</ul>", "<h2>Matrix</h2>", f"<p>{e(LEGEND)}</p>"]
    for title, header, body in _tables(matrix):
        parts += [f"<h3>{e(title)}</h3>", "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
        parts += [
            ('<tr class="differs">' if cells[0] else "<tr>") + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"
            for cells in body
        ]
        parts.append("</table>")
    for pair in matrix.pairs:
        parts += [f"<h2>{e(pair.client)} → {e(pair.server)}</h2>", f"<p>{e(pair.summary)}</p>"]
        for title, items in _pair_groups(pair):
            css = "breaking" if title.startswith("Breaking") else "non-breaking"
            parts += (
                [f"<h3>{e(title)}</h3><ul>"]
                + [f'<li class="{css}"><code>{e(w)}</code>: {e(r)}</li>' for w, r in items]
                + ["</ul>"]
            )
    parts += _observed_html(matrix)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _tables(matrix: Matrix) -> Iterator[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for auth, status codes and each field section; row[0] is the ≠ mark."""
    providers, contracts = matrix.providers, matrix.contracts
    every_auth = list(dict.fromkeys(f for p in providers for f in contracts[p].auth))
    yield (
        "Auth",
        ["", "header a client sends", *providers],
        [
            [
                _mark(len({f in contracts[p].auth for p in providers}) > 1),
                f,
                *["accepted" if f in contracts[p].auth else "—" for p in providers],
            ]
            for f in every_auth
        ],
    )
    statuses = sorted({s for p in providers for s in contracts[p].statuses}, key=lambda s: (not s.isdigit(), s))
    yield (
        "Status codes",
        ["", "status", *providers],
        [
            [
                _mark(len({_status_cell(matrix, p, s) for p in providers}) > 1),
                s,
                *[_status_cell(matrix, p, s) for p in providers],
            ]
            for s in statuses
        ],
    )
    seen_by = [p for p in providers if matrix.observed and matrix.observed.providers[p].note is None]
    for section in dict.fromkeys(section for section, _ in matrix.rows):
        observed = seen_by if section == "200 body" else []
        header = ["", "field", *providers, *[f"seen from {p}" for p in observed]]
        rows = []
        for key in (row for row in matrix.rows if row[0] == section):
            cells = [_cell(contracts[p].fields.get(key)) for p in providers]
            seen = ["seen" if key[1] in matrix.observed.providers[p].fields else "not seen" for p in observed]
            rows.append([_mark(_differs(matrix, key)), key[1], *cells, *seen])
        yield section, header, rows


def _pair_groups(pair: PairDiff) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    for breaking, title in ((True, "Breaking"), (False, "Non-breaking")):
        items = [(_where(d.section, d.field), d.reason) for d in pair.differences if d.breaking is breaking]
        if items:
            yield f"{title} ({len(items)})", items


def _where(section: str, field: str) -> str:
    if section in (AUTH, STATUSES):
        return f"{section} {field}"
    return f"{section} `{field}`" if field else f"{section} (envelope)"


def _status_cell(matrix: Matrix, provider: str, status: str) -> str:
    contract = matrix.contracts[provider]
    if status not in contract.statuses:
        return "—"
    envelope = contract.envelopes.get(status)
    return f"{envelope} error body" if envelope else "documented"


def _cell(facts: FieldFacts | None) -> str:
    if facts is None:
        return "absent"
    parts = [
        facts.type_label,
        "required" if facts.required else "optional",
        "nullable" if facts.nullable else "not null",
        ", ".join(map(str, facts.enum)) if facts.enum else "—",
    ]
    if facts.pattern:
        parts.append(f"pattern {facts.pattern}")
    return " · ".join(parts)


def _differs(matrix: Matrix, key: tuple[str, str]) -> bool:
    return len({_cell(matrix.contracts[p].fields.get(key)) for p in matrix.providers}) > 1


def _mark(differs: bool) -> str:
    return "≠" if differs else ""


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") if cell else " " for cell in cells) + " |"


def _facts_json(facts: FieldFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {
        "types": list(facts.types) if facts.types is not None else None,
        "required": facts.required,
        "nullable": facts.nullable,
        "enum": list(facts.enum) if facts.enum is not None else None,
        "pattern": facts.pattern,
    }


def _pair_counts(pair: PairDiff) -> dict[str, Any]:
    return {
        "client": pair.client,
        "server": pair.server,
        "breaking": pair.breaking,
        "non_breaking": len(pair.differences) - pair.breaking,
    }


def _seen_json(matrix: Matrix, section: str, path: str) -> dict[str, bool | None]:
    providers = matrix.observed.providers
    return {
        p: (path in providers[p].fields) if section == "200 body" and providers[p].note is None else None
        for p in matrix.providers
    }


def _observed_json(matrix: Matrix) -> dict[str, Any] | None:
    if matrix.observed is None:
        return None
    return {
        "source": matrix.observed.source,
        "providers": {
            p: {
                "note": o.note,
                "fields": list(o.fields),
                "enums": {k: list(v) for k, v in o.enums.items()},
                "status_codes": list(o.status_codes),
                "contradictions": [
                    {"against": c.against, "kind": c.kind, "location": c.location, "detail": c.detail}
                    for c in o.contradictions
                ],
            }
            for p, o in matrix.observed.providers.items()
        },
    }


def _observed_html(matrix: Matrix) -> list[str]:
    if matrix.observed is None:
        return []
    e = html.escape
    parts = [f"<h2>Observed behaviour ({e(matrix.observed.source)})</h2>"]
    for provider, seen in matrix.observed.providers.items():
        parts.append(f"<h3>{e(provider)}</h3>")
        if seen.note is not None:
            parts.append(f"<p>{e(seen.note)}.</p>")
            continue
        codes = ", ".join(seen.status_codes) or "none"
        parts += [f"<p>Seen: {len(seen.fields)} fields, status codes {e(codes)}.</p>", "<ul>"]
        for against in matrix.providers:
            found = [c for c in seen.contradictions if c.against == against]
            label = "its own spec" if against == provider else f"{against}'s spec"
            parts.append(
                f"<li>Against {e(label)}: {len(found)}<ul>"
                + "".join(f"<li>{e(c.kind)} <code>{e(c.location)}</code>: {e(c.detail)}</li>" for c in found)
                + "</ul></li>"
            )
        parts.append("</ul>")
    return parts


def _observed_markdown(matrix: Matrix) -> list[str]:
    if matrix.observed is None:
        return []
    providers = matrix.observed.providers
    lines = [f"## Observed behaviour ({matrix.observed.source})", ""]
    notes = [f"- {provider}: {seen.note}." for provider, seen in providers.items() if seen.note is not None]
    lines += notes + ([""] if notes else [])
    for provider, seen in providers.items():
        if seen.note is not None:
            continue
        lines += [
            f"### {provider}",
            "",
            f"Seen: {len(seen.fields)} fields, status codes {', '.join(seen.status_codes) or 'none'}.",
            "",
        ]
        for against in matrix.providers:
            found = [c for c in seen.contradictions if c.against == against]
            label = "its own spec" if against == provider else f"{against}'s spec"
            lines.append(f"- Against {label}: {len(found)} contradiction{'s' if len(found) != 1 else ''}")
            lines += [f"  - {c.kind} `{c.location}`: {c.detail}" for c in found]
        lines.append("")
    return lines
