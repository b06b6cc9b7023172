"""The live client: retries with backoff, budgets, billing, the deadline, and redaction of echoed keys."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
import shlex
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts.client import (
    BudgetExhausted,
    Client,
    Credentials,
    DeadlinePassed,
    Limits,
    Unavailable,
)
from contracts.redact import redact, redact_tree

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "live" / "retries.yaml").read_text())
KEY = "sk+test/key=0123456789"
CREDENTIALS = Credentials(
    headers={"Authorization": f"Bearer {KEY}", "X-On-Behalf-Of": "user-4711-abcdef"},
    placeholders={"authorization": "Bearer $MKA1_API_KEY", "x-on-behalf-of": "$MKA1_ON_BEHALF_OF"},
    wrong={"Authorization": "Bearer not-a-real-key-0000"},
)
LIVE = Limits(retries=4, backoff=0.5, max_backoff=30.0)
TRANSPORT_ERRORS: dict[str, type[httpx.TransportError]] = {
    "connect": httpx.ConnectError,
    "reset": httpx.ReadError,
    "timeout": httpx.ReadTimeout,
}


class Vendor:
    """Answers requests from a script, and remembers what it was sent."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = list(answers)
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.answers.pop(0) if self.answers else {"status": 200}
        if isinstance(answer, str):
            raise TRANSPORT_ERRORS[answer](answer, request=request)
        if callable(answer):
            result: httpx.Response = answer(request)
            return result
        return httpx.Response(answer["status"], headers=answer.get("headers", {}), json={"id": "resp_1"})


def client(answers: list[Any], limits: Limits = LIVE, **extra: Any) -> tuple[Client, Vendor, list[float]]:
    """A client for `https://vendor.test/v1` whose sleeps are recorded instead of slept."""
    vendor, sleeps = Vendor(answers), []
    made = Client(
        "https://vendor.test/v1", CREDENTIALS, limits, httpx.MockTransport(vendor), sleep=sleeps.append, **extra
    )
    return made, vendor, sleeps


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_faults_are_retried_with_bounded_backoff(case: dict[str, Any]) -> None:
    made, vendor, sleeps = client(case["answers"])
    if case["outcome"] == "unavailable":
        with pytest.raises(Unavailable) as raised:
            made.send("GET", "/responses/resp_1")
        assert str(raised.value) == case["message"]
        assert raised.value.exit_code == 3
    else:
        assert made.send("GET", "/responses/resp_1").status_code == case["outcome"]
    assert sleeps == case["sleeps"]
    assert (made.requests, made.retried, len(vendor.sent)) == (1, len(case["sleeps"]), len(case["answers"]))


def test_a_retry_after_date_is_honoured() -> None:
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10), usegmt=True)
    made, _, sleeps = client([{"status": 503, "headers": {"Retry-After": when}}, {"status": 200}])
    assert made.send("GET", "/responses/resp_1").status_code == 200
    [slept] = sleeps
    assert 8.5 <= slept <= 10.0


def test_without_retries_a_fault_status_is_handed_to_the_checks() -> None:
    made, _, sleeps = client([{"status": 503}], Limits())
    assert made.send("GET", "/responses/resp_1").status_code == 503
    assert (sleeps, made.retried) == ([], 0)


def test_once_unavailable_every_later_request_fails_at_once_without_being_sent() -> None:
    made, vendor, _ = client(["connect"] * 5)
    with pytest.raises(Unavailable):
        made.send("GET", "/responses/resp_1")
    with pytest.raises(Unavailable) as again:
        made.send("POST", "/responses/resp_1/cancel")
    assert again.value.cause == "vendor.test did not answer (ConnectError) after 5 attempts"
    assert len(vendor.sent) == 5


def test_the_request_budget_stops_sending() -> None:
    made, vendor, _ = client([], replace(LIVE, requests=2))
    made.send("GET", "/responses/a")
    made.send("GET", "/responses/b")
    with pytest.raises(BudgetExhausted, match=r"^request budget of 2 spent$"):
        made.send("GET", "/responses/c")
    assert (made.requests, len(vendor.sent)) == (2, 2)


def test_only_accepted_creates_are_billed_and_the_cap_holds() -> None:
    made, vendor, _ = client([{"status": 400}, {"status": 200}], replace(LIVE, creates=1))
    assert made.send("POST", "/responses", json={}).status_code == 400
    assert made.creates == 0
    assert made.send("POST", "/responses", json={"model": "m"}).status_code == 200
    with pytest.raises(BudgetExhausted, match=r"^create budget of 1 spent$"):
        made.send("POST", "/responses", json={"model": "m"})
    assert made.send("GET", "/responses/resp_1").status_code == 200
    assert (made.creates, len(vendor.sent)) == (1, 3)


def test_a_create_that_got_no_answer_counts_as_billed_and_the_cap_stops_its_retry() -> None:
    made, vendor, sleeps = client(["timeout", {"status": 200}], replace(LIVE, creates=1))
    with pytest.raises(BudgetExhausted, match=r"^create budget of 1 spent \(1 unanswered, counted as billed\)$"):
        made.send("POST", "/responses", json={"model": "m"})
    assert (made.creates, made.unanswered_creates, len(vendor.sent), sleeps) == (1, 1, 1, [])


