"""The one httpx client per provider: credentials, request counting, budgets, retries and redacted repros."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.errors import EXIT_UNAVAILABLE, ContractsError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Redacted wherever requests are shown: headers that carry credentials or identify the tenant.
SECRET_HEADERS = frozenset({"authorization", "x-on-behalf-of", "openai-project", "x-api-key", "api-key", "cookie"})


class BudgetExhausted(Exception):
    """The request or create budget for this provider is spent; generated layers stop here."""


class Unavailable(ContractsError):
    """The endpoint kept failing with faults after every retry; the provider's result is `unavailable`."""

    exit_code = EXIT_UNAVAILABLE


@dataclass(frozen=True)
class Credentials:
    """The headers that authenticate a provider, with the placeholders shown in repro commands instead."""

    headers: Mapping[str, str]
    placeholders: Mapping[str, str]
    wrong: Mapping[str, str]


@dataclass(frozen=True)
class Limits:
    """Per-provider bounds: requests, billed creates, retries, per-request timeout and the run deadline."""

    requests: int | None = None
    creates: int | None = None
    retries: int = 0
    timeout: float = 30.0
    deadline: float | None = None
    backoff: float = 0.5
    max_backoff: float = 8.0


@dataclass
class Client:
    """Sends every request of a provider's run and counts what it costs."""

    base_url: str
    credentials: Credentials
    limits: Limits = field(default_factory=Limits)
    transport: httpx.BaseTransport | None = None
    create_path: str = "/responses"
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    creates: int = 0
    retried: int = 0
    _http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        """The underlying httpx client, created on first use."""
        if self._http is None:
            self._http = httpx.Client(transport=self.transport, timeout=self.limits.timeout)
        return self._http

    def close(self) -> None:
        """Release the connection pool."""
        if self._http is not None:
            self._http.close()

    def remaining(self) -> int | None:
        """Requests left in the budget, or None when unbounded."""
        return None if self.limits.requests is None else max(self.limits.requests - self.requests, 0)

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        auth: str = "valid",
    ) -> httpx.Response:
        """Send one request; `auth` is `valid`, `none` or `wrong`. Faults are retried, never returned as drift."""
        is_create = method.upper() == "POST" and path.rstrip("/") == self.create_path
        if self.limits.requests is not None and self.requests >= self.limits.requests:
            raise BudgetExhausted(f"request budget of {self.limits.requests} spent")
        if is_create and self.limits.creates is not None and self.creates >= self.limits.creates:
            raise BudgetExhausted(f"create budget of {self.limits.creates} spent")
        request = self.http.build_request(
            method,
            self.base_url + path,
            headers=self._headers(headers, auth),
            json=json,
            content=content,
            params=params,
        )
        self.requests += 1
        response = self._send_with_retries(request)
        # Only a create the vendor accepted is billed; a rejected one costs nothing but a request.
        self.creates += int(is_create and response.is_success)
        return response

    def _headers(self, extra: Mapping[str, str] | None, auth: str) -> dict[str, str]:
        headers = {"Accept": "application/json", **(extra or {})}
        chosen = {"valid": self.credentials.headers, "wrong": self.credentials.wrong, "none": {}}[auth]
        return {**{k: v for k, v in headers.items() if k.lower() != "authorization"}, **chosen}

    def _send_with_retries(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            self._check_deadline()
            try:
                response = self.http.send(request)
                response.read()
            except httpx.TransportError as exc:
                if attempt >= self.limits.retries:
                    raise Unavailable(
                        f"{request.url.host} did not answer after {attempt + 1} attempts ({type(exc).__name__})",
                        "check the base URL and the network, then run again",
                    ) from None
                wait = self._backoff(attempt, None)
            else:
                if response.status_code not in RETRY_STATUSES or attempt >= self.limits.retries:
                    if response.status_code in RETRY_STATUSES and self.limits.retries and response.status_code != 429:
                        raise Unavailable(
                            f"{request.url.host} answered {response.status_code} after {attempt + 1} attempts",
                            "the vendor looks down; run again later",
                        )
                    return response
                wait = self._backoff(attempt, response.headers.get("retry-after"))
            attempt += 1
            self.retried += 1
            self.sleep(wait)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None and retry_after.strip().isdigit():
            return min(float(retry_after), self.limits.max_backoff)
        return min(self.limits.backoff * 2**attempt, self.limits.max_backoff)

    def _check_deadline(self) -> None:
        if self.limits.deadline is not None and time.monotonic() >= self.limits.deadline:
            raise Unavailable("the run deadline passed", "raise --deadline or lower --budget")

    def curl(self, request: httpx.Request) -> str:
        """A copy-pasteable curl command for a request, with secrets replaced by `$ENV_VAR` placeholders."""
        parts = ["curl", "-X", request.method, shlex.quote(str(request.url))]
        for raw_name, raw_value in request.headers.raw:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            lowered = name.lower()
            if lowered in {"host", "content-length", "accept-encoding", "connection", "user-agent"}:
                continue
            if lowered in SECRET_HEADERS:
                value = self.credentials.placeholders.get(lowered, "$REDACTED")
                parts += ["-H", f'"{name}: {value}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if request.content:
            parts += ["--data", shlex.quote(request.content.decode("utf-8", "replace"))]
        return " ".join(parts)
