"""The spec coverage section of drift.md and report.html: per operation, what the run saw of what the spec
documents (status codes, enum values, optional fields present and null), and what it never saw."""

from __future__ import annotations

from contracts.escape import code_span, html, markdown
from contracts.model import Aspect, Coverage, OperationCoverage, ProviderResult

ASPECTS = ((Aspect.STATUS, "status codes"), (Aspect.ENUM, "enum values"), (Aspect.PRESENT, "optional fields"),
           (Aspect.NULL, "nullable fields as null"))  # fmt: skip
# Enough of the never-seen items to act on; the rest are counted (drift.json has every one).
LISTED = 12


def _ratio(operation: OperationCoverage, aspect: Aspect) -> str:
    items = [item for item in operation.items if item.aspect is aspect]
    return f"{sum(1 for item in items if item.seen)}/{len(items)}"


def _never(operation: OperationCoverage) -> tuple[list[str], int]:
    missing = [item.name for item in operation.missing()]
    return missing[:LISTED], max(len(missing) - LISTED, 0)


def headline(coverage: Coverage) -> str:
    """`Spec coverage: 39.2% (120 of 306 documented items seen)`."""
    return f"Spec coverage: {coverage.percent}% ({coverage.covered} of {coverage.total} documented items seen)"


def coverage_markdown(entry: ProviderResult) -> list[str]:
    """The drift.md lines of a provider's coverage (none when the run observed nothing)."""
    coverage = entry.coverage
    if not coverage.total:
        return []
    lines = [f"### {headline(coverage)}", "", "| operation | " + " | ".join(name for _, name in ASPECTS) + " | seen |",
             "|---" * (len(ASPECTS) + 2) + "|"]  # fmt: skip
    for operation in coverage.operations:
        ratios = " | ".join(_ratio(operation, aspect) for aspect, _ in ASPECTS)
        lines.append(f"| {operation.operation} | {ratios} | {operation.percent}% |")
    lines.append("")
    for operation in coverage.operations:
        never, more = _never(operation)
        if never:
            listed = ", ".join(code_span(name) for name in never) + (f" and {more} more" if more else "")
            lines.append(f"- {operation.operation} never saw {listed}")
    if coverage.not_judged:
        lines += ["", f"Not judged ({len(coverage.not_judged)}):", ""]
        lines += [f"- {markdown(line)}" for line in coverage.not_judged]
    lines.append("")
    return lines


def coverage_html(entry: ProviderResult) -> str:
    """The report.html section of a provider's coverage ("" when the run observed nothing)."""
    coverage = entry.coverage
    if not coverage.total:
        return ""
    head = "".join(f"<th>{name}</th>" for name in ("operation", *(name for _, name in ASPECTS), "seen"))
    rows, never_items = [], []
    for operation in coverage.operations:
        cells = "".join(f'<td class="num">{_ratio(operation, aspect)}</td>' for aspect, _ in ASPECTS)
        rows.append(f'<tr><td>{html(operation.operation)}</td>{cells}<td class="num">{operation.percent}%</td></tr>')
        never, more = _never(operation)
        if never:
            listed = ", ".join(f"<code>{html(name)}</code>" for name in never) + (f" and {more} more" if more else "")
            never_items.append(f"<li>{html(operation.operation)} never saw {listed}</li>")
    parts = [f'<h3>{html(headline(coverage))}</h3><table class="coverage"><thead><tr>{head}</tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>"]  # fmt: skip
    if never_items:
        parts.append(f'<ul class="never">{"".join(never_items)}</ul>')
    if coverage.not_judged:
        items = "".join(f"<li>{html(line)}</li>" for line in coverage.not_judged)
        parts.append(f"<details><summary>Not judged ({len(coverage.not_judged)})</summary><ul>{items}</ul></details>")
    return "\n".join(parts)
