"""The one httpx client per provider: credentials, request counting, budgets, retries and redacted repros."""

from __future__ import annotations

import datetime
import email.utils
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.capped import DECOMPRESSORS, EncodingError, decode_capped, encoding_of
from contracts.errors import EXIT_UNAVAILABLE, ContractsError
from contracts.redact import WIRE_HEADERS, is_secret_header, redact, redact_response

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# These fail before a byte of the request leaves the machine, so a retried create cannot be billed twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Decoded bytes kept of one body; a body that says more is cut here and marked (see `truncated_at`).
MAX_BODY_BYTES = 16 * 1024 * 1024
# The extension key that marks a body cut at the cap; its value is the cap in bytes.
TRUNCATED = "contracts.truncated"
# Raw bytes read from the network at a time; compressed input is inflated at most up to the cap, never beyond.
READ_CHUNK = 64 * 1024


def _until(chunks: Iterable[bytes], ends: float, request: httpx.Request) -> Iterator[bytes]:
    """The chunks as they arrive, until the time limit: an answer still arriving then is a read timeout."""
    for chunk in chunks:
        if time.monotonic() >= ends:
            raise httpx.ReadTimeout("the answer was still arriving at the time limit", request=request)
        yield chunk


def decoded_answer(
    status: int, headers: Iterable[tuple[str, str]], body: bytes, request: httpx.Request, cut_at: int | None
) -> httpx.Response:
    """An answer as the checks read it: its body already decoded (so the wire headers that describe the encoded
    bytes are dropped), and marked when that body was cut at `cut_at` bytes (see `truncated_at`)."""
    kept = [(name, value) for name, value in headers if name.lower() not in WIRE_HEADERS]
    extensions = {TRUNCATED: cut_at} if cut_at is not None else {}
    return httpx.Response(status, headers=kept, content=body, request=request, extensions=extensions)


def truncated_at(response: httpx.Response) -> int | None:
    """The cap a body was cut at because the vendor sent more (a drift to report), or None for a whole body."""
    cap = response.extensions.get(TRUNCATED)
    return cap if isinstance(cap, int) else None


class BudgetExhausted(Exception):
    """Sending stopped for this provider (its request, create or time budget is spent); layers stop here."""


class DeadlinePassed(BudgetExhausted):
    """The run deadline passed after the provider had answered; what was found so far is kept."""


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
    max_backoff: float = 30.0
    max_body_bytes: int = MAX_BODY_BYTES


