"""Forwarding: the ASGI app uvicorn serves, relaying each request upstream with httpx's async client.

Requests go upstream as the application sent them (method, raw path and query, headers, body); only hop-by-hop
headers are dropped and `Host` names the upstream, as at any gateway. Answers come back byte for byte, still
encoded as the upstream sent them. A JSON answer is read whole, since the checks need it; `text/event-stream`
is relayed chunk by chunk as it arrives. In `report` mode the answer is judged after it has been sent, so
judging adds nothing to the application's wait; in `strict` mode it is judged first and an answer that
drifts is replaced by a 502 problem body naming the drift. An upstream that refuses, resets or stalls gets
the application a 502 or 504 problem body, and the proxy carries on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from contracts.capped import EncodingError, decode_capped, encoding_of
from contracts.client import MAX_BODY_BYTES, decoded_answer
from contracts.model import DriftRecord, RunReport

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade"}
)  # fmt: skip
# httpx sets these again for the upstream from its URL and the body it sends.
REQUEST_OWN = HOP_BY_HOP | {"host", "content-length"}
PROBLEM = "application/problem+json"
# Idle upstream connections kept open; httpcore scans its whole pool on every request, so the pool stays small.
KEEP_ALIVE = 32
EVENT_STREAM = "text/event-stream"
DRIFT_TYPE = "urn:cancel-contracts:drift"
FAULT_TYPE = "urn:cancel-contracts:upstream-fault"


class Judge(Protocol):
    """Where exchanges go to be judged: `judging.Judging` in this process, or `remote.RemoteJudging`."""

    def seen(self, request: httpx.Request) -> None: ...
    def judge(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> list[DriftRecord]: ...
    def streamed(self, request: httpx.Request, response: httpx.Response, started: dt.datetime) -> None: ...
    def fault(self, request: httpx.Request | None, cause: str, started: dt.datetime) -> None: ...
    def finish(self) -> RunReport: ...


class Mode(StrEnum):
    """What the application gets when an answer drifts."""

    REPORT = "report"  # the answer unchanged; the drift goes to the report
    STRICT = "strict"  # a 502 problem body naming the drift instead of the answer


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem answer."""
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body).encode(), status, media_type=PROBLEM)


def _fault(exc: httpx.TransportError, origin: str, timeout: float) -> tuple[int, str, str]:
    """The status, the counted cause and the sentence for an upstream that failed."""
    if isinstance(exc, httpx.TimeoutException):
        return 504, "timed out", f"the upstream {origin} did not answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return 502, "refused", f"the upstream {origin} could not be reached (connection refused or no such host)"
    return 502, "reset", f"the upstream {origin} closed the connection before answering in full"


def _answer_headers(upstream: httpx.Response) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in upstream.headers.raw if name.lower().decode("latin-1") not in HOP_BY_HOP]


