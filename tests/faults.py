"""A loopback server that puts a fake behind real network faults, to prove live mode tells faults from drift.

`contracts.fakes.serve` can delay, answer or drop a request, but cannot reset a connection or keep one open
with no answer until the test is over, so this module has its own small `http.server` that delegates every
request it lets through to `Fake.handle` and logs what it answered.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

from contracts.fakes import Fake
from contracts.fakes.core import error_type
from contracts.fakes.server import write_answer

KINDS = ("rate-limit", "unavailable", "reset", "slow", "truncate", "hang", "echo-key")
ECHO_FIELD = "debug_authorization"


@dataclass(frozen=True)
class Fault:
    """A misbehaviour hitting `burst` requests in each run of `every` (the last ones), optionally only some methods.

    `seconds` is the Retry-After of `rate-limit` and the delay of `slow`.
    """

    kind: str
    every: int = 1
    burst: int = 1
    seconds: float = 0.0
    methods: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its YAML form; `methods` may be a list."""
        if data.get("kind") not in KINDS:
            raise ValueError(f"unknown fault kind {data.get('kind')!r}; use one of {', '.join(KINDS)}")
        return cls(**{**data, "methods": tuple(data.get("methods", ()))})

    def hits(self, number: int, method: str) -> bool:
        """Whether the `number`-th request (counting from 1) with this method gets this fault."""
        return (not self.methods or method in self.methods) and (number - 1) % self.every >= self.every - self.burst


@dataclass
class Exchange:
    """One request the server received: what was asked, which fault it met, and the status it got (if any)."""

    method: str
    path: str
    fault: str | None
    status: int | None


@dataclass
class FaultyServer:
    """A running server: its base URL, every exchange so far, and the event that releases hanging requests."""

    url: str
    faults: tuple[Fault, ...]
    log: list[Exchange] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, method: str, path: str) -> tuple[Exchange, Fault | None]:
        """Log a new request and pick the first fault that hits it."""
        with self.lock:
            number = len(self.log) + 1
            fault = next((f for f in self.faults if f.hits(number, method)), None)
            exchange = Exchange(method, path, fault.kind if fault else None, None)
            self.log.append(exchange)
        return exchange, fault

    def injected(self) -> dict[str, int]:
        """How many requests met each kind of fault."""
        counts: dict[str, int] = {}
        for exchange in self.log:
            if exchange.fault:
                counts[exchange.fault] = counts.get(exchange.fault, 0) + 1
        return counts


def _handler_class(fake: Fake, state: FaultyServer, host: str) -> type[BaseHTTPRequestHandler]:
    class _Faulty(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            exchange, fault = state.next_fault(self.command, self.path)
            kind = fault.kind if fault else None
            if kind == "reset":
                return self._reset()
            if kind == "hang":
                state.stop.wait()
                self.close_connection = True
                return None
            if kind in ("rate-limit", "unavailable"):
                assert fault is not None
                status = 429 if kind == "rate-limit" else 503
                content = json.dumps(fake.profile.error("Try again later.", error_type(status))).encode()
                extra = [("Retry-After", str(int(fault.seconds)))] if kind == "rate-limit" else []
                exchange.status = status
                return self._write(status, [("Content-Type", "application/json"), *extra], content)
            url = f"http://{self.headers.get('Host') or host}{self.path}"
            request = httpx.Request(self.command, url, headers=self._pairs(), content=body)
            response = fake.handle(request)
            headers, content = list(response.headers.multi_items()), response.read()
            if kind == "truncate":
                content = content[: len(content) // 2]
            elif kind == "echo-key":
                headers, content = _echo(headers, content, self.headers.get("Authorization", ""))
            exchange.status = response.status_code
            if kind == "slow":
                assert fault is not None
                # The fake has already acted, as a slow vendor would have: a retry meets the changed state.
                state.stop.wait(fault.seconds)
            return self._write(response.status_code, headers, content)

        def _pairs(self) -> list[tuple[str, str]]:
            return [(name, value) for name, value in self.headers.items() if name.lower() != "transfer-encoding"]

        def _write(self, status: int, headers: Sequence[tuple[str, str]], content: bytes) -> None:
            try:
                write_answer(self, status, headers, content)
            except OSError:
                # The client gave up (a timeout): nothing left to answer.
                self.close_connection = True

        def _reset(self) -> None:
            # Linger 0 makes close() send RST instead of FIN: the client sees a reset, not a clean close.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests do not want an access log."""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return _Faulty


def _echo(headers: list[tuple[str, str]], content: bytes, authorization: str) -> tuple[list[tuple[str, str]], bytes]:
    """A careless vendor: the caller's credentials come back in a header and in the JSON body."""
    try:
        body = json.loads(content)
    except ValueError:
        return headers, content
    if isinstance(body, dict):
        body[ECHO_FIELD] = authorization
        error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else body
        if isinstance(error.get("message"), str):
            error["message"] += f" (you sent {authorization})"
    return [*headers, ("X-Debug-Authorization", authorization)], json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Faults end connections abruptly on purpose; that is not worth a traceback."""


@contextmanager
def serve_faults(fake: Fake, faults: Sequence[Fault] = (), host: str = "127.0.0.1") -> Iterator[FaultyServer]:
    """Serve `fake` on loopback behind `faults`; yields the running server (its `url` has the vendor's prefix)."""
    state = FaultyServer("", tuple(faults))
    with serve_with_state(state, fake, _handler_class(fake, state, host), host) as running:
        yield running


@contextmanager
def serve_with_state(state: Any, fake: Fake, handler: Any, host: str) -> Iterator[Any]:
    """Serve `handler` on loopback in a thread; `state` gets the URL (with the vendor's prefix) and is yielded.

    `state.stop` is set before shutting down, so handlers holding a connection open (hangs, trickles) let go.
    """
    server = _Server((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://{host}:{server.server_address[1]}{urlsplit(fake.base_url).path}"
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
