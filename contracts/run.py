"""One provider's run: sends requests through its client, checks every answer and collects distinct drift."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from contracts.checks import Check, Exchange, enabled, judge
from contracts.client import BudgetExhausted, Client, DeadlinePassed, Unavailable
from contracts.coverage import CoverageCounter
from contracts.drift import Where, make_record
from contracts.errors import ContractsError
from contracts.impact import Impacts
from contracts.model import CheckResult, DriftRecord, Layer, ObservedValues, Status, Stopped, StopReason
from contracts.redact import redact
from contracts.specs import Spec

# Top-level and nested enum-like fields whose observed values `contracts compat --observed` compares.
OBSERVED_ENUMS = ("object", "status", "service_tier", "truncation", "error.code", "incomplete_details.reason")


@dataclass
class Observed:
    """What a provider actually sent: fields of 200 bodies, enum values and status codes per operation."""

    fields: set[str] = field(default_factory=set)
    enums: dict[str, set[str]] = field(default_factory=dict)
    status_codes: dict[str, set[int]] = field(default_factory=dict)

    def add(self, operation_id: str, status: int, body: Any) -> None:
        """Record one answer."""
        self.status_codes.setdefault(operation_id, set()).add(status)
        if status == 200 and isinstance(body, dict):
            self.fields.update(_dotted(body, ""))
            for name in OBSERVED_ENUMS:
                value: Any = body
                for part in name.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if isinstance(value, str):
                    self.enums.setdefault(name, set()).add(value)

    def values(self) -> ObservedValues:
        """The sorted, typed form kept in the report."""
        return ObservedValues(
            tuple(sorted(self.fields)),
            {name: tuple(sorted(values)) for name, values in sorted(self.enums.items())},
            {op: tuple(sorted(codes)) for op, codes in sorted(self.status_codes.items())},
        )


def _dotted(node: dict[str, Any], prefix: str) -> Iterable[str]:
    for name, value in node.items():
        yield prefix + name
        if isinstance(value, dict):
            yield from _dotted(value, f"{prefix}{name}.")


@dataclass
class ProviderRun:
    """Everything one provider's run knows: its spec, client, drift found so far, notes and metadata."""

    provider: str
    spec: Spec
    client: Client
    target: str
    seed: int
    max_examples: int
    create_body: Mapping[str, Any]
    secrets: tuple[str, ...] = ()
    active: tuple[Check, ...] = field(default_factory=enabled)
    records: dict[str, DriftRecord] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    observed: Observed = field(default_factory=Observed)
    status: Status = Status.OK
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    shared: dict[str, Any] = field(default_factory=dict)
    stopped: Stopped | None = None
    check: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    injected: tuple[str, ...] = ()
    # Why the step under way stopped short without an error (hypothesis gave up on it); set by the layers.
    cut_short: str = ""
    crashes: list[str] = field(default_factory=list)
    impacts: Impacts | None = None
    coverage: CoverageCounter = field(init=False)

    def __post_init__(self) -> None:
        self.coverage = CoverageCounter(self.spec)

    @contextlib.contextmanager
    def checking(self, name: str, layer: Layer) -> Iterator[None]:
        """Run one step (a scenario, the stateful layer, a generated slot); its drift and requests are its own."""
        start, self.check, self.cut_short = self.client.requests, name, ""
        crashed = ""
        try:
            yield
        except (BudgetExhausted, ContractsError):
            raise  # the layers' own stop, and the user's bad input, are handled above
        except Exception as exc:  # noqa: BLE001 - a crashing check must be reported, never counted as a pass
            crashed = self.crash(name, exc)
        finally:
            # A step cut short by the deadline, an outage, hypothesis or a crash did not run: its silence proves
            # nothing.
            stopped = self.stopped.detail if self.client.stopped is not None and self.stopped else ""
            reason = crashed or self.cut_short or stopped or ("sending stopped" if self.client.stopped else "")
            self.checks.append(CheckResult(name, layer, not reason, self.client.requests - start, reason))
            self.check = ""

    def call(
        self,
        operation_id: str,
        *,
        layer: Layer,
        path_params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        auth: str = "valid",
        negated: str | None = None,
    ) -> tuple[httpx.Response, Any]:
        """Send one request for an operation, check the answer and keep its drift; returns the parsed body too."""
        operation = self.spec.operation(operation_id)
        params_ = dict(path_params or {})
        path = operation.path.format(**{name: quote(str(value), safe="") for name, value in params_.items()})
        try:
            response = self.client.send(
                operation.method, path, headers=headers, json=json, content=content, params=params, auth=auth
            )
        except Unavailable as exc:
            # Layers stop on a spent budget already; an endpoint that is down stops them the same way.
            self.mark_unavailable(exc)
            raise BudgetExhausted(exc.cause) from None
        except DeadlinePassed as exc:
            self.stop(StopReason.DEADLINE, f"{exc}; the remaining tests were skipped")
            raise
        exchange = Exchange(self.spec, self.where(operation_id, response, layer), operation, response, params_, negated)
        self.judged(exchange)
        self.observed.add(operation_id, response.status_code, exchange.parsed)
        self.coverage.add(operation_id, response.status_code, exchange.parsed)
        return response, exchange.parsed

    def judged(self, exchange: Exchange) -> list[DriftRecord]:
        """Run the active checks on one answer and keep its drift; a body that breaks a consumer's expectation
        where the vendor documents it differently becomes a note (once), not drift."""
        records = list(judge(exchange, self.active))
        self.add(records, exchange.response)
        operation_id = exchange.operation.operation_id
        for text in self.impacts.mismatches(operation_id, exchange.response, records) if self.impacts else ():
            self.note(text)
        return records

    def where(self, operation_id: str, response: httpx.Response, layer: Layer) -> Where:
        """The exchange a record belongs to, with a redacted repro of the request that was sent."""
        operation = self.spec.operation(operation_id)
        return Where(
            provider=self.provider,
            operation=operation_id,
            method=operation.method,
            path=operation.path,
            status_code=response.status_code,
            reproduce=self.client.curl(response.request),  # `add` redacts every field of the record
            layer=layer,
            request_index=self.client.requests,
            check=self.check,
            secrets=self.secrets,
        )

    def drift(self, operation_id: str, response: httpx.Response, layer: Layer, **fields: Any) -> None:
        """Record one drift found by a scenario or a layer rather than by the passive checks."""
        self.add([make_record(self.where(operation_id, response, layer), **fields)], response)

    def add(self, records: Iterable[DriftRecord], response: httpx.Response | None = None) -> None:
        """Keep each distinct drift once, counting how often it was seen; a new one is judged for client impact."""
        for record in records:
            known = self.records.get(record.fingerprint)
            if known is None and self.impacts is not None:
                record = self.impacts.assess(record, response)
            self.records[record.fingerprint] = known.merged(record) if known else record

    def note(self, text: str) -> None:
        """Something worth telling that is not drift (a race, a skipped step)."""
        text = self.redact(text)
        # After the note saying why sending stopped, layers unwinding (and hypothesis replays) only repeat it.
        if text not in self.notes and self.stopped is None:
            self.notes.append(text)

    def stop(self, reason: StopReason, detail: str) -> None:
        """Sending stopped for good (deadline, outage, skip): why, once; it is the reason every later test skips."""
        self.stopped = self.stopped or Stopped(reason, self.redact(detail))

    def crash(self, name: str, exc: BaseException) -> str:
        """A check raised: the provider's result is an internal error naming it (exit 2); later steps still run."""
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        detail = self.redact(f"internal error in {name}: {type(exc).__name__}{': ' + first if first else ''}")
        self.crashes.append(detail)
        self.status = Status.ERROR
        self.stopped = Stopped(StopReason.CRASHED, self.crashes[0])
        return detail

    def skip(self, detail: str) -> None:
        """The provider takes no part in the run (no live credentials, say)."""
        self.status = Status.SKIPPED
        self.stop(StopReason.SKIPPED, detail)

    def mark_unavailable(self, exc: Unavailable) -> None:
        """The endpoint is down or never answered: the provider's result is `unavailable`, its drift is kept."""
        self.status = Status.UNAVAILABLE
        self.stop(StopReason.UNAVAILABLE, f"{exc.cause}; {exc.fix}")

    def redact(self, text: str) -> str:
        """Replace every known secret value in a text; keys must never reach any output."""
        return redact(text, self.secrets)

    @property
    def duration(self) -> float:
        """Seconds spent so far, or in total once finished."""
        return (self.finished or time.monotonic()) - self.started
