"""Recording a run's exchanges (`--record DIR`) and serving them back (`--target replay --from DIR`).

`Recorder` is the client's `on_attempt` hook: it writes DIR/<provider>.har through `HarWriter`, marking an attempt
as retried when the client sends the same request again. `ReplayTransport` answers a replayed run from such a
file, sending nothing: each request gets the next recorded answer for its method and path, so the same steps with
the same seed get the same answers, and the current specs judge them into the same records and fingerprints.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from contracts.errors import ConfigError
from contracts.traffic.har import HarWriter, read_har, read_log
from contracts.traffic.recorded import Recorded


class Recorder:
    """Receives every attempt from the client; keeps the last one until it knows whether it was retried."""

    def __init__(self, path: Path, secrets: tuple[str, ...], extra: Mapping[str, Any]) -> None:
        self.writer = HarWriter(path, secrets, extra=extra)
        self.pending: tuple[httpx.Request, httpx.Response | None, str] | None = None

    def __call__(self, request: httpx.Request, response: httpx.Response | None, error: str) -> None:
        if self.pending is not None:
            # The client sends the very same request object again only when it retries it.
            self._flush(retried=self.pending[0] is request)
        self.pending = (request, response, error)

    def _flush(self, retried: bool) -> None:
        if self.pending is not None:
            request, response, error = self.pending
            self.writer.add(request, response, retried=retried, error=error)
            self.pending = None

    def close(self) -> Path:
        """Write the file with every attempt."""
        self._flush(retried=False)
        return self.writer.write()


def recording(directory: Path, provider: str) -> Path:
    """Where a provider's exchanges are recorded."""
    return directory / f"{provider}.har"


# The options that decide which requests a run sends, as `Settings` names them and as a recording keeps them.
RECORDED_OPTIONS = {"seed": "_seed", "max_examples": "_maxExamples", "budget": "_budget",
                    "create_budget": "_createBudget"}  # fmt: skip


def recorded_options(directory: Path, providers: tuple[str, ...]) -> dict[str, str]:
    """The seed, examples and budgets of the recorded run (from the first provider's file), as option values: a
    replay sends the same requests only with the same ones."""
    for provider in providers:
        path = recording(directory, provider)
        if path.is_file():
            log = read_log(path)
            return {name: str(log[key]) for name, key in RECORDED_OPTIONS.items() if isinstance(log.get(key), int)}
    return {}


class ReplayTransport(httpx.BaseTransport):
    """Serves recorded answers in order per (method, path and query); a request never recorded gets no answer."""

    def __init__(self, exchanges: list[Recorded]) -> None:
        self.queues: dict[tuple[str, str], deque[Recorded]] = {}
        for recorded in exchanges:
            self.queues.setdefault(_key(recorded.method, httpx.URL(recorded.url)), deque()).append(recorded)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        queue = self.queues.get(_key(request.method, request.url))
        if not queue:
            raise httpx.ConnectError(f"{request.method} {request.url.path} is not in the recording", request=request)
        recorded = queue.popleft()
        if recorded.status == 0:  # the attempt got no answer when it was recorded
            raise httpx.ConnectError("no answer was recorded", request=request)
        return httpx.Response(recorded.status, headers=recorded.response_headers, content=recorded.response_body,
                              request=request)  # fmt: skip


def _key(method: str, url: httpx.URL) -> tuple[str, str]:
    return method.upper(), url.raw_path.decode("ascii", "replace")


def replay_source(directory: Path, provider: str) -> tuple[ReplayTransport, str] | str:
    """The transport serving a provider's recording and the base URL it was recorded against, or why there is
    none (a provider the recorded run skipped)."""
    path = recording(directory, provider)
    if not path.is_file():
        return f"no recording {path} (the recorded run did not reach {provider})"
    log = read_log(path)
    base_url = log.get("_baseUrl")
    if not isinstance(base_url, str):
        raise ConfigError(f"{path} has no _baseUrl", "replay a folder written by `contracts check --record`")
    return ReplayTransport(read_har(path)), base_url
