"""`contracts proxy` between the vendors' own SDKs and a loopback fake: unchanged answers, drift found, faults told."""

from __future__ import annotations

import asyncio
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from mka1 import SDK

from contracts.fakes import ManualClock, make_fake, serve
from contracts.fakes.server import DropConnection, Handler
from contracts.impact import load_consumer
from contracts.model import FailOn, ImpactKind, Kind, Layer, Status, Target
from contracts.proxy.forward import Mode
from contracts.proxy.server import Proxy, build
from tests.hostile import Rule, serve_hostile

KEY = "sk-proxy-secret-0123456789abcdef"
TENANT = "tenant-7f3c9a2e51"
YANDEX_MODEL = "gpt://b1gsdkfolder/yandexgpt-lite"
MKA1_MODEL = "meetkai:functionary-urdu-mini-pak"
Seen = list[tuple[int, bytes]]


def recording_client(seen: Seen, **options: Any) -> httpx.Client:
    """An httpx client for an SDK that keeps the status and raw body of every answer the SDK receives."""

    def keep(response: httpx.Response) -> None:
        response.read()
        seen.append((response.status_code, response.content))

    return httpx.Client(event_hooks={"response": [keep]}, **options)


def yandex_session(base_url: str) -> Seen:
    """What an application does through the openai SDK: create, cancel, retrieve, cancel an unknown id."""
    seen: Seen = []
    client = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0, http_client=recording_client(seen))
    created = client.responses.create(model=YANDEX_MODEL, input="Tell me", background=True)
    client.responses.cancel(created.id)
    client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.cancel("00000000-0000-4000-8000-000000000000")
    return seen


def mka1_session(base_url: str) -> Seen:
    """The same through the meetkai-mka1 SDK, with a tenant header."""
    seen: Seen = []
    http = recording_client(seen, headers={"X-On-Behalf-Of": TENANT})
    with SDK(bearer_auth=KEY, server_url=base_url, client=http) as sdk:
        created = sdk.llm.responses.create(model=MKA1_MODEL, input="Tell me", background=True, retries=None)
        sdk.llm.responses.cancel(response_id=created.id, retries=None)
        sdk.llm.responses.get(response_id=created.id, retries=None)
    return seen


@contextmanager
def fake_at(
    provider: str, drift: tuple[str, ...] = (), wrap: Callable[[Handler], Handler] | None = None
) -> Iterator[str]:
    """A fresh fake on loopback, the same for a given provider and drift (fixed clock and seed)."""
    with serve(make_fake(provider, api_key=KEY, drift=drift, clock=ManualClock()), wrap=wrap) as base_url:
        yield base_url


@contextmanager
def proxied(provider: str, upstream: str, lines: list[str], **options: Any) -> Iterator[tuple[Proxy, str]]:
    """The proxy in a thread of this process, judging here too unless `offload` is passed."""
    proxy = build(provider, upstream, say=lines.append, **{"offload": False, **options})
    with proxy.background() as base_url:
        yield proxy, base_url


@pytest.mark.parametrize(
    ("provider", "session", "drift", "kind", "location"),
    [
        ("yandex", yandex_session, "usage-total-mismatch", Kind.BEHAVIOR, "/usage/total_tokens"),
        ("mka1", mka1_session, "mka1-cancel-temperature-out-of-range", Kind.CONSTRAINT_VIOLATION, "/temperature"),
    ],
)
def test_an_sdk_sees_the_same_answers_through_the_proxy_and_the_proxy_reports_the_drift(
    provider: str, session: Callable[[str], Seen], drift: str, kind: Kind, location: str
) -> None:
    with fake_at(provider, (drift,)) as direct_url:
        direct = session(direct_url)
    lines: list[str] = []
    with fake_at(provider, (drift,)) as upstream, proxied(provider, upstream, lines) as (proxy, base_url):
        through = session(base_url)
    assert through == direct
    result = proxy.finish().providers[0]
    assert [(r.operation, r.status_code, r.kind, r.location, r.layer) for r in result.drift] == [
        ("cancelResponse", 200, kind, location, Layer.TRAFFIC)
    ]
    # The same SDK the application uses judged the drift, and read the answer without complaint.
    assert [r.impact.sdk for r in result.drift] == [ImpactKind.SDK_ACCEPTS]
    assert (result.status, result.target, result.requests) == (Status.DRIFT, Target.PROXY, len(direct))
    assert lines == [
        f"drift: {provider} cancelResponse 200 {kind} {location} (error, sdk-accepts): {result.drift[0].message}"
    ]


