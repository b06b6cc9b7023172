"""`contracts report diff`: drift that appeared, disappeared or changed between two reports, per provider."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.model import DriftRecord, RunReport, Status
from contracts.report.view import location

CHANGED_FIELDS = ("occurrences", "expected", "actual", "baseline")


@dataclass(frozen=True)
class ProviderChanges:
    """One provider's drift compared by fingerprint between an old and a new report."""

    provider: str
    old_status: Status | None
    new_status: Status | None
    appeared: list[DriftRecord]
    disappeared: list[DriftRecord]
    changed: list[tuple[DriftRecord, DriftRecord]]


def _changes(old: DriftRecord, new: DriftRecord) -> list[str]:
    """The compared fields whose value differs, as `name: old -> new`."""
    pairs = ((name, getattr(old, name), getattr(new, name)) for name in CHANGED_FIELDS)
    return [f"{name}: {before} -> {after}" for name, before, after in pairs if before != after]


def diff_reports(old: RunReport, new: RunReport) -> list[ProviderChanges]:
    """Compare two reports; providers in the order the new report lists them, then any dropped ones."""
    olds = {entry.provider: entry for entry in old.providers}
    news = {entry.provider: entry for entry in new.providers}
    names = list(news) + [name for name in olds if name not in news]
    changes = []
    for name in names:
        was, now = olds.get(name), news.get(name)
        before = {r.fingerprint: r for r in was.drift} if was else {}
        after = {r.fingerprint: r for r in now.drift} if now else {}
        changes.append(
            ProviderChanges(
                provider=name,
                old_status=was.status if was else None,
                new_status=now.status if now else None,
                appeared=[r for fp, r in after.items() if fp not in before],
                disappeared=[r for fp, r in before.items() if fp not in after],
                changed=[(before[fp], r) for fp, r in after.items() if fp in before and _changes(before[fp], r)],
            )
        )
    return changes


def _label(record: DriftRecord) -> str:
    return (
        f"{record.fingerprint} {record.kind} at {location(record)}"
        f" ({record.operation} {record.status_code}, {record.severity})"
    )


def render_diff(changes: list[ProviderChanges]) -> str:
    """The text `report diff` prints: three groups per provider, then a one-line total."""
    lines = []
    for change in changes:
        moved = change.old_status != change.new_status
        lines.append(f"{change.provider}:" + (f" status {change.old_status} -> {change.new_status}" if moved else ""))
        groups = (("appeared", change.appeared, "+"), ("disappeared", change.disappeared, "-"))
        for title, records, sign in groups:
            lines.append(f"  {title} ({len(records)})")
            lines += [f"    {sign} {_label(r)}; actual: {r.actual}" for r in records]
        lines.append(f"  changed ({len(change.changed)})")
        lines += [f"    ~ {_label(new)}; {'; '.join(_changes(old, new))}" for old, new in change.changed]
    totals = [sum(len(getattr(c, group)) for c in changes) for group in ("appeared", "disappeared", "changed")]
    lines.append(f"total: {totals[0]} appeared, {totals[1]} disappeared, {totals[2]} changed")
    return "\n".join(lines) + "\n"
