"""What every rendering says the same way: verdicts, tallies, labels and the order drift is listed in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

STATES = ("new", "known", "expired")
WHOLE_RESPONSE = "(whole response)"


@dataclass(frozen=True)
class Tally:
    """A provider's drift counted by severity and baseline state."""

    errors: int
    warnings: int
    new: int
    known: int
    expired: int
    failing: int

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Tally:
        """Count one provider entry of drift.json."""
        records = entry["drift"]
        states = [record.get("baseline", "new") for record in records]
        return cls(
            errors=sum(1 for r in records if r["severity"] == "error"),
            warnings=sum(1 for r in records if r["severity"] == "warning"),
            new=states.count("new"),
            known=states.count("known"),
            expired=states.count("expired"),
            failing=sum(1 for r in records if failing(r)),
        )


def failing(record: dict[str, Any]) -> bool:
    """Error drift that is new or whose baseline entry expired: what makes `contracts check` exit 1."""
    return bool(record["severity"] == "error" and record.get("baseline", "new") in {"new", "expired"})


def verdict(entry: dict[str, Any]) -> tuple[str, str]:
    """A one-word verdict (PASS, FAIL, UNAVAILABLE, SKIPPED) and the sentence that explains it."""
    notes = entry["notes"]
    prefix = f"{entry['status']}: "
    reason = next((n for n in notes if n.startswith(prefix)), notes[-1] if notes else "no reason given")
    reason = reason.removeprefix(prefix)
    if entry["status"] == "skipped":
        return "SKIPPED", reason
    tally = Tally.of(entry)
    if not entry["drift"]:
        return ("UNAVAILABLE", reason) if entry["status"] == "unavailable" else ("PASS", "no drift")
    count = len(entry["drift"])
    text = (
        f"{count} drift ({tally.errors} error{_s(tally.errors)}, {tally.warnings} warning{_s(tally.warnings)}):"
        f" {tally.new} new, {tally.known} known, {tally.expired} expired;"
        f" {tally.failing or 'none'} fail{'s' if tally.failing == 1 else ''} the run"
    )
    # An unavailable provider keeps the drift it found before it went away; new drift still fails the run.
    if entry["status"] == "unavailable":
        return ("FAIL" if tally.failing else "UNAVAILABLE"), f"{reason}; before that, {text}"
    return ("FAIL" if tally.failing else "PASS"), text


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def location(record: dict[str, Any]) -> str:
    """The record's location, or a label for drift about the response as a whole."""
    return str(record["location"]) or WHOLE_RESPONSE


def by_operation(records: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Records grouped by operation, in the order drift.json lists them."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(record["operation"], []).append(record)
    yield from groups.items()


def run_line(report: dict[str, Any]) -> str:
    """Target, seed, time and tool version of a report."""
    tool = report["tool"]
    return (
        f"target {report['target']} · seed {report['seed']} · generated {report['generated_at']}"
        f" · {tool['name']} {tool['version']}"
    )


def provider_facts(entry: dict[str, Any]) -> str:
    """Requests, creates, retried faults and duration of one provider's run."""
    return (
        f"{entry['requests']} request{_s(entry['requests'])}, {entry['creates']} create{_s(entry['creates'])},"
        f" {entry['retried_faults']} retried fault{_s(entry['retried_faults'])},"
        f" {entry['duration_seconds']:.1f} s against {entry['base_url']}"
    )