def test_a_consumer_file_marks_drift_on_its_fields_and_notes_where_its_expectation_differs_from_the_docs() -> None:
    """The application's own traffic, judged for the fields the application reads."""
    example = load_consumer(Path(__file__).parents[1] / "consumers" / "example.yaml")
    lines: list[str] = []
    with fake_at("yandex", ("cancel-status-canceled",)) as upstream:
        options = {"consumers": (example,), "fail_on": FailOn.BREAKS_CONSUMER}
        with proxied("yandex", upstream, lines, **options) as (proxy, base_url):
            yandex_session(base_url)
    report = proxy.finish()
    [record] = [r for r in report.providers[0].drift if r.operation == "cancelResponse"]
    assert (record.kind, record.location, record.impact.label, record.fail_on) == (
        Kind.ENUM_VIOLATION, "/status", "breaks-consumer: example", FailOn.BREAKS_CONSUMER
    )  # fmt: skip
    assert report.exit_code() == 1
    assert (
        f"drift: yandex cancelResponse 200 enum-violation /status (error, breaks-consumer: example): {record.message}"
        in (lines)
    )
    # A queued response is documented; this consumer does not expect one: a note, once, not drift.
    queued = [line for line in lines if line.startswith("note: ")]
    assert queued == [
        'note: consumer-spec mismatch: example expects status to be one of ["cancelled", "completed", "failed"], but'
        ' a createResponse 200 answer that follows the spec has "queued" at /status; the vendor documents it'
        " differently from what example reads"
    ]
    assert queued[0].removeprefix("note: ") in report.providers[0].notes


def test_strict_mode_gives_the_sdk_a_502_problem_naming_the_drift() -> None:
    lines: list[str] = []
    with fake_at("yandex", ("usage-total-mismatch",)) as upstream:
        with proxied("yandex", upstream, lines, mode=Mode.STRICT) as (_, base_url):
            client = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
            created = client.responses.create(model=YANDEX_MODEL, input="Tell me", background=True)
            with pytest.raises(openai.InternalServerError) as raised:
                client.responses.cancel(created.id)
    assert raised.value.status_code == 502
    assert raised.value.response.headers["content-type"] == "application/problem+json"
    body = raised.value.body
    assert isinstance(body, dict)
    assert (body["type"], body["status"], body["upstream_status"]) == ("urn:cancel-contracts:drift", 502, 200)
    assert [(d["kind"], d["operation"], d["location"]) for d in body["drift"]] == [
        ("behavior", "cancelResponse", "/usage/total_tokens")
    ]
    assert body["detail"].startswith("cancelResponse 200 behavior /usage/total_tokens: usage.total_tokens is not")


def test_two_hundred_concurrent_sdk_requests_all_complete() -> None:
    async def burst(base_url: str) -> list[str]:
        async with openai.AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0) as client:
            created = await asyncio.gather(
                *(client.responses.create(model=YANDEX_MODEL, input=f"n{i}", background=True) for i in range(200))
            )
        return [response.status for response in created]

    with fake_at("yandex") as upstream, proxied("yandex", upstream, []) as (proxy, base_url):
        statuses = asyncio.run(burst(base_url))
    assert statuses == ["queued"] * 200
    result = proxy.finish().providers[0]
    assert (result.requests, result.drift, result.status) == (200, (), Status.OK)


