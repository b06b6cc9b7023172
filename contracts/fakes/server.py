"""Serve a fake over real HTTP on loopback, and the `contracts mock` command.

The server only translates: each HTTP request becomes an `httpx.Request`, goes through `Fake.handle` (or a
wrapper around it) and the `httpx.Response` is written back as is. Fault injection wraps the handler: a
wrapper may sleep, answer with any status, headers or body of its own, or raise `DropConnection` to close
the socket without an answer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

from contracts.errors import EXIT_OK, ConfigError
from contracts.fakes.catalogue import DriftEntry, load_catalogue
from contracts.fakes.core import DEFAULT_TEST_KEY, Fake, make_fake
from contracts.providers import names

Handler = Callable[[httpx.Request], httpx.Response]
# Hop-by-hop or length headers that the server sets itself from the body it actually writes.
OWN_HEADERS = {"content-length", "transfer-encoding", "connection", "server", "date"}


def write_answer(
    handler: BaseHTTPRequestHandler, status: int, headers: Sequence[tuple[str, str]], content: bytes
) -> None:
    """Write a whole answer; the server sets the length and hop-by-hop headers itself."""
    handler.send_response(status)
    for name, value in headers:
        if name.lower() not in OWN_HEADERS:
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(content)


class DropConnection(Exception):
    """Raised by a wrapped handler to close the connection without sending any answer."""


def _handler_class(handle: Handler, fake: Fake, host: str) -> type[BaseHTTPRequestHandler]:
    class _Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes; do not wait for ACKs
        timeout = 30

        def _relay(self) -> None:
            address = self.headers.get("Host") or host
            request = httpx.Request(
                self.command, f"http://{address}{self.path}", headers=self._headers(), content=self._body()
            )
            try:
                response = handle(request)
                content = response.read()
            except DropConnection:
                self.close_connection = True
                return
            self._write(response.status_code, response.headers.multi_items(), content)

        def _write(self, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
            write_answer(self, status, headers, content)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """Malformed HTTP (bad request line, huge headers) is answered in the provider's envelope too."""
            self.close_connection = True
            body = fake.error_body(code, message or HTTPStatus(code).phrase)
            self._write(code, [("content-type", "application/json")], json.dumps(body).encode())

        def _headers(self) -> list[tuple[str, str]]:
            return [(name, value) for name, value in self.headers.items() if name.lower() != "transfer-encoding"]

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: a test run or a terminal session does not want an access log."""

        def __getattr__(self, name: str) -> Any:
            # Every method, even TRACE or a made-up one, reaches the fake and gets its JSON 405, not a 501 page.
            if name.startswith("do_"):
                return self._relay
            raise AttributeError(name)

    return _Relay


class _Server(ThreadingHTTPServer):
    # socketserver's backlog of 5 resets connections when an application opens hundreds at once.
    request_queue_size = 1024


@contextmanager
def serve(
    fake: Fake, host: str = "127.0.0.1", port: int = 0, wrap: Callable[[Handler], Handler] | None = None
) -> Iterator[str]:
    """Serve `fake` on loopback in a background thread; yields the base URL (with the vendor's path prefix)."""
    handle = wrap(fake.handle) if wrap else fake.handle
    server = _Server((host, port), _handler_class(handle, fake, host))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}{urlsplit(fake.base_url).path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def describe_key(fake: Fake) -> str:
    """Where the accepted key came from; only the documented fixed test key is ever printed."""
    if fake.api_key_source == "default":
        return f"the fixed test key {DEFAULT_TEST_KEY!r}"
    if fake.api_key_source == "argument":
        return "the key given with --api-key (not shown)"
    return f"the key in ${fake.api_key_source.removeprefix('env:')} (not shown)"


def drift_table(entries: list[DriftEntry]) -> str:
    """The catalogue as an aligned text table, one entry per line."""
    header = ("NAME", "PROVIDERS", "KIND", "OPERATION", "STATUS", "LOCATION", "DESCRIPTION")
    rows = [header] + [
        (e.name, ",".join(e.providers), e.kind, e.operation, str(e.status_code), e.location or "-", e.description)
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]) for row in rows
    ]
    return "\n".join(lines) + f"\n\n{len(entries)} entries"


def run(args: argparse.Namespace) -> int:
    """`contracts mock`: serve a fake until Ctrl-C, or print the drift catalogue with --list-drift."""
    if args.list_drift:
        print(drift_table(load_catalogue(args.provider)))
        return EXIT_OK
    if args.provider is None:
        raise ConfigError(
            "`contracts mock` needs --provider", f"pass --provider {' or '.join(names())}, or use --list-drift"
        )
    fake = make_fake(args.provider, api_key=args.api_key, drift=tuple(args.drift))
    stop = threading.Event()
    with contextlib.ExitStack() as stack:
        # `kill`, a CI step's cleanup or a container stop end the fake as cleanly as Ctrl-C does.
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stack.callback(signal.signal, signal.SIGTERM, previous)
        try:
            base_url = stack.enter_context(serve(fake, port=args.port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror})", "pick another --port, or 0 for any free one"
            ) from None
        # A Ctrl-C any time after the server is up, even while the banner prints, stops it cleanly.
        try:
            print(f"serving the {fake.provider} fake at {base_url}", flush=True)
            print(f"accepting {describe_key(fake)}", flush=True)
            print(f"drift: {', '.join(args.drift) if args.drift else 'none'}", flush=True)
            print("press Ctrl-C to stop", flush=True)
            stop.wait()
        except KeyboardInterrupt:
            pass
        print("stopped", flush=True)
    return EXIT_OK
