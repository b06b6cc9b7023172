"""The vocabulary of a report (enums) and its smallest parts: drift records, checks, observations, baseline use."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from contracts.model.impact import FailOn, Impact, ImpactKind


class Kind(StrEnum):
    """What went wrong (docs/drift.md)."""

    MISSING_FIELD = "missing-field"
    TYPE_MISMATCH = "type-mismatch"
    ENUM_VIOLATION = "enum-violation"
    CONSTRAINT_VIOLATION = "constraint-violation"
    UNDOCUMENTED_FIELD = "undocumented-field"
    UNDOCUMENTED_STATUS = "undocumented-status"
    CONTENT_TYPE = "content-type"
    MALFORMED_BODY = "malformed-body"
    MISSING_HEADER = "missing-header"
    AUTH_NOT_ENFORCED = "auth-not-enforced"
    INVALID_INPUT_ACCEPTED = "invalid-input-accepted"
    SERVER_ERROR = "server-error"
    BEHAVIOR = "behavior"

    @property
    def severity(self) -> Severity:
        """Undocumented fields are warnings (a client that ignores unknown keys is unaffected); all else errors."""
        return Severity.WARNING if self is Kind.UNDOCUMENTED_FIELD else Severity.ERROR


class Severity(StrEnum):
    """Whether a drift can fail a run."""

    ERROR = "error"
    WARNING = "warning"


class Basis(StrEnum):
    """Whether the broken rule is stated by the vendor's docs or assumed by the spec (`x-assumed`)."""

    DOCUMENTED = "documented"
    ASSUMED = "assumed"


class BaselineState(StrEnum):
    """A drift record measured against the provider's baseline file."""

    NEW = "new"
    KNOWN = "known"
    EXPIRED = "expired"


class Layer(StrEnum):
    """The layer of the run that sent the request."""

    SCENARIO = "scenario"
    STATEFUL = "stateful"
    GENERATED = "generated"
    TRAFFIC = "traffic"  # recorded or passing traffic, judged by `contracts verify` or `contracts proxy`


class Target(StrEnum):
    """Where the requests went."""

    MOCK = "mock"
    LIVE = "live"
    REPLAY = "replay"  # a recorded live run judged again offline
    TRAFFIC = "traffic"  # HAR files and cassettes judged by `contracts verify`
    PROXY = "proxy"  # an application's traffic to the upstream, seen by `contracts proxy`


class Status(StrEnum):
    """A provider's outcome in the run."""

    OK = "ok"
    DRIFT = "drift"
    UNAVAILABLE = "unavailable"
    SKIPPED = "skipped"
    ERROR = "error"  # a check crashed: the run cannot vouch for anything


class StopReason(StrEnum):
    """Why a provider stopped sending before its planned checks were done."""

    DEADLINE = "deadline"
    UNAVAILABLE = "unavailable"
    SKIPPED = "skipped"
    CRASHED = "crashed"


class Word(StrEnum):
    """The one-word verdict every rendering shows for a provider."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNAVAILABLE = "UNAVAILABLE"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


def _load(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a dataclass found in `data` (extra keys, such as computed ones, are dropped)."""
    return {f.name: data[f.name] for f in fields(cls) if f.name in data}


