"""A stateful, in-memory fake of one vendor's background Responses API, answering `httpx.Request`s.

Order of checks for every request, chosen to match API gateways: a path that is no route at all gets 404
before credentials are looked at; on a known route, missing or wrong credentials get 401 before the method
is checked; then a wrong method gets 405 with `Allow`; then the operation runs (400 bad id or body, 404
unknown id, ...). Every answer is JSON in the provider's error envelope, so no plain-text default can leak.
"""

from __future__ import annotations

import datetime
import functools
import hmac
import json
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from jsonschema.exceptions import best_match

from contracts.fakes.catalogue import Drift, DriftEntry, Reply, select
from contracts.fakes.lifecycle import Clock, Store, SystemClock
from contracts.providers import Profile, get
from contracts.providers.bodies import Record
from contracts.specs import Spec, load_spec

# The fixed key a fake accepts when none is configured; not a secret, so `contracts mock` may print it.
DEFAULT_TEST_KEY = "contracts-test-key"
CREATE_SCHEMA = "/components/schemas/CreateResponseRequest"
ERROR_TYPES = {401: "authentication_error", 429: "rate_limit_error"}


@functools.lru_cache(maxsize=8)
def _cached_spec(provider: str, spec_dir: Path | None) -> Spec:
    return load_spec(provider, spec_dir)