class Forwarder:
    """The proxy as an ASGI application."""

    def __init__(
        self, upstream: str, judging: Judge, mode: Mode, timeout: float, max_body_bytes: int = MAX_BODY_BYTES
    ) -> None:
        parts = urlsplit(upstream)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.judging, self.mode, self.timeout, self.max_body_bytes = judging, mode, timeout, max_body_bytes
        # No pool limit: the application's own concurrency decides; no environment proxies, no redirects followed.
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=KEEP_ALIVE),
            trust_env=False,
            follow_redirects=False,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            response = await self.forward(Request(scope, receive))
            await response(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def upstream_request(self, incoming: Request, body: bytes) -> httpx.Request:
        """The request as sent upstream; built directly, so httpx adds none of its client's default headers."""
        query = incoming.scope["query_string"].decode("latin-1")
        url = self.origin + incoming.scope["raw_path"].decode("latin-1") + (f"?{query}" if query else "")
        headers = [(name, value) for name, value in incoming.headers.items() if name not in REQUEST_OWN]
        return httpx.Request(incoming.method, url, headers=headers, content=body)

    async def forward(self, incoming: Request) -> Response:
        """Relay one request and its answer. The whole answer must arrive within `--timeout`, however slowly it
        trickles in (httpx's own timeout is per read, and a byte now and then resets it): a 504 otherwise."""
        started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
        request = self.upstream_request(incoming, await incoming.body())
        self.judging.seen(request)
        try:
            async with asyncio.timeout(self.timeout) as limit:
                upstream = await self.client.send(request, stream=True)
                if upstream.headers.get("content-type", "").split(";")[0].strip().lower() == EVENT_STREAM:
                    # An event stream lasts as long as the model writes: only its headers had to be in time.
                    limit.reschedule(None)
                    streaming = StreamingResponse(self._relay(upstream, request, started, clock), upstream.status_code)
                    streaming.raw_headers = _answer_headers(upstream)
                    return streaming
                try:
                    raw = b"".join([chunk async for chunk in upstream.aiter_raw()])
                finally:
                    await upstream.aclose()
        except TimeoutError:
            late = httpx.ReadTimeout(f"no complete answer within {self.timeout:g} s", request=request)
            return self.fault(late, request, started)
        except httpx.TransportError as exc:
            return self.fault(exc, request, started)
        answer = self.judged_answer(upstream, raw, request)
        answer.elapsed = dt.timedelta(seconds=time.perf_counter() - clock)
        if self.mode is Mode.STRICT:
            found = self.judging.judge(request, answer, started)
            if found:
                return self.drifted(found, upstream.status_code)
            return self.relayed(upstream, raw)
        return self.relayed(upstream, raw, BackgroundTask(self._after, request, answer, started))

    def judged_answer(self, upstream: httpx.Response, raw: bytes, request: httpx.Request) -> httpx.Response:
        """The answer as the checks see it: decoded no further than `--max-body-bytes` and marked when cut there.

        The application gets `raw` unchanged; only the judging's copy is capped, so a gzip bomb relayed to the
        application costs the proxy its compressed size and the cap, never its decoded size.
        """
        headers = upstream.headers.multi_items()
        try:
            body, cut = decode_capped([raw], encoding_of(headers), self.max_body_bytes)
        except EncodingError:
            body, cut = raw[: self.max_body_bytes], len(raw) > self.max_body_bytes
        return decoded_answer(upstream.status_code, headers, body, request, self.max_body_bytes if cut else None)

    def relayed(self, upstream: httpx.Response, raw: bytes, background: BackgroundTask | None = None) -> Response:
        """The upstream's answer, byte for byte, with its own headers."""
        response = Response(raw, upstream.status_code, background=background)
        headers = _answer_headers(upstream)
        if "content-length" not in upstream.headers:
            headers.append((b"content-length", str(len(raw)).encode()))
        response.raw_headers = headers
        return response

    async def _after(self, request: httpx.Request, answer: httpx.Response, started: dt.datetime) -> None:
        # On the event loop, after the answer went out: the judging's state needs no lock.
        self.judging.judge(request, answer, started)

    async def _relay(
        self, upstream: httpx.Response, request: httpx.Request, started: dt.datetime, clock: float
    ) -> AsyncIterator[bytes]:
        """An event stream, chunk by chunk as the upstream sends it; a cut stream is a fault, counted."""
        chunks = []
        try:
            async for chunk in upstream.aiter_raw():
                chunks.append(chunk)
                yield chunk
        except httpx.TransportError as exc:
            # The application has its status already; the cut is counted, the part that came is recorded.
            self.judging.fault(None, _fault(exc, self.origin, self.timeout)[1], started)
        finally:
            await upstream.aclose()
            answer = httpx.Response(upstream.status_code, headers=upstream.headers, content=b"".join(chunks))
            answer.elapsed = dt.timedelta(seconds=time.perf_counter() - clock)
            self.judging.streamed(request, answer, started)

    def fault(self, exc: httpx.TransportError, request: httpx.Request, started: dt.datetime) -> Response:
        """A gateway's answer for an upstream that failed: 502, or 504 when it was too slow."""
        status, cause, detail = _fault(exc, self.origin, self.timeout)
        self.judging.fault(request, cause, started)
        title = "Gateway Timeout" if status == 504 else "Bad Gateway"
        return problem(status, FAULT_TYPE, title, f"contracts proxy: {detail}", cause=cause)

    def drifted(self, found: list[DriftRecord], upstream_status: int) -> Response:
        """Strict mode's answer in place of one that drifted: what drifted, where, and the status it came with."""
        drift = [
            {"kind": str(r.kind), "severity": str(r.severity), "operation": r.operation, "status_code": r.status_code,
             "location": r.location, "message": r.message, "fingerprint": r.fingerprint}
            for r in found
        ]  # fmt: skip
        detail = "; ".join(f"{r.operation} {r.status_code} {r.kind} {r.location or '-'}: {r.message}" for r in found)
        title = "The upstream's answer drifted from the spec"
        return problem(502, DRIFT_TYPE, title, detail, upstream_status=upstream_status, drift=drift)
