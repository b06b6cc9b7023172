"""Judging in a child process, so the proxy's event loop only relays bytes.

Judging an answer (schema validation, undocumented fields, redaction, the HAR entry) costs more CPU than
relaying it; on the loop it would make every later request wait. In `report` mode the application never waits
for a verdict, so each exchange is handed to a child process through a queue and judged there, on another core.
New drift lines come back through a second queue and are printed by a thread of the proxy; at the end the child
writes the recording and sends the report back. `strict` mode judges in the proxy itself: it must answer with
the verdict.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contracts.checks import enabled
from contracts.client import decoded_answer, truncated_at
from contracts.errors import ContractsError
from contracts.impact import Consumer, Impacts
from contracts.model import DriftRecord, FailOn, RunReport
from contracts.providers import get
from contracts.proxy.judging import Judging
from contracts.specs import Spec
from contracts.traffic.har import HarWriter

Headers = list[tuple[str, str]]
# The child has this long to judge what is still queued and write the report when the proxy stops.
FINISH_SECONDS = 120.0
# Exchanges go to the child in batches gathered over this long.
BATCH_SECONDS = 0.05


@dataclass(frozen=True)
class Setup:
    """What builds a `Judging`, in a form that crosses into a child process (the spec goes loaded and checked)."""

    provider: str
    upstream: str
    spec: Spec
    excluded: tuple[str, ...] = ()
    record: Path | None = None
    consumers: tuple[Consumer, ...] = ()
    fail_on: FailOn = FailOn.ERROR

    def judging(self, say: Callable[[str], None]) -> Judging:
        """A judging for this setup, printing new drift through `say`."""
        writer = HarWriter(self.record, comment="recorded by contracts proxy") if self.record else None
        impacts = Impacts(self.provider, self.spec, self.consumers, self.fail_on)
        return Judging(get(self.provider), self.spec, self.upstream, enabled(self.excluded), say, writer, impacts)


def _request(method: str, url: str, headers: Headers, body: bytes) -> httpx.Request:
    return httpx.Request(method, url, headers=headers, content=body)


def _response(
    status: int, headers: Headers, body: bytes, seconds: float, cut_at: int | None, request: httpx.Request
) -> httpx.Response:
    response = decoded_answer(status, headers, body, request, cut_at)
    response.elapsed = dt.timedelta(seconds=seconds)
    return response


def _child(setup: Setup, inbox: Any, outbox: Any) -> None:
    """The child's loop: rebuild each exchange and hand it to its own `Judging`, until asked to finish."""
    # A Ctrl-C in the terminal reaches the whole process group: the proxy decides when the child finishes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    judging = setup.judging(lambda line: outbox.put(("line", line)))
    outbox.put(("ready", None))
    parent = multiprocessing.parent_process()
    while True:
        try:
            batch = inbox.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return  # the proxy was killed outright: nobody is left to read a report
            continue
        if batch is None:
            break
        for kind, *values in batch:
            _take(judging, kind, values)
    outbox.put(("report", judging.finish().to_dict()))


def _take(judging: Judging, kind: str, values: list[Any]) -> None:
    request = _request(*values[:4]) if values[0] else None
    if request is not None:
        judging.seen(request)
    if kind == "fault":
        judging.fault(request, values[4], values[5])
    elif request is not None:
        status, headers, body, seconds, cut_at, started = values[4:10]
        response = _response(status, headers, body, seconds, cut_at, request)
        (judging.judge if kind == "judge" else judging.streamed)(request, response, started)


def _wire(request: httpx.Request) -> tuple[str, str, Headers, bytes]:
    return request.method, str(request.url), request.headers.multi_items(), request.content


class RemoteJudging:
    """The proxy's side of a `Judging` that runs in a child process; the same methods, no verdicts."""

    def __init__(self, setup: Setup, say: Callable[[str], None]) -> None:
        context = multiprocessing.get_context("spawn")
        self.upstream, self.say = setup.upstream, say
        self.profile = get(setup.provider)
        self.inbox, self.outbox = context.Queue(), context.Queue()
        self.child = context.Process(target=_child, args=(setup, self.inbox, self.outbox), daemon=True)
        self.child.start()
        self.report: RunReport | None = None
        self.ready, self.done = threading.Event(), threading.Event()
        self.pending: list[tuple[Any, ...]] = []
        threading.Thread(target=self._listen, daemon=True).start()
        # Serve only once the child judges: a child that cannot start fails here, and early traffic does not
        # queue up behind its imports.
        while not self.ready.wait(0.1):
            if not self.child.is_alive():
                raise ContractsError("the judging process could not start", "run again; report it if it repeats")

    def _listen(self) -> None:
        while True:
            kind, value = self.outbox.get()
            if kind == "line":
                self.say(value)
            elif kind == "ready":
                self.ready.set()
            else:
                self.report = RunReport.from_dict(value)
                self.done.set()
                return

    def seen(self, request: httpx.Request) -> None:
        """Nothing to send yet: the child counts each request when its answer (or fault) arrives."""

    def judge(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> list[DriftRecord]:
        """Queue an answer for judging; the verdict is the child's, so none is returned."""
        self._exchange("judge", request, response, started)
        return []

    def streamed(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> None:
        """Queue an event stream that passed through, to be counted and recorded."""
        self._exchange("streamed", request, response, started)

    def fault(self, request: httpx.Request | None, cause: str, started: dt.datetime) -> None:
        """Queue an upstream fault, to be counted and recorded."""
        wire = _wire(request) if request is not None else ("", "", [], b"")
        self._send(("fault", *wire, cause, started))

    def _exchange(self, kind: str, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> None:
        # The body goes decoded (`_response` drops the headers that described its wire encoding), with its cut mark.
        headers, seconds = response.headers.multi_items(), response.elapsed.total_seconds()
        answer = (response.status_code, headers, response.content, seconds, truncated_at(response))
        self._send((kind, *_wire(request), *answer, started))

    def _send(self, message: tuple[Any, ...]) -> None:
        # Batched: each put wakes the queue's feeder thread, which then competes with the event loop for the GIL.
        self.pending.append(message)
        if len(self.pending) == 1:
            asyncio.get_running_loop().call_later(BATCH_SECONDS, self._flush)

    def _flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self.inbox.put(batch)

    def finish(self) -> RunReport:
        """Let the child judge what is queued, write the recording and send the report back."""
        self._flush()
        self.inbox.put(None)
        if not self.done.wait(FINISH_SECONDS) or self.report is None:
            self.child.kill()
            raise ContractsError("the judging process ended without a report", "run again; report it if it repeats")
        self.child.join()
        return self.report