def test_a_create_that_never_connected_is_not_billed() -> None:
    made, _, _ = client(["connect", {"status": 200}], replace(LIVE, creates=1))
    assert made.send("POST", "/responses", json={"model": "m"}).status_code == 200
    assert (made.creates, made.unanswered_creates) == (1, 0)


def test_a_deadline_that_passed_before_any_answer_makes_the_provider_unavailable() -> None:
    made, vendor, _ = client([], replace(LIVE, deadline=time.monotonic() - 1))
    with pytest.raises(Unavailable) as raised:
        made.send("GET", "/responses/resp_1")
    assert str(raised.value) == (
        "error: vendor.test never answered before the run deadline;"
        " check the base URL and the network, or raise --deadline"
    )
    assert vendor.sent == []


def test_a_deadline_that_passes_after_answers_stops_sending_quietly() -> None:
    made, vendor, _ = client([], replace(LIVE, deadline=time.monotonic() + 60))
    made.send("GET", "/responses/resp_1")
    made.limits = replace(made.limits, deadline=time.monotonic() - 1)
    with pytest.raises(DeadlinePassed, match=r"^the run deadline passed after 1 requests$"):
        made.send("GET", "/responses/resp_2")
    assert isinstance(made.stopped, DeadlinePassed)
    assert len(vendor.sent) == 1


def test_no_request_outlives_the_deadline() -> None:
    made, vendor, _ = client([], replace(LIVE, timeout=30.0, deadline=time.monotonic() + 5))
    made.send("GET", "/responses/resp_1")
    timeout = vendor.sent[0].extensions["timeout"]
    assert 4.0 < timeout["read"] <= 5.0
    assert timeout["connect"] == timeout["read"]


def test_a_backoff_that_would_cross_the_deadline_stops_instead_of_sleeping() -> None:
    answers = [{"status": 429, "headers": {"Retry-After": "10"}}, {"status": 200}]
    made, vendor, sleeps = client(answers, replace(LIVE, deadline=time.monotonic() + 2))
    with pytest.raises(Unavailable, match="never answered before the run deadline"):
        made.send("GET", "/responses/resp_1")
    assert (sleeps, len(vendor.sent)) == ([], 1)


def echo(request: httpx.Request) -> httpx.Response:
    """A careless vendor repeating the caller's credentials, raw, JSON-escaped and URL-encoded."""
    sent = request.headers["authorization"]
    body = {
        "error": {"message": f"bad key {sent}", "hint": json.dumps(KEY), "url": f"/x?key={KEY}".replace("/", "%2F")}
    }
    return httpx.Response(401, headers={"X-Echo": sent}, json=body)


def test_an_echoed_key_is_redacted_before_any_check_or_record_sees_it() -> None:
    made, _, _ = client([echo], secrets=(KEY,))
    response = made.send("GET", "/responses/resp_1")
    assert KEY not in response.text
    assert httpx.QueryParams({"k": KEY}).get("k") not in response.text
    assert response.json()["error"]["message"] == "bad key Bearer [REDACTED]"
    assert response.headers["x-echo"] == "Bearer [REDACTED]"
    assert "%2B" not in response.text


def test_a_compressed_answer_stays_readable_after_redaction() -> None:
    content = gzip.compress(json.dumps({"message": f"key {KEY}"}).encode())

    def compressed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}, content=content
        )

    made, _, _ = client([compressed], secrets=(KEY,))
    response = made.send("GET", "/responses/resp_1")
    assert response.json() == {"message": "key [REDACTED]"}
    assert "content-encoding" not in response.headers


def test_a_repro_command_has_placeholders_for_every_credential_and_no_key() -> None:
    made, vendor, _ = client([], secrets=(KEY,))
    made.send("POST", "/responses", headers={"X-Session-Token": "tok-123456"}, json={"input": f"echo {KEY}"})
    words = shlex.split(made.curl(vendor.sent[0]))
    assert words[:4] == ["curl", "-X", "POST", "https://vendor.test/v1/responses"]
    assert "Authorization: Bearer $MKA1_API_KEY" in words
    assert "X-On-Behalf-Of: $MKA1_ON_BEHALF_OF" in words
    assert "X-Session-Token: $REDACTED" in words
    assert words[words.index("--data") + 1] == '{"input":"echo [REDACTED]"}'


def test_redaction_reaches_nested_values_and_keys_but_spares_short_values() -> None:
    tree = {"notes": [f"saw {KEY}"], KEY: {"deep": (KEY, 3)}, "tenant": "42"}
    assert redact_tree(tree, (KEY, "42")) == {
        "notes": ["saw [REDACTED]"],
        "[REDACTED]": {"deep": ["[REDACTED]", 3]},
        "tenant": "42",
    }
    assert redact("no secrets here", ()) == "no secrets here"