def slow_or_reset(handle: Handler) -> Handler:
    """A fake that stalls on one id and hangs up on another."""

    def misbehave(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/slow"):
            time.sleep(1.0)
        if request.url.path.endswith("/reset"):
            raise DropConnection
        return handle(request)

    return misbehave


def test_upstream_faults_get_gateway_answers_are_counted_and_are_not_drift() -> None:
    lines: list[str] = []
    with fake_at("yandex", wrap=slow_or_reset) as upstream:
        with proxied("yandex", upstream, lines, timeout=0.3) as (proxy, base_url):
            headers = {"Authorization": f"Api-Key {KEY}"}
            with httpx.Client(base_url=base_url, headers=headers) as http:
                slow, reset = http.get("/responses/slow"), http.get("/responses/reset")
                after = http.get("/responses/00000000-0000-4000-8000-000000000000")
    with proxied("yandex", "http://127.0.0.1:9/v1", lines) as (down_proxy, base_url):
        down = httpx.get(f"{base_url}/responses/x", headers=headers)
    answers = [(r.status_code, r.headers["content-type"], r.json()["cause"]) for r in (slow, reset, down)]
    assert answers == [
        (504, "application/problem+json", "timed out"),
        (502, "application/problem+json", "reset"),
        (502, "application/problem+json", "refused"),
    ]
    assert (
        slow.json()["detail"]
        == f"contracts proxy: the upstream {upstream.removesuffix('/v1')} did not answer within 0.3 s"
    )
    assert after.status_code == 404
    result = proxy.finish().providers[0]
    assert (result.drift, result.status) == ((), Status.OK)
    assert result.notes == (
        "3 requests passed through: 1 judged, 0 streamed (not judged), 0 matched no operation of the spec;"
        " 2 upstream faults (1 reset, 1 timed out), answered 502/504 and not counted as drift",
    )
    down_result = down_proxy.finish().providers[0]
    assert (down_result.status, down_result.stopped and down_result.stopped.detail) == (
        Status.UNAVAILABLE,
        "the upstream http://127.0.0.1:9/v1 never answered (1 faults)",
    )
    assert lines == []


def test_an_answer_trickling_in_past_the_timeout_gets_the_application_a_504_not_a_wait() -> None:
    """A byte now and then resets every per-read timeout; the proxy's `--timeout` holds over the whole answer."""
    lines: list[str] = []
    # About 2,000 bytes at one per 0.2 s: the answer would take minutes.
    with serve_hostile(make_fake("mka1", api_key=KEY), [Rule(kind="trickle-body", interval=0.2)]) as server:
        with proxied("mka1", server.url, lines, timeout=1.0) as (proxy, base_url):
            with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
                body = {"model": MKA1_MODEL, "input": "Hi", "background": True}
                created = client.post("/api/v1/llm/responses", json=body).json()
                began = time.monotonic()
                answer = client.post(f"/api/v1/llm/responses/{created['id']}/cancel")
                waited = time.monotonic() - began
    assert (answer.status_code, answer.json()["cause"]) == (504, "timed out")
    assert (
        answer.json()["detail"]
        == f"contracts proxy: the upstream {server.url.split('/api')[0]} did not answer within 1 s"
    )
    assert waited < 10, waited  # not the minutes the trickle would take
    result = proxy.finish().providers[0]
    assert (result.drift, lines) == ((), [])
    assert result.notes[0].endswith("1 upstream fault (1 timed out), answered 502/504 and not counted as drift")


class _Events(BaseHTTPRequestHandler):
    """An upstream sending one server-sent event, then a second only once the test has seen the first."""

    protocol_version = "HTTP/1.1"
    release = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in (b"event: response.created\ndata: {}\n\n", b"event: response.completed\ndata: {}\n\n"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            self.release.wait(5)
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_an_event_stream_passes_through_unbuffered_and_is_counted_as_not_judged() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Events)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        with proxied("yandex", upstream, []) as (proxy, base_url):
            with httpx.stream("POST", f"{base_url}/responses", json={"stream": True}, timeout=3) as streamed:
                chunks = streamed.iter_raw()
                first = next(chunks)  # arrives while the upstream still holds the second event back
                _Events.release.set()
                rest = b"".join(chunks)
    finally:
        server.shutdown()
        server.server_close()
    assert (first, rest) == (b"event: response.created\ndata: {}\n\n", b"event: response.completed\ndata: {}\n\n")
    result = proxy.finish().providers[0]
    assert (result.requests, result.drift) == (1, ())
    assert result.notes[0].startswith("1 request passed through: 0 judged, 1 streamed (not judged),")


@pytest.mark.parametrize("offload", [False, True], ids=["judged in the proxy", "judged in its child process"])
def test_a_gzip_bomb_reaches_the_application_unchanged_and_is_judged_only_up_to_the_body_cap(offload: bool) -> None:
    """The application gets the vendor's bytes as sent; the proxy's own copy is decoded no further than the cap,
    and stays marked as cut when report mode hands it to the child process that judges."""
    cap = 1 << 20
    lines: list[str] = []
    with serve_hostile(make_fake("mka1", api_key=KEY), [Rule(kind="gzip-bomb", size=8 << 20)]) as server:
        with proxied("mka1", server.url, lines, max_body_bytes=cap, offload=offload) as (proxy, base_url):
            with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}) as client:
                created = client.post(
                    "/api/v1/llm/responses", json={"model": MKA1_MODEL, "input": "Hi", "background": True}
                )
                with client.stream("POST", f"/api/v1/llm/responses/{created.json()['id']}/cancel") as answer:
                    encoding, raw = answer.headers["content-encoding"], b"".join(answer.iter_raw())
    assert encoding == "gzip"
    assert len(zlib.decompress(raw, 16 + zlib.MAX_WBITS)) == (8 << 20) + len(b'{"pad": ""}')
    [record] = proxy.finish().providers[0].drift
    assert (record.operation, record.kind, record.message) == (
        "cancelResponse",
        Kind.MALFORMED_BODY,
        f"the 200 body is larger than {cap} bytes, so it was cut there and not judged",
    )
    assert record.impact.sdk is ImpactKind.UNKNOWN
