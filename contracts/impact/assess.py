"""One provider's impact judge: the vendor SDK's reading of the answer behind each drift, and the consumers it breaks.

Impact is computed where a record is made (`run.ProviderRun.add`), because only there is the answer that
produced the drift at hand; a record seen again keeps its first impact, as it keeps its first sighting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import httpx

from contracts.body import parse_json
from contracts.client import truncated_at
from contracts.impact.consumers import Consumer, Violation, touches
from contracts.model import DriftRecord, FailOn, Impact, ImpactKind
from contracts.providers import get
from contracts.providers.sdk import Answer, SdkJudge, SdkReading
from contracts.redact import redact
from contracts.specs import Spec

MAX_MESSAGE = 300
PROBE_BODY = b'{"error": {"message": "probe", "type": "invalid_request_error", "param": null, "code": null}}'


@functools.cache
def _probe(judge: SdkJudge, status: int) -> str:
    """The class the SDK raises for a documented error status (judges are singletons, so this caches per SDK)."""
    return judge.read(Answer(status, (("content-type", "application/json"),), PROBE_BODY)).outcome


@dataclass
class Impacts:
    """The impact judge of one provider's run: its SDK (if installed), the `--consumer` files and `--fail-on`."""

    provider: str
    spec: Spec
    consumers: tuple[Consumer, ...] = ()
    fail_on: FailOn = FailOn.ERROR
    secrets: tuple[str, ...] = ()
    reported: set[tuple[str, str, str]] = field(default_factory=set)

    @property
    def judge(self) -> SdkJudge | None:
        """The provider's SDK judge, when the profile has one and it is installed."""
        judge = get(self.provider).sdk_judge
        return judge if judge is not None and judge.available() else None

    def missing(self) -> str | None:
        """The one note a run carries when the SDK is not installed (None when it is)."""
        judge = get(self.provider).sdk_judge
        if judge is None:
            return "no SDK judge for this provider: every impact is unknown"
        if judge.available():
            return None
        return (
            f"the {judge.distribution} SDK is not installed, so every SDK impact is unknown;"
            " install it with pip install 'cancel-contracts[sdk]'"
        )

    def warm(self) -> None:
        """Load the SDK before the first request: its first use takes a second or more (imports, pydantic schema
        builds), which then falls inside the run's deadline instead of after the last request it allowed."""
        judge = self.judge
        if judge is not None:
            judge.read(Answer(200, (("content-type", "application/json"),), b"{}"))

    def assess(self, record: DriftRecord, response: httpx.Response | None) -> DriftRecord:
        """The record with its impact and the `--fail-on` rule it is judged under."""
        if response is None:
            return replace(record, fail_on=self.fail_on)
        sdk, message = self._sdk(record, response)
        read = _reader(response)
        broken = tuple(c.name for c in self.consumers if any(touches(record.location, v.pointer) for v in read(c)))
        return replace(record, impact=Impact(sdk, message, broken), fail_on=self.fail_on)

    def mismatches(self, operation: str, response: httpx.Response, records: list[DriftRecord]) -> list[str]:
        """Consumer expectations a body breaks where it has no drift: the consumer and the vendor's docs disagree.

        Each (consumer, field, operation) is reported once per run, as a note (it is not the vendor's drift).
        """
        notes: list[str] = []
        read = _reader(response)
        for consumer in self.consumers:
            for violation in read(consumer):
                if any(touches(r.location, violation.pointer) for r in records):
                    continue
                key = (consumer.name, violation.expectation.field, operation)
                if key in self.reported:
                    continue
                self.reported.add(key)
                notes.append(_mismatch(consumer, violation, operation, response.status_code))
        return notes

    def _sdk(self, record: DriftRecord, response: httpx.Response) -> tuple[ImpactKind, str]:
        judge = self.judge
        if judge is None:
            return ImpactKind.UNKNOWN, ""
        cut = truncated_at(response)
        if cut is not None:
            # The SDK would have read the whole body, which was never fetched: its reading of the first `cut` bytes
            # would be a guess, and pushing them through it (and its error text through redaction) cost more memory
            # than the rest of the run.
            return ImpactKind.UNKNOWN, f"the body was cut at {cut} bytes (--max-body-bytes), so the SDK did not read it"
        answer = Answer(response.status_code, tuple(response.headers.multi_items()), response.content)
        reading = judge.read(answer)
        message = self._message(reading)
        if reading.broken:
            return ImpactKind.BREAKS_SDK, message
        if not reading.raised:
            return ImpactKind.SDK_ACCEPTS, message
        documented = self._documented_errors(judge, record.operation)
        if reading.outcome in documented:
            return ImpactKind.SDK_ACCEPTS, message
        expected = ", ".join(sorted(documented)) or "none (the spec documents no error answer)"
        return ImpactKind.BREAKS_SDK, self._cut(
            f"the SDK raises {reading.outcome} where documented errors raise {expected}: {message}"
        )

    def _documented_errors(self, judge: SdkJudge, operation: str) -> set[str]:
        """The SDK's error classes for the operation's documented error statuses (`4XX` read as 400)."""
        statuses = self.spec.operation(operation).statuses
        codes = {int(s.replace("XX", "00")) for s in statuses if s[:1] in "45" and s.replace("XX", "00").isdigit()}
        return {_probe(judge, code) for code in codes}

    def _message(self, reading: SdkReading) -> str:
        return self._cut(f"{reading.outcome}: {reading.message}")

    def _cut(self, text: str) -> str:
        # Redacted before it is cut, so no part of a key survives the cut.
        text = redact(" ".join(text.split()), self.secrets)
        return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _reader(response: httpx.Response) -> Callable[[Consumer], list[Violation]]:
    """What each consumer trips over in one answer, the body parsed once.

    Consumers read response objects, the 2xx answers; error answers are the SDK judge's business. The body goes
    through the strict parser, which caps nesting without recursion: a body it cannot read, or one cut at the size
    cap, is read as nothing.
    """
    if not 200 <= response.status_code < 300 or truncated_at(response) is not None:
        return lambda consumer: []
    parsed = parse_json(response.content)
    body = parsed.value if parsed.ok else None
    return lambda consumer: consumer.violations(body)


def _mismatch(consumer: Consumer, violation: Violation, operation: str, status: int) -> str:
    where = "/" + "/".join(violation.pointer)
    return (
        f"consumer-spec mismatch: {consumer.name} expects {violation.expectation.field} to be"
        f" {violation.expectation.wanted}, but a {operation} {status} answer that follows the spec has"
        f" {violation.actual} at {where}; the vendor documents it differently from what {consumer.name} reads"
    )
