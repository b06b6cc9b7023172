"""What every rendering says the same way: labels, the stop line and the order drift is listed in.

The verdict and the tally are the model's (`ProviderResult.verdict`, `ProviderResult.tally`); this module only
words them.
"""

from __future__ import annotations

from collections.abc import Iterator

from contracts.model import BaselineEntry, DriftRecord, ImpactKind, ProviderResult, RunReport

WHOLE_RESPONSE = "(whole response)"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def location(record: DriftRecord | BaselineEntry) -> str:
    """The record's location, or a label for drift about the response as a whole."""
    return record.location or WHOLE_RESPONSE


def by_operation(records: tuple[DriftRecord, ...]) -> Iterator[tuple[str, list[DriftRecord]]]:
    """Records grouped by operation, in the order drift.json lists them."""
    groups: dict[str, list[DriftRecord]] = {}
    for record in records:
        groups.setdefault(record.operation, []).append(record)
    yield from groups.items()


def matched(entry: ProviderResult) -> dict[str, BaselineEntry]:
    """The baseline entries a provider's drift matched, by fingerprint."""
    return {item.fingerprint: item for item in entry.baseline.matched}


def run_line(report: RunReport) -> str:
    """Target, seed, time and tool version of a report."""
    return (
        f"target {report.target} · seed {report.seed} · generated {report.generated_at}"
        f" · cancel-contracts {report.tool_version}"
    )


def provider_facts(entry: ProviderResult) -> str:
    """Requests, creates, retried faults and duration of one provider's run."""
    return (
        f"{entry.requests} request{_s(entry.requests)}, {entry.creates} create{_s(entry.creates)},"
        f" {entry.retried_faults} retried fault{_s(entry.retried_faults)},"
        f" {entry.duration_seconds:.1f} s against {entry.base_url}"
    )


def stop_line(entry: ProviderResult) -> str | None:
    """`stopped early (deadline): <detail>` for a provider that stopped sending before its checks were done."""
    if entry.stopped is None:
        return None
    return f"stopped early ({entry.stopped.reason}): {entry.stopped.detail}"


def impact_kinds(record: DriftRecord) -> list[str]:
    """Every impact a record has (a record can break the SDK and a consumer at once), for filters."""
    kinds = [str(record.impact.sdk)]
    return kinds + ([str(ImpactKind.BREAKS_CONSUMER)] if record.impact.consumers else [])


def impact_counts(entry: ProviderResult) -> str:
    """A provider's drift by worst client impact: `impact: 1 breaks-sdk, 2 sdk-accepts`, or "" without drift."""
    counts: dict[str, int] = {}
    for record in entry.drift:
        # The worst impact per record, so the counts add up to the drift.
        counts[record.impact.kind] = counts.get(record.impact.kind, 0) + 1
    order = [str(kind) for kind in ImpactKind]
    listed = ", ".join(f"{counts[kind]} {kind}" for kind in order if kind in counts)
    return f"impact: {listed}" if listed else ""