class Fake:
    """One provider's fake: create, retrieve and cancel over responses kept in memory."""

    def __init__(
        self,
        profile: Profile,
        store: Store,
        drift: tuple[DriftEntry, ...],
        api_key: str,
        api_key_source: str,
        spec_dir: Path | None = None,
    ) -> None:
        self.profile = profile
        self.store = store
        self.drift = Drift(drift, self.error_body)
        self.api_key = api_key
        self.api_key_source = api_key_source
        self.spec = _cached_spec(profile.name, spec_dir)
        self._create_validator = self.spec.validator(CREATE_SCHEMA)
        self._lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        """The clock the lifecycle runs on."""
        return self.store.clock

    @property
    def provider(self) -> str:
        """The provider's registered name."""
        return self.profile.name

    @property
    def base_url(self) -> str:
        """The vendor's real base URL; in-process requests are addressed there."""
        return self.profile.base_url

    def error_body(self, status: int, message: str) -> Any:
        """An error body in the provider's envelope, for answers the fake's own logic does not produce."""
        return self.profile.error(message, error_type(status))

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; the single implementation behind both the transport and the loopback server."""
        with self._lock:
            reply = self.drift.rewrite(self._dispatch(request))
        content = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        headers = [("content-type", reply.content_type), *reply.headers]
        response = httpx.Response(reply.status, headers=headers, content=content, request=request)
        # Schemathesis reads `.elapsed`, which httpx only sets when a client reads the stream itself.
        response.elapsed = datetime.timedelta(0)
        return response

    def _dispatch(self, request: httpx.Request) -> Reply:
        routed = self._route(request.url.path)
        if routed is None:
            return self._error(None, 404, f"No route for {request.method} {request.url.path}.", code="not_found")
        methods, response_id = routed
        operation = methods.get(request.method)
        problem = self._credential_problem(request, operation)
        if problem:
            return self._error(operation, 401, problem, code="invalid_api_key", auth=True)
        if operation is None:
            allowed = ", ".join(methods)
            reply = self._error(None, 405, f"Method {request.method} is not allowed here; use {allowed}.")
            return replace(reply, headers=(("allow", allowed),))
        if operation == "createResponse":
            return self._create(request)
        assert response_id is not None
        found = self._lookup(operation, response_id)
        if isinstance(found, Reply):
            return found
        if operation == "getResponse":
            consistent = not self.drift.off("retrieve-consistency", operation)
            return Reply(operation, 200, self._body(found, operation, consistent))
        return self._cancel(found)

    def _route(self, path: str) -> tuple[dict[str, str], str | None] | None:
        prefix = self.profile.prefix
        if path == prefix:
            return {"POST": "createResponse"}, None
        parts = path[len(prefix) + 1 :].split("/") if path.startswith(prefix + "/") else []
        if len(parts) == 1 and parts[0]:
            return {"GET": "getResponse"}, parts[0]
        if len(parts) == 2 and parts[0] and parts[1] == "cancel":
            return {"POST": "cancelResponse"}, parts[0]
        return None

    def _credential_problem(self, request: httpx.Request, operation: str | None) -> str | None:
        if operation and self.drift.off("auth", operation):
            return None
        header = request.headers.get("authorization", "")
        scheme, _, key = header.strip().partition(" ")
        if not header:
            return f"Missing credentials: {self.profile.auth_hint}."
        if scheme.lower() not in self.profile.schemes or not key.strip():
            return f"Unsupported Authorization header: {self.profile.auth_hint}."
        if not hmac.compare_digest(key.strip().encode(), self.api_key.encode()):
            return "Invalid API key."
        return None

    def _create(self, request: httpx.Request) -> Reply:
        operation = "createResponse"
        lenient = self.drift.off("body-validation", operation)
        try:
            body: Any = json.loads(request.content or b"")
        except ValueError:
            if not lenient:
                return self._error(operation, 400, "Invalid request body: not valid JSON.", code="invalid_json")
            body = {}
        error = None if lenient else best_match(self._create_validator.iter_errors(body))
        if error is not None:
            param = ".".join(str(token) for token in error.absolute_path) or None
            if error.validator == "required":
                param = next((k for k in error.validator_value if k not in error.instance), param)
            return self._error(operation, 400, f"Invalid request body: {error.message[:200]}.", param=param)
        body = body if isinstance(body, dict) else {}
        if body.get("stream") is True:
            return self._error(operation, 400, "stream=true is not supported by this fake.", param="stream")
        record = self.store.create(body, request.headers)
        return Reply(operation, 200, self._body(record, operation))

    def _lookup(self, operation: str, response_id: str) -> Record | Reply:
        pattern = self.profile.id_pattern
        if pattern is not None and not pattern.match(response_id):
            if not self.drift.off("id-validation", operation):
                message = f"Invalid response_id {response_id!r}: {self.profile.id_hint}."
                return self._error(operation, 400, message, param="response_id", code="invalid_value")
            # The drifted vendor treats any id as an existing background response that it has just cancelled.
            self.store.cancelled_now(response_id)
        record = self.store.records.get(response_id)
        if record is None:
            return self._error(operation, 404, f"Response with id {response_id!r} not found.", param="response_id")
        return record

    def _cancel(self, record: Record) -> Reply:
        operation = "cancelResponse"
        if not record.background and not self.drift.off("background-check", operation):
            message = "Responses can only be cancelled if they were created with background=true."
            return self._error(operation, 400, message, param="response_id")
        status = self.store.view(record).status
        if status in ("queued", "in_progress") and not self.drift.off("cancellation", operation):
            record.cancelled_at = self.clock.now()
        elif status == "cancelled" and self.drift.off("idempotency", operation):
            return self._error(operation, 400, f"Response {record.id} is already cancelled.", param="response_id")
        return Reply(operation, 200, self._body(record, operation))

    def _body(self, record: Record, operation: str, consistent: bool = True) -> dict[str, Any]:
        body = self.profile.render(record, self.store.view(record, consistent))
        if self.drift.off("unix-seconds", operation):
            for name in ("created_at", "completed_at"):
                if isinstance(body.get(name), int):
                    body[name] *= 1000
        if self.drift.off("usage-sum", operation):
            body["usage"]["total_tokens"] += 7
        return body

    def _error(
        self,
        operation: str | None,
        status: int,
        message: str,
        param: str | None = None,
        code: str | None = None,
        auth: bool = False,
    ) -> Reply:
        headers = (("www-authenticate", "Bearer"),) if auth else ()
        return Reply(operation, status, self.profile.error(message, error_type(status), param, code), headers)


def error_type(status: int) -> str:
    """The OpenAI-style `type` of an error body for a status."""
    return ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def make_fake(
    provider: str,
    api_key: str | None = None,
    drift: tuple[str, ...] | list[str] = (),
    clock: Clock | None = None,
    seed: int = 0,
    *,
    queued_seconds: float = 0.2,
    in_progress_seconds: float = 60.0,
    spec_dir: Path | None = None,
) -> Fake:
    """A fake for `provider` accepting `api_key` (else `$<PROVIDER>_API_KEY`, else DEFAULT_TEST_KEY)."""
    profile = get(provider)
    source = "argument" if api_key else f"env:{profile.key_env}" if os.environ.get(profile.key_env) else "default"
    key = api_key or os.environ.get(profile.key_env) or DEFAULT_TEST_KEY
    store = Store(profile, clock or SystemClock(), seed, queued_seconds, in_progress_seconds)
    return Fake(profile, store, select(provider, drift), key, source, spec_dir)
