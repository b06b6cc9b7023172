"""The HAR writer keeps every attempt with credentials removed, and the reader gives back what was written."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import httpx
import pytest

from contracts.client import TRUNCATED as CUT
from contracts.errors import EXIT_USAGE
from contracts.traffic.har import HarWriter, read_har
from contracts.traffic.recorded import STREAMED, TRUNCATED, TrafficError

KEY = "AQVN-secret-key-0123456789"
FOLDER = "b1g-folder-777777"


def exchange(status: int = 200, body: bytes = b'{"id": "resp_1", "status": "cancelled"}', **extra: object) -> tuple:
    request = httpx.Request(
        "POST",
        f"https://vendor.test/v1/responses/resp_1/cancel?folder={FOLDER}",
        headers={"Authorization": f"Api-Key {KEY}", "X-Folder-Id": FOLDER, "X-On-Behalf-Of": "user-1234567"},
        json={"model": f"gpt://{FOLDER}/yandexgpt", "note": KEY},
    )
    response = httpx.Response(
        status, headers={"content-type": "application/json", "x-echo": KEY}, content=body, request=request, **extra
    )
    return request, response


def test_written_har_holds_no_credential_in_any_header_url_or_body(tmp_path: Path) -> None:
    writer = HarWriter(tmp_path / "yandex.har", secrets=(KEY, FOLDER))
    request, response = exchange(
        body=json.dumps({"echo": KEY, "b64": base64.b64encode(KEY.encode()).decode()}).encode()
    )
    writer.add(request, response)
    text = writer.write().read_text()
    assert KEY not in text and FOLDER not in text and "user-1234567" not in text
    assert base64.b64encode(KEY.encode()).decode()[:16] not in text
    entry = json.loads(text)["log"]["entries"][0]
    headers = {h["name"].lower(): h["value"] for h in entry["request"]["headers"]}
    assert headers["authorization"] == headers["x-folder-id"] == headers["x-on-behalf-of"] == "[REDACTED]"
    assert entry["request"]["url"] == "https://vendor.test/v1/responses/resp_1/cancel?folder=[REDACTED]"


def test_retried_attempts_and_unanswered_ones_are_marked(tmp_path: Path) -> None:
    writer = HarWriter(tmp_path / "a.har")
    request, busy = exchange(503, b'{"error": "busy"}')
    writer.add(request, busy, retried=True)
    writer.add(request, None, retried=True, error="ConnectError")
    writer.add(*exchange())
    entries = json.loads(writer.write().read_text())["log"]["entries"]
    assert [e.get("_retried", False) for e in entries] == [True, True, False]
    assert entries[1]["response"]["status"] == 0 and entries[1]["_error"] == "ConnectError"
    assert [r.retried for r in read_har(writer.path)] == [True, True, False]


def test_reading_back_gives_the_same_exchange_with_binary_bodies_as_base64(tmp_path: Path) -> None:
    writer = HarWriter(tmp_path / "a.har")
    writer.add(*exchange())
    writer.add(*exchange(body=b"\xff\xfe binary"))
    first, second = read_har(writer.write())
    assert (first.method, first.status, first.index, first.source) == ("POST", 200, 0, str(writer.path))
    assert first.url == f"https://vendor.test/v1/responses/resp_1/cancel?folder={FOLDER}"
    assert json.loads(first.request_body) == {"model": f"gpt://{FOLDER}/yandexgpt", "note": KEY}
    assert first.response_body == b'{"id": "resp_1", "status": "cancelled"}' and first.not_judged == ""
    assert second.response_body == b"\xff\xfe binary"
    assert json.loads(writer.path.read_text())["log"]["entries"][1]["response"]["content"]["encoding"] == "base64"


def test_a_body_cut_at_the_cap_is_marked_and_read_back_as_not_judged(tmp_path: Path) -> None:
    writer = HarWriter(tmp_path / "a.har")
    writer.add(*exchange(body=b'{"id": "re', extensions={CUT: 10}))
    (recorded,) = read_har(writer.write())
    assert recorded.not_judged == TRUNCATED


def test_gzip_bodies_stored_compressed_are_inflated_and_short_or_streamed_bodies_are_not_judged(tmp_path: Path) -> None:
    packed = base64.b64encode(gzip.compress(b'{"ok": true}')).decode()
    entries = [
        {"content": {"size": 12, "mimeType": "application/json", "text": packed, "encoding": "base64"},
         "headers": [{"name": "Content-Encoding", "value": "gzip"}]},
        {"content": {"size": 5000, "mimeType": "application/json", "text": '{"id": "re'}, "headers": []},
        {"content": {"size": 10, "mimeType": "text/event-stream", "text": "data: {}\n\n"}, "headers": []},
    ]  # fmt: skip
    document = {"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": "http://h/x", "headers": []}, "response": {"status": 200, **e}}
        for e in entries
    ]}}  # fmt: skip
    (tmp_path / "b.har").write_text(json.dumps(document))
    inflated, short, streamed = read_har(tmp_path / "b.har")
    assert inflated.response_body == b'{"ok": true}' and inflated.not_judged == ""
    assert short.not_judged == f"{TRUNCATED} (10 of 5,000 bytes)"
    assert streamed.not_judged == STREAMED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"log": {"entries": [{"request": {}, "response": {}}, {"request"',
         "HAR file {path} is not JSON: Expecting ':' delimiter at line 1 column 65 (inside entry 1)"),
        ('{"log": {}}', "{path} is not a HAR file: it has no log.entries list"),
        ('{"log": {"entries": [{"request": {"method": "GET", "url": "u"}, "response": {}}]}}',
         "{path} entry 0 lacks 'status': not a HAR 1.2 entry"),
    ],
)  # fmt: skip
def test_a_malformed_har_is_one_line_naming_the_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.har"
    path.write_text(text)
    with pytest.raises(TrafficError) as caught:
        read_har(path)
    assert caught.value.cause == message.format(path=path)
    assert caught.value.exit_code == EXIT_USAGE