@dataclass(frozen=True)
class DriftRecord:
    """One distinct deviation of a provider from its spec."""

    provider: str
    operation: str
    method: str
    path: str
    status_code: int
    kind: Kind
    severity: Severity
    location: str
    schema_location: str
    expected: str
    actual: str
    message: str
    basis: Basis
    reproduce: str
    occurrences: int = 1
    layer: Layer = Layer.SCENARIO
    first_request: int = 0
    check: str = ""
    baseline: BaselineState = BaselineState.NEW
    impact: Impact = Impact()
    fail_on: FailOn = FailOn.ERROR

    @property
    def fingerprint(self) -> str:
        """Stable across runs: what went wrong where, not the values seen."""
        key = "|".join((self.provider, self.operation, str(self.status_code), self.kind, self.location))
        # A vendor field name may hold a lone surrogate; `surrogatepass` keeps such a key hashable and distinct.
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @property
    def failing(self) -> bool:
        """What fails a run: new (or expired) drift that is an error, or under `--fail-on` that breaks a client.

        A record whose SDK verdict is unknown falls back to the error rule, so a missing judge never passes a run.
        """
        if self.baseline is BaselineState.KNOWN:
            return False
        if self.fail_on is FailOn.ERROR or self.impact.sdk is ImpactKind.UNKNOWN:
            return self.severity is Severity.ERROR
        if self.fail_on is FailOn.BREAKS_SDK:
            return self.impact.breaks_sdk
        return self.impact.breaks_sdk or bool(self.impact.consumers)

    def merged(self, other: DriftRecord) -> DriftRecord:
        """The same drift seen again: keep the first sighting, count both."""
        return replace(self, occurrences=self.occurrences + other.occurrences)

    def to_dict(self) -> dict[str, Any]:
        """The record as written to drift.json."""
        data = {f.name: getattr(self, f.name) for f in fields(self)} | {"impact": self.impact.to_dict()}
        return {k: str(v) if isinstance(v, StrEnum) else v for k, v in data.items()} | {"fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftRecord:
        """Read a record back from drift.json."""
        values = _load(cls, data)
        for name, enum in (("kind", Kind), ("severity", Severity), ("basis", Basis), ("layer", Layer)):
            values[name] = enum(values[name])
        values["baseline"] = BaselineState(values.get("baseline", BaselineState.NEW))
        values["impact"] = Impact.from_dict(data.get("impact"))
        values["fail_on"] = FailOn(data.get("fail_on", FailOn.ERROR))
        return cls(**values)


@dataclass(frozen=True)
class CheckResult:
    """One planned check of a provider's run: whether it ran to the end, and the requests it sent."""

    name: str
    layer: Layer
    ran: bool
    requests: int
    # Why a step did not run to the end (hypothesis gave up, it crashed, sending stopped); "" when it did.
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The check as written to drift.json."""
        data: dict[str, Any] = {"name": self.name, "layer": str(self.layer), "ran": self.ran}
        return data | {"requests": self.requests} | ({"reason": self.reason} if self.reason else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        """Read a check back from drift.json."""
        return cls(data["name"], Layer(data["layer"]), bool(data["ran"]), int(data["requests"]), data.get("reason", ""))


@dataclass(frozen=True)
class Stopped:
    """Why a provider stopped early, and the sentence that says so."""

    reason: StopReason
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {"reason": str(self.reason), "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Stopped | None:
        """Read back from drift.json (null when the provider did not stop early)."""
        return None if data is None else cls(StopReason(data["reason"]), str(data["detail"]))


@dataclass(frozen=True)
class ObservedValues:
    """What a provider actually sent: fields of 200 bodies, enum values and status codes per operation."""

    fields: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    status_codes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {
            "fields": list(self.fields),
            "enums": {name: list(values) for name, values in self.enums.items()},
            "status_codes": {name: list(codes) for name, codes in self.status_codes.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObservedValues:
        """Read back from drift.json."""
        return cls(
            tuple(data["fields"]),
            {name: tuple(values) for name, values in data["enums"].items()},
            {name: tuple(codes) for name, codes in data["status_codes"].items()},
        )


@dataclass(frozen=True)
class BaselineEntry:
    """A baseline entry as listed in drift.json: matched by a record, or no longer observed."""

    fingerprint: str
    kind: str
    location: str
    reason: str
    operation: str | None = None
    status_code: int | None = None
    link: str | None = None
    expires: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json (unset fields left out)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaselineEntry:
        """Read back from drift.json."""
        return cls(**_load(cls, data))


@dataclass(frozen=True)
class BaselineUse:
    """Which baseline file a provider's drift was measured against, and how its entries fared."""

    file: str | None = None
    matched: tuple[BaselineEntry, ...] = ()
    no_longer_observed: tuple[BaselineEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {
            "file": self.file,
            "matched": [e.to_dict() for e in self.matched],
            "no_longer_observed": [e.to_dict() for e in self.no_longer_observed],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaselineUse:
        """Read back from drift.json."""
        return cls(
            data["file"],
            tuple(BaselineEntry.from_dict(e) for e in data.get("matched", [])),
            tuple(BaselineEntry.from_dict(e) for e in data["no_longer_observed"]),
        )
