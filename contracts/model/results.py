"""A provider's result and the whole run document, with the one verdict rule every rendering and exit code uses."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from contracts.model.coverage import Coverage
from contracts.model.impact import FailOn
from contracts.model.records import (
    BaselineState,
    BaselineUse,
    CheckResult,
    DriftRecord,
    ObservedValues,
    Severity,
    Status,
    Stopped,
    Target,
    Word,
)

SCHEMA_VERSION = 1
EXIT_OK, EXIT_DRIFT, EXIT_ERROR, EXIT_UNAVAILABLE = 0, 1, 2, 3


@dataclass(frozen=True)
class Tally:
    """A provider's drift counted by severity and baseline state."""

    errors: int
    warnings: int
    new: int
    known: int
    expired: int
    failing: int


@dataclass(frozen=True)
class Verdict:
    """A one-word verdict and the sentence that explains it."""

    word: Word
    text: str


@dataclass(frozen=True)
class ProviderResult:
    """One provider's entry in drift.json: run metadata, what was observed and every drift record."""

    provider: str
    status: Status
    target: Target
    base_url: str
    spec: str
    seed: int
    requests: int = 0
    creates: int = 0
    retried_faults: int = 0
    duration_seconds: float = 0.0
    drift_injected: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    stopped: Stopped | None = None
    checks: tuple[CheckResult, ...] = ()
    observed: ObservedValues = field(default_factory=ObservedValues)
    drift: tuple[DriftRecord, ...] = ()
    baseline: BaselineUse = field(default_factory=BaselineUse)
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def counts(self) -> dict[str, int]:
        """Distinct drift per kind, sorted by kind."""
        counts: dict[str, int] = {}
        for record in self.drift:
            counts[record.kind] = counts.get(record.kind, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def tally(self) -> Tally:
        """The drift counted by severity and baseline state."""
        states = [record.baseline for record in self.drift]
        return Tally(
            errors=sum(1 for r in self.drift if r.severity is Severity.ERROR),
            warnings=sum(1 for r in self.drift if r.severity is Severity.WARNING),
            new=states.count(BaselineState.NEW),
            known=states.count(BaselineState.KNOWN),
            expired=states.count(BaselineState.EXPIRED),
            failing=sum(1 for r in self.drift if r.failing),
        )

    @property
    def ran(self) -> bool:
        """Whether the provider's checks were run at all (it was neither skipped nor unavailable)."""
        return self.status in (Status.OK, Status.DRIFT)

    def verdict(self) -> Verdict:
        """PASS, FAIL, UNAVAILABLE or SKIPPED, and why: the one rule for every rendering and the exit code."""
        reason = self.stopped.detail if self.stopped is not None else "no reason given"
        if self.status is Status.SKIPPED:
            return Verdict(Word.SKIPPED, reason)
        if self.status is Status.ERROR:
            return Verdict(Word.ERROR, reason)
        ran = sum(1 for check in self.checks if check.ran)
        if ran < len(self.checks) and self.status is Status.UNAVAILABLE:
            reason = f"{reason}; {ran} of {len(self.checks)} checks ran"
        tally = self.tally
        if not self.drift:
            if self.status is Status.UNAVAILABLE:
                return Verdict(Word.UNAVAILABLE, reason)
            return Verdict(Word.PASS, "no drift")
        text = (
            f"{len(self.drift)} drift ({tally.errors} error{_s(tally.errors)}, {tally.warnings}"
            f" warning{_s(tally.warnings)}): {self.baseline_text()}"
        )
        # An unavailable provider keeps the drift it found before it went away; new drift still fails the run.
        if self.status is Status.UNAVAILABLE:
            return Verdict(Word.FAIL if tally.failing else Word.UNAVAILABLE, f"{reason}; before that, {text}")
        return Verdict(Word.FAIL if tally.failing else Word.PASS, text)

    def baseline_text(self) -> str:
        """How the drift stands against the baseline and how much of it fails the run, as the verdict says it."""
        tally = self.tally
        text = (
            f"{tally.new} new, {tally.known} known, {tally.expired} expired;"
            f" {tally.failing or 'none'} fail{'s' if tally.failing == 1 else ''} the run"
        )
        rules = sorted({record.fail_on for record in self.drift} - {FailOn.ERROR})
        return text + (f" (--fail-on {', '.join(rules)})" if rules else "")

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {
            "provider": self.provider,
            "status": str(self.status),
            "target": str(self.target),
            "base_url": self.base_url,
            "spec": self.spec,
            "seed": self.seed,
            "requests": self.requests,
            "creates": self.creates,
            "retried_faults": self.retried_faults,
            "duration_seconds": self.duration_seconds,
            "drift_injected": list(self.drift_injected),
            "counts": self.counts,
            "notes": list(self.notes),
            "stopped": self.stopped.to_dict() if self.stopped else None,
            "checks": [check.to_dict() for check in self.checks],
            "observed": self.observed.to_dict(),
            "drift": [record.to_dict() for record in self.drift],
            "baseline": self.baseline.to_dict(),
            # Reports from before coverage existed read back without it, and write back the same.
            **({"coverage": self.coverage.to_dict()} if self.coverage != Coverage() else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderResult:
        """Read back from drift.json."""
        return cls(
            provider=data["provider"],
            status=Status(data["status"]),
            target=Target(data["target"]),
            base_url=data["base_url"],
            spec=data["spec"],
            seed=data["seed"],
            requests=data["requests"],
            creates=data["creates"],
            retried_faults=data["retried_faults"],
            duration_seconds=data["duration_seconds"],
            drift_injected=tuple(data["drift_injected"]),
            notes=tuple(data["notes"]),
            stopped=Stopped.from_dict(data.get("stopped")),
            checks=tuple(CheckResult.from_dict(check) for check in data["checks"]),
            observed=ObservedValues.from_dict(data["observed"]),
            drift=tuple(DriftRecord.from_dict(record) for record in data["drift"]),
            baseline=BaselineUse.from_dict(data["baseline"]),
            coverage=Coverage.from_dict(data.get("coverage")),
        )


@dataclass(frozen=True)
class RunReport:
    """The whole drift.json document."""

    tool_version: str
    generated_at: str
    target: Target
    seed: int
    providers: tuple[ProviderResult, ...]

    def provider(self, name: str) -> ProviderResult | None:
        """The result of one provider, if it took part."""
        return next((entry for entry in self.providers if entry.provider == name), None)

    def with_providers(self, providers: tuple[ProviderResult, ...]) -> RunReport:
        """The same run with other provider results (after baselines are applied)."""
        return replace(self, providers=providers)

    def exit_code(self) -> int:
        """2 when a check crashed, else 1 when any provider fails, else 3 when any was unavailable, else 0."""
        words = [entry.verdict().word for entry in self.providers]
        if Word.ERROR in words:
            return EXIT_ERROR
        if Word.FAIL in words:
            return EXIT_DRIFT
        return EXIT_UNAVAILABLE if Word.UNAVAILABLE in words else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """The drift.json document (`contracts/data/drift.schema.json`)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "cancel-contracts", "version": self.tool_version},
            "generated_at": self.generated_at,
            "target": str(self.target),
            "seed": self.seed,
            "providers": [entry.to_dict() for entry in self.providers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        """Read a validated drift.json back into the same types."""
        return cls(
            tool_version=data["tool"]["version"],
            generated_at=data["generated_at"],
            target=Target(data["target"]),
            seed=data["seed"],
            providers=tuple(ProviderResult.from_dict(entry) for entry in data["providers"]),
        )


def _s(count: int) -> str:
    return "" if count == 1 else "s"