@dataclass
class Client:
    """Sends every request of a provider's run and counts what it costs."""

    base_url: str
    credentials: Credentials
    limits: Limits = field(default_factory=Limits)
    transport: httpx.BaseTransport | None = None
    create_path: str = "/responses"
    sleep: Callable[[float], None] = time.sleep
    secrets: tuple[str, ...] = ()
    requests: int = 0
    creates: int = 0
    retried: int = 0
    answered: int = 0
    unanswered_creates: int = 0
    stopped: Exception | None = None
    # Told of every attempt as it ends, retried ones included: (request, answer or None, error name or "").
    on_attempt: Callable[[httpx.Request, httpx.Response | None, str], None] | None = None
    _http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        """The underlying httpx client, created on first use."""
        if self._http is None or self._http.is_closed:
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
        if self.stopped is not None:
            # Once down or out of time, stay down: a replayed example must not wait through the retries again.
            raise self.stopped.with_traceback(None)
        is_create = method.upper() == "POST" and path.rstrip("/") == self.create_path
        try:
            if self._past(0.0):
                raise self._deadline_error()
            if self.limits.requests is not None and self.requests >= self.limits.requests:
                raise BudgetExhausted(f"request budget of {self.limits.requests} spent")
            self._check_create_budget(is_create)
            request = self.http.build_request(
                method,
                self.base_url + path,
                headers=self._headers(headers, auth),
                json=json,
                content=content,
                params=params,
            )
            self.requests += 1
            response = self._send_with_retries(request, is_create)
        except (Unavailable, DeadlinePassed) as exc:
            self.stopped = exc
            raise
        # Only a create the vendor accepted is billed; a rejected one costs nothing but a request.
        self.creates += int(is_create and response.is_success)
        return redact_response(response, self.secrets)

    def _check_create_budget(self, is_create: bool) -> None:
        if is_create and self.limits.creates is not None and self.creates >= self.limits.creates:
            unanswered = (
                f" ({self.unanswered_creates} unanswered, counted as billed)" if self.unanswered_creates else ""
            )
            raise BudgetExhausted(f"create budget of {self.limits.creates} spent{unanswered}")

    def _headers(self, extra: Mapping[str, str] | None, auth: str) -> dict[str, str]:
        headers = {"Accept": "application/json", **(extra or {})}
        chosen = {"valid": self.credentials.headers, "wrong": self.credentials.wrong, "none": {}}[auth]
        return {**{k: v for k, v in headers.items() if k.lower() != "authorization"}, **chosen}

    def _send_with_retries(self, request: httpx.Request, is_create: bool) -> httpx.Response:
        attempt = 0
        while True:
            self._bound_timeout(request)
            retry_after = None
            try:
                response = self._exchange(request)
            except httpx.TransportError as exc:
                if self.on_attempt is not None:
                    self.on_attempt(request, None, type(exc).__name__)
                # The vendor may have accepted a create whose answer never arrived: count it, to stay under the cap.
                maybe_billed = int(is_create and not isinstance(exc, NOT_SENT))
                self.creates += maybe_billed
                self.unanswered_creates += maybe_billed
                fault = f"did not answer ({type(exc).__name__})"
                fix = "check the base URL and the network, then run again"
            else:
                if self.on_attempt is not None:
                    self.on_attempt(request, response, "")
                if response.status_code not in RETRY_STATUSES or not self.limits.retries:
                    self.answered += 1
                    return response
                fault, retry_after = f"answered {response.status_code}", response.headers.get("retry-after")
                fix = "the vendor looks down or is rate limiting; run again later"
            if self._past(0.0):
                raise self._deadline_error()
            if attempt >= self.limits.retries:
                raise Unavailable(f"{request.url.host} {fault} after {attempt + 1} attempts", fix)
            self._check_create_budget(is_create)
            wait = self._backoff(attempt, retry_after)
            if self._past(wait):
                raise self._deadline_error()
            attempt += 1
            self.retried += 1
            self.sleep(wait)

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        """One request and its whole answer, read as a stream: bounded in time (headers and body trickling in
        included) by the per-request timeout and the run deadline, and in memory by `max_body_bytes` decoded."""
        budget = self.limits.timeout
        if self.limits.deadline is not None:
            budget = min(budget, self.limits.deadline - time.monotonic())
        ends = time.monotonic() + budget
        http = self.http
        # A read that keeps getting a byte now and then never times out: past the budget, the pool is closed
        # under it, so the next read fails and the exchange ends (at most one read timeout late).
        watchdog = threading.Timer(max(budget, 0.0), self._abort, args=(http,))
        watchdog.daemon = True
        watchdog.start()
        try:
            response = http.send(request, stream=True)
            try:
                body, cut = self._read_body(response, ends)
            finally:
                response.close()
        except httpx.TransportError:
            if time.monotonic() >= ends:
                raise httpx.ReadTimeout(f"no complete answer within {budget:.1f} s", request=request) from None
            raise
        finally:
            watchdog.cancel()
        cut_at = self.limits.max_body_bytes if cut else None
        read = decoded_answer(response.status_code, response.headers.multi_items(), body, request, cut_at)
        try:
            read.elapsed = response.elapsed
        except RuntimeError:  # a transport that never timed the exchange; schemathesis still reads the field
            read.elapsed = datetime.timedelta(0)
        return read

    def _read_body(self, response: httpx.Response, ends: float) -> tuple[bytes, bool]:
        """The decoded body up to the cap, and whether it was cut there."""
        cap = self.limits.max_body_bytes
        if response.is_stream_consumed:  # a transport that hands over a response already read (a test double)
            return response.content[:cap], len(response.content) > cap
        encoding = encoding_of(response.headers.multi_items())
        decoded_here = encoding == "identity" or encoding in DECOMPRESSORS
        raw = response.iter_raw(READ_CHUNK) if decoded_here else response.iter_bytes(READ_CHUNK)
        try:
            return decode_capped(_until(raw, ends, response.request), encoding if decoded_here else "identity", cap)
        except EncodingError as exc:
            raise httpx.DecodingError(str(exc), request=response.request) from None

    @staticmethod
    def _abort(http: httpx.Client) -> None:
        http.close()

    def _bound_timeout(self, request: httpx.Request) -> None:
        """No single request may outlive the run deadline."""
        timeout = self.limits.timeout
        if self.limits.deadline is not None:
            left = self.limits.deadline - time.monotonic()
            if left <= 0:
                raise self._deadline_error()
            timeout = min(timeout, left)
        request.extensions["timeout"] = httpx.Timeout(timeout).as_dict()

    def _past(self, wait: float) -> bool:
        return self.limits.deadline is not None and time.monotonic() + wait >= self.limits.deadline

    def _deadline_error(self) -> Exception:
        if self.answered == 0:
            return Unavailable(
                f"{httpx.URL(self.base_url).host} never answered before the run deadline",
                "check the base URL and the network, or raise --deadline",
            )
        return DeadlinePassed(f"the run deadline passed after {self.requests} requests")

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wanted = self.limits.backoff * 2.0**attempt
        if retry_after is not None:
            text = retry_after.strip()
            if text.isdigit():
                wanted = float(text)
            else:
                try:
                    wanted = email.utils.parsedate_to_datetime(text).timestamp() - time.time()
                except (TypeError, ValueError):
                    pass
        return max(0.0, min(wanted, self.limits.max_backoff))

    def curl(self, request: httpx.Request) -> str:
        """A copy-pasteable curl command for a request, with secrets replaced by `$ENV_VAR` placeholders."""
        parts = ["curl", "-X", request.method, shlex.quote(redact(str(request.url), self.secrets))]
        for raw_name, raw_value in request.headers.raw:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            lowered = name.lower()
            if lowered in {"host", "content-length", "accept-encoding", "connection", "user-agent"}:
                continue
            if is_secret_header(lowered):
                value = self.credentials.placeholders.get(lowered, "$REDACTED")
                parts += ["-H", f'"{name}: {value}"']
            else:
                parts += ["-H", shlex.quote(redact(f"{name}: {value}", self.secrets))]
        if request.content:
            parts += ["--data", shlex.quote(redact(request.content.decode("utf-8", "replace"), self.secrets))]
        return " ".join(parts)
