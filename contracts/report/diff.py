"""`contracts report diff`: drift that appeared, disappeared or changed between two reports, per provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.report.view import location

CHANGED_FIELDS = ("occurrences", "expected", "actual", "baseline")


@dataclass(frozen=True)
class ProviderChanges:
    """One provider's drift compared by fingerprint between an old and a new report."""

    provider: str
    old_status: str | None
    new_status: str | None
    appeared: list[dict[str, Any]]
    disappeared: list[dict[str, Any]]
    changed: list[tuple[dict[str, Any], dict[str, Any]]]


def diff_reports(old: dict[str, Any], new: dict[str, Any]) -> list[ProviderChanges]:
    """Compare two validated reports; providers in the order the new report lists them, then any dropped ones."""
    olds = {entry["provider"]: entry for entry in old["providers"]}
    news = {entry["provider"]: entry for entry in new["providers"]}
    names = list(news) + [name for name in olds if name not in news]
    changes = []
    for name in names:
        before = {r["fingerprint"]: r for r in olds[name]["drift"]} if name in olds else {}
        after = {r["fingerprint"]: r for r in news[name]["drift"]} if name in news else {}
        changes.append(
            ProviderChanges(
                provider=name,
                old_status=olds[name]["status"] if name in olds else None,
                new_status=news[name]["status"] if name in news else None,
                appeared=[r for fp, r in after.items() if fp not in before],
                disappeared=[r for fp, r in before.items() if fp not in after],
                changed=[
                    (before[fp], r)
                    for fp, r in after.items()
                    if fp in before and any(before[fp][f] != r[f] for f in CHANGED_FIELDS)
                ],  # fmt: skip
            )
        )
    return changes


def _label(record: dict[str, Any]) -> str:
    return (
        f"{record['fingerprint']} {record['kind']} at {location(record)}"
        f" ({record['operation']} {record['status_code']}, {record['severity']})"
    )


def _change(old: dict[str, Any], new: dict[str, Any]) -> str:
    return "; ".join(f"{name}: {old[name]} -> {new[name]}" for name in CHANGED_FIELDS if old[name] != new[name])


def render_diff(changes: list[ProviderChanges]) -> str:
    """The text `report diff` prints: three groups per provider, then a one-line total."""
    lines = []
    for change in changes:
        moved = change.old_status != change.new_status
        lines.append(f"{change.provider}:" + (f" status {change.old_status} -> {change.new_status}" if moved else ""))
        groups = (("appeared", change.appeared, "+"), ("disappeared", change.disappeared, "-"))
        for title, records, sign in groups:
            lines.append(f"  {title} ({len(records)})")
            lines += [f"    {sign} {_label(r)}; actual: {r['actual']}" for r in records]
        lines.append(f"  changed ({len(change.changed)})")
        lines += [f"    ~ {_label(new)}; {_change(old, new)}" for old, new in change.changed]
    totals = [sum(len(getattr(c, group)) for c in changes) for group in ("appeared", "disappeared", "changed")]
    lines.append(f"total: {totals[0]} appeared, {totals[1]} disappeared, {totals[2]} changed")
    return "\n".join(lines) + "\n"
