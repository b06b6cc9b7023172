"""The client against a hostile vendor on loopback: bodies are capped while streamed, time is bounded, keys redacted."""

from __future__ import annotations

import re
import secrets
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contracts.client import MAX_BODY_BYTES, Client, Credentials, Limits, Unavailable, truncated_at
from contracts.fakes import make_fake
from contracts.redact import REDACTED
from tests.hostile import MIB, Rule, echo_key_forms, serve_hostile

KEY = f"sk-test-{secrets.token_hex(17)}"  # 42 characters, like a real key
CREDENTIALS = Credentials({"Authorization": f"Bearer {KEY}"}, {"authorization": "Bearer $MKA1_API_KEY"}, {})
GET = {"method": "GET", "path": r"/responses/resp_1$"}


@pytest.fixture
def vendor(request: pytest.FixtureRequest) -> Iterator[str]:
    """A hostile mka1 on loopback applying the test's rule to `GET /v1/responses/...`; yields its base URL."""
    with serve_hostile(make_fake("mka1", api_key=KEY), [Rule(**GET, **request.param)]) as server:
        yield server.url


def send(url: str, limits: Limits) -> tuple[httpx.Response, int]:
    """One retrieve through the client, and the peak of Python memory it took."""
    client = Client(url, CREDENTIALS, limits, secrets=(KEY,))
    tracemalloc.start()
    try:
        response = client.send("GET", "/api/v1/llm/responses/resp_1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        client.close()
    return response, peak


@pytest.mark.parametrize(
    "vendor",
    [{"kind": "gzip-bomb", "size": 1024 * MIB}, {"kind": "huge", "size": 200 * MIB}],
    ids=["gzip-bomb-1GB", "plain-200MB"],
    indirect=True,
)
def test_a_huge_or_bombed_body_is_cut_at_the_cap_while_streamed_and_marked(vendor: str) -> None:
    response, peak = send(vendor, Limits(max_body_bytes=MIB))
    assert (truncated_at(response), len(response.content), response.content[:9]) == (MIB, MIB, b'{"pad": "')
    assert "content-encoding" not in response.headers
    assert peak < 8 * MIB


@pytest.mark.parametrize("vendor", [{"kind": "gzip-bomb", "size": 1024 * MIB}], ids=["gzip-bomb"], indirect=True)
def test_the_default_cap_is_16_mib_and_inflating_never_goes_past_it(vendor: str) -> None:
    response, peak = send(vendor, Limits())
    assert (MAX_BODY_BYTES, truncated_at(response), len(response.content)) == (16 * MIB, 16 * MIB, 16 * MIB)
    # The body, its copy as a Response and the redaction pass over it; never the 1 GB it claims to be.
    assert peak < 4 * MAX_BODY_BYTES


@pytest.mark.parametrize("vendor", [{"kind": "trickle-body", "interval": 0.05, "size": 400}], indirect=True)
def test_a_body_trickling_in_is_bounded_by_the_request_timeout_not_per_read(vendor: str) -> None:
    started = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        send(vendor, Limits(timeout=1.0))
    assert str(raised.value).startswith("error: 127.0.0.1 did not answer (ReadTimeout) after 1 attempts;")
    # 400 bytes at 0.05 s would take 20 s; one read timeout of slack past the 1 s bound.
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("vendor", [{"kind": "trickle-headers", "interval": 0.05}], indirect=True)
def test_headers_trickling_in_are_bounded_by_the_run_deadline(vendor: str) -> None:
    started = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        send(vendor, Limits(timeout=30.0, deadline=time.monotonic() + 1.0))
    assert str(raised.value) == (
        "error: 127.0.0.1 never answered before the run deadline;"
        " check the base URL and the network, or raise --deadline"
    )
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("vendor", [{"kind": "echo-key"}], indirect=True)
def test_every_encoding_of_the_echoed_key_is_redacted_from_the_body(vendor: str) -> None:
    response, _ = send(vendor, Limits())
    echoed: dict[str, Any] = response.json()["debug"]
    assert set(echoed) == set(echo_key_forms(KEY))
    left = {
        name: value
        for name, value in echoed.items()
        if not re.fullmatch(rf".{{0,3}}{re.escape(REDACTED)}.{{0,3}}", value)
    }
    assert left == {}
    assert KEY[:12] not in response.text
