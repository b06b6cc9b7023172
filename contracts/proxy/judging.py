"""Judging the traffic that passes through the proxy: each answer matched to an operation and run through the checks.

A request is matched to an operation of the provider's spec by method and path template; the templates sit
below the base path that the provider profile's prefix gives (its prefix ends with the spec's collection path).
Every distinct drift is kept once, with a count, and announced on one line when first seen. Upstream faults and
streamed answers are counted, never judged: a gateway error is ours, and a stream has no documented schema.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

import httpx

from contracts import __version__
from contracts.checks import Check, Exchange, judge
from contracts.client import Client
from contracts.coverage import CoverageCounter
from contracts.drift import Where
from contracts.errors import ConfigError
from contracts.escape import terminal
from contracts.impact import Impacts
from contracts.model import (
    DriftRecord,
    Layer,
    ProviderResult,
    RunReport,
    Severity,
    Status,
    Stopped,
    StopReason,
    Target,
)
from contracts.providers import Profile
from contracts.redact import header_secrets, redact, redact_record
from contracts.run import Observed
from contracts.specs import Operation, Spec
from contracts.traffic.har import HarWriter

_TEMPLATE_PARAMETER = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Route:
    """One operation of the spec and the pattern its full request path matches."""

    operation: Operation
    pattern: re.Pattern[str]


def routes(profile: Profile, spec: Spec) -> tuple[Route, ...]:
    """Every operation of the spec as a route below the base path the profile's prefix implies."""
    paths = {operation.path for operation in spec.operations.values()}
    base = next((profile.prefix.removesuffix(path) for path in paths if profile.prefix.endswith(path)), None)
    if base is None:
        raise ConfigError(
            f"the {profile.name} prefix {profile.prefix} ends with none of the spec's paths",
            "make the profile's prefix end with the spec's collection path",
        )
    found = []
    for operation in spec.operations.values():
        pieces = _TEMPLATE_PARAMETER.split(base + operation.path)
        # Odd pieces are parameter names: each matches one path segment.
        regex = "".join(f"(?P<{piece}>[^/]+)" if index % 2 else re.escape(piece) for index, piece in enumerate(pieces))
        found.append(Route(operation, re.compile(f"{regex}/?")))
    return tuple(found)


@dataclass
class Tally:
    """What passed through, by how it was handled."""

    requests: int = 0
    judged: int = 0
    streamed: int = 0
    unmatched: int = 0
    faults: Counter[str] = field(default_factory=Counter)

    def sentence(self) -> str:
        """One line for the report's notes and the closing summary."""
        faults = sum(self.faults.values())
        causes = ", ".join(f"{count} {cause}" for cause, count in sorted(self.faults.items()))
        return (
            f"{self.requests} request{'' if self.requests == 1 else 's'} passed through: {self.judged} judged,"
            f" {self.streamed} streamed (not judged), {self.unmatched} matched no operation of the spec;"
            f" {faults} upstream fault{'' if faults == 1 else 's'}{f' ({causes})' if causes else ''},"
            " answered 502/504 and not counted as drift"
        )


