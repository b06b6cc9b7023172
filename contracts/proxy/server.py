"""The proxy's server: uvicorn serving the forwarding app on a loopback socket we bind ourselves.

Binding first lets a port in use fail as one line before anything starts, and lets tests and the benchmark ask
for any free port. uvicorn's own signal handling re-raises the signal once it has shut down, which would end the
process before the reports are written; here a signal only asks the server to stop.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn

from contracts.checks import enabled
from contracts.client import MAX_BODY_BYTES
from contracts.errors import ConfigError
from contracts.impact import Consumer
from contracts.model import FailOn, RunReport
from contracts.providers import Profile, get
from contracts.proxy.forward import Forwarder, Judge, Mode
from contracts.proxy.remote import RemoteJudging, Setup
from contracts.specs import load_spec

HOST = "127.0.0.1"
# Open connections get this long to finish once a stop is asked for; an endless event stream does not hold it up.
GRACE_SECONDS = 3


class _Server(uvicorn.Server):
    """uvicorn's server, stopped (not killed) by Ctrl-C or SIGTERM, so the caller still writes its reports."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listen(port: int) -> socket.socket:
    """A listening socket on loopback; a port in use or out of range is one line (exit 2)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(2048)
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a port number"
        fix = "pick another --port, or 0 for any free one"
        raise ConfigError(f"cannot listen on {HOST}:{port} ({reason})", fix) from None
    return sock


class Proxy:
    """A ready proxy: where its exchanges are judged, its app and the socket it will serve on."""

    def __init__(
        self, profile: Profile, upstream: str, judging: Judge, forwarder: Forwarder, sock: socket.socket
    ) -> None:
        self.profile, self.upstream, self.judging, self.forwarder, self.sock = (
            profile,
            upstream,
            judging,
            forwarder,
            sock,
        )
        config = uvicorn.Config(forwarder, log_config=None, log_level="warning", access_log=False, lifespan="on",
                                server_header=False, date_header=False, ws="none",
                                timeout_graceful_shutdown=GRACE_SECONDS)  # fmt: skip
        self.server = _Server(config)

    @property
    def base_url(self) -> str:
        """The base URL an application's SDK points at: the upstream's path, on the proxy's port."""
        return f"http://{HOST}:{self.sock.getsockname()[1]}{urlsplit(self.upstream).path}"

    def run(self) -> None:
        """Serve until a signal (or `stop`) asks the server to stop."""
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def stop(self) -> None:
        """Ask the server to stop; `run` returns once open exchanges are done."""
        self.server.should_exit = True

    def finish(self) -> RunReport:
        """After the server stopped: every queued exchange judged, the recording written, the report."""
        return self.judging.finish()

    @contextlib.contextmanager
    def background(self) -> Iterator[str]:
        """Serve in a thread (tests, the benchmark); yields the base URL, stops on leaving."""
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        while not self.server.started and thread.is_alive():
            time.sleep(0.01)
        try:
            yield self.base_url
        finally:
            self.stop()
            thread.join()


def build(
    provider: str,
    upstream: str | None,
    *,
    mode: Mode = Mode.REPORT,
    timeout: float = 120.0,
    port: int = 0,
    excluded: tuple[str, ...] = (),
    say: Callable[[str], None] = print,
    spec_dir: Path | None = None,
    record: Path | None = None,
    offload: bool = True,
    consumers: tuple[Consumer, ...] = (),
    fail_on: FailOn = FailOn.ERROR,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Proxy:
    """A proxy for one provider in front of `upstream` (default: the vendor's real base URL, from its spec).

    In `report` mode with `offload`, answers are judged in a child process (`remote`); otherwise in this one.
    Everything the user gave is checked here, before the port is taken or a child started.
    """
    from contracts.settings import checked_base_url

    profile = get(provider)
    spec = load_spec(profile.name, spec_dir)
    try:
        base = checked_base_url(upstream if upstream is not None else spec.base_url, "--upstream")
    except ConfigError as exc:
        raise ConfigError(exc.cause, f"pass e.g. --upstream {spec.base_url}") from None
    enabled(excluded)
    setup = Setup(profile.name, base, spec, excluded, record, consumers, fail_on)
    sock = listen(port)
    judging: Judge = RemoteJudging(setup, say) if offload and mode is Mode.REPORT else setup.judging(say)
    return Proxy(profile, base, judging, Forwarder(base, judging, mode, timeout, max_body_bytes), sock)