class Judging:
    """Everything the proxy learns about one provider's traffic, turned into drift records and a report."""

    def __init__(
        self,
        profile: Profile,
        spec: Spec,
        upstream: str,
        active: tuple[Check, ...],
        say: Callable[[str], None],
        writer: HarWriter | None = None,
        impacts: Impacts | None = None,
    ) -> None:
        self.profile, self.spec, self.upstream, self.active, self.say = profile, spec, upstream, active, say
        self.writer = writer
        # Client impact as in every other run: the SDK, the `--consumer` files and the `--fail-on` rule.
        self.impacts = impacts or Impacts(profile.name, spec)
        self.notes: list[str] = []
        self.routes = routes(profile, spec)
        self.records: dict[str, DriftRecord] = {}
        self.observed = Observed()
        self.coverage = CoverageCounter(spec)
        self.tally = Tally()
        self.secrets: set[str] = set()
        self.started = time.monotonic()
        # Repro commands show credentials as the profile's placeholders, never the values the application sent.
        self._curl = Client(upstream, profile.mock_credentials(""))

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a request belongs to and its path parameters, or None."""
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found and route.operation.method == method.upper():
                return route.operation, {name: unquote(value) for name, value in found.groupdict().items()}
        return None

    def seen(self, request: httpx.Request) -> None:
        """Count a request on its way upstream and learn the credentials it carries, to keep them out of output."""
        self.tally.requests += 1
        self.secrets |= header_secrets(request.headers.multi_items())

    def judge(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> list[DriftRecord]:
        """Judge one answer (and record it); returns its drift, new or seen before, and announces the new ones."""
        self._record(request, response, started)
        # The raw path, so an id with an escaped `/` stays one segment; parameters are unescaped after the match.
        matched = self.match(request.method, request.url.raw_path.decode("ascii", "replace").split("?")[0])
        if matched is None:
            self.tally.unmatched += 1
            return []
        operation, params = matched
        self.tally.judged += 1
        where = Where(self.profile.name, operation.operation_id, operation.method, operation.path, response.status_code,
                      "", Layer.TRAFFIC, self.tally.requests, secrets=self.secret_values)  # fmt: skip
        exchange = Exchange(self.spec, where, operation, response, params)
        found = list(judge(exchange, self.active))
        self.observed.add(operation.operation_id, response.status_code, exchange.parsed)
        self.coverage.add(operation.operation_id, response.status_code, exchange.parsed)
        if found:
            reproduce = self._curl.curl(request)
            found = [redact_record(dataclasses.replace(r, reproduce=reproduce), self.secret_values) for r in found]
        # The SDK's messages are redacted of every credential seen so far; the judge is read on the first answer
        # that showed a drift.
        self.impacts.secrets = self.secret_values
        for record in found:
            known = self.records.get(record.fingerprint)
            if known is None:
                record = self.impacts.assess(record, response)
            self.records[record.fingerprint] = known.merged(record) if known else record
            if known is None:
                self.say(self.line(record))
        for text in self.impacts.mismatches(operation.operation_id, response, found):
            self.notes.append(self.clean(text))
            self.say(self.clean(f"note: {text}"))
        return found

    def streamed(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> None:
        """An event stream that passed through unbuffered: recorded, counted, not judged."""
        self.tally.streamed += 1
        self._record(request, response, started)

    def fault(self, request: httpx.Request | None, cause: str, started: dt.datetime) -> None:
        """The upstream failed (refused, reset, timed out); the application got a 502 or 504 from us."""
        self.tally.faults[cause] += 1
        if self.writer is not None and request is not None:
            self.writer.secrets = self.secret_values
            self.writer.add(request, None, error=f"upstream {cause}", started=started)

    def _record(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> None:
        if self.writer is not None:
            # The writer redacts as it adds, with every credential seen so far.
            self.writer.secrets = self.secret_values
            self.writer.add(request, response, started=started)

    @property
    def secret_values(self) -> tuple[str, ...]:
        """Every credential seen so far, sorted (a stable key for redaction's cache)."""
        return tuple(sorted(self.secrets))

    def clean(self, text: str) -> str:
        """Text safe for a terminal line or a report: credentials removed, controls shown escaped."""
        return terminal(redact(text, self.secret_values))

    def line(self, record: DriftRecord) -> str:
        """The one line announcing a new drift."""
        where = f"{record.operation} {record.status_code} {record.kind} {record.location or '-'}"
        judged = f"{record.severity}, {record.impact.label}"
        return self.clean(f"drift: {self.profile.name} {where} ({judged}): {record.message}")

    def result(self) -> ProviderResult:
        """The provider's typed result for the report."""
        records = sorted(self.records.values(), key=lambda r: (r.operation, r.status_code, r.kind, r.location))
        faults = sum(self.tally.faults.values())
        stopped = None
        status = Status.DRIFT if any(r.severity is Severity.ERROR for r in records) else Status.OK
        if faults and not (self.tally.judged or self.tally.streamed or self.tally.unmatched):
            status = Status.UNAVAILABLE
            stopped = Stopped(StopReason.UNAVAILABLE, f"the upstream {self.upstream} never answered ({faults} faults)")
        return ProviderResult(
            provider=self.profile.name,
            status=status,
            target=Target.PROXY,
            base_url=self.upstream,
            spec=self.spec.display_path,
            seed=0,
            requests=self.tally.requests,
            duration_seconds=round(time.monotonic() - self.started, 3),
            notes=(self.clean(self.tally.sentence()), *self.notes),
            stopped=stopped,
            observed=self.observed.values(),
            coverage=self.coverage.coverage(),
            drift=tuple(redact_record(record, self.secret_values) for record in records),
        )

    def finish(self) -> RunReport:
        """The run's end: the recording written (if one was asked for) and the whole run document."""
        if self.writer is not None:
            self.writer.write()
        return RunReport(
            tool_version=__version__,
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            target=Target.PROXY,
            seed=0,
            providers=(self.result(),),
        )
