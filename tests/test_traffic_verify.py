"""`contracts verify` judges files written by real tools (st, mitmproxy, vcrpy around the SDKs) like `check` does."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.report.document import read_report

CASES = Path(__file__).parent / "cases" / "traffic"
KEY = "sk-recording-key-0001"


def verify(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    code = main(["verify", *argv, "--report-dir", str(tmp_path / "out")])
    report = tmp_path / "out" / "drift.json"
    return code, json.loads(report.read_text()) if report.exists() else {}


def drift_of(document: dict) -> list[tuple[str, str, int, str, str, int]]:
    return [
        (p["provider"], r["operation"], r["status_code"], r["kind"], r["location"], r["first_request"])
        for p in document["providers"]
        for r in p["drift"]
    ]


CLEAN = [
    ("st-yandex-clean.har", "yandex", 16),
    ("st-yandex-clean.yaml", "yandex", 16),
    ("mitmproxy-yandex-clean.har", "yandex", 4),
    ("vcrpy-openai-yandex-clean.yaml", "yandex", 4),
    ("vcrpy-mka1-clean.yaml", "all", 4),
]


@pytest.mark.parametrize(("name", "provider", "exchanges"), CLEAN)
def test_recordings_of_the_clean_fakes_give_no_drift_and_exit_0(
    tmp_path: Path, name: str, provider: str, exchanges: int
) -> None:
    code, document = verify(tmp_path, str(CASES / name), "--provider", provider)
    assert (code, drift_of(document)) == (0, [])
    (entry,) = document["providers"]
    assert (entry["target"], entry["requests"], document["target"]) == ("traffic", exchanges, "traffic")


DRIFTED = [
    ("st-yandex-not-found-text-html.har", "yandex",
     [("yandex", "cancelResponse", 404, "content-type", "content-type", 0)]),
    ("st-yandex-not-found-text-html.yaml", "yandex",
     [("yandex", "cancelResponse", 404, "content-type", "content-type", 0)]),
    ("mitmproxy-yandex-cancel-status-canceled.har", "yandex",
     [("yandex", "cancelResponse", 200, "enum-violation", "/status", 1),
      ("yandex", "getResponse", 200, "behavior", "/status", 3)]),
    ("vcrpy-openai-yandex-retrieve-disagrees-with-cancel.yaml", "yandex",
     [("yandex", "getResponse", 200, "behavior", "/status", 3)]),
    ("vcrpy-mka1-cancel-not-idempotent.yaml", "mka1", [("mka1", "cancelResponse", 400, "behavior", "", 2)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "provider", "expected"), DRIFTED)
def test_recordings_of_a_drifted_fake_report_that_drift_with_its_kind_and_location_and_exit_1(
    tmp_path: Path, name: str, provider: str, expected: list
) -> None:
    code, document = verify(tmp_path, str(CASES / name), "--provider", provider)
    assert (code, drift_of(document)) == (1, expected)


def test_each_record_names_file_and_entry_and_gives_a_curl_without_the_key(tmp_path: Path) -> None:
    name = "mitmproxy-yandex-cancel-status-canceled.har"
    code, document = verify(tmp_path, str(CASES / name), "--provider", "yandex")
    record = document["providers"][0]["drift"][0]
    assert record["reproduce"].startswith(f"{CASES / name} entry 1: curl -X POST http://127.0.0.1:18504/v1/responses/")
    assert '-H "authorization: Api-Key $YANDEX_API_KEY" ' in record["reproduce"]
    for output in (tmp_path / "out").iterdir():
        assert KEY not in output.read_text(), output.name


def test_the_report_reads_back_as_the_typed_model_with_target_traffic(tmp_path: Path) -> None:
    verify(tmp_path, str(CASES / "vcrpy-mka1-clean.yaml"))
    report = read_report(tmp_path / "out" / "drift.json")
    assert (str(report.target), [str(p.target) for p in report.providers]) == ("traffic", ["traffic"])
    assert [(c.name, str(c.layer), c.ran, c.requests) for c in report.providers[0].checks] == [
        (f"traffic {CASES / 'vcrpy-mka1-clean.yaml'}", "traffic", True, 4)
    ]


def test_a_truncated_file_is_one_line_naming_file_and_entry_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.har"
    text = (CASES / "st-yandex-clean.har").read_text()
    cut.write_text(text[: text.index('"startedDateTime"', text.index('"startedDateTime"') + 1) + 40])
    assert main(["verify", str(cut), "--report-dir", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: HAR file {cut} is not JSON: ")
    assert line.endswith("(inside entry 1); check that it is a whole HAR 1.2 file")


def test_a_malformed_cassette_entry_is_one_line_naming_file_and_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {status: {}}\n")
    assert main(["verify", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"error: {bad} entry 0 lacks 'code': not a cassette interaction;"
        " check that it is a whole VCR.py or schemathesis cassette\n"
    )


def test_a_file_with_no_exchange_for_any_provider_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(CASES / "vcrpy-mka1-clean.yaml", tmp_path / "mka1.yaml")
    assert main(["verify", str(tmp_path / "mka1.yaml"), "--provider", "yandex"]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'mka1.yaml'} holds no exchange for yandex (4 exchanges read, none matched);"
        " record traffic to a provider's API, or name the provider with --provider\n"
    )


def test_exchanges_matching_no_provider_are_counted_and_listed_in_a_note(tmp_path: Path) -> None:
    har = json.loads((CASES / "mitmproxy-yandex-clean.har").read_text())
    stray = json.loads(json.dumps(har["log"]["entries"][0]))
    stray["request"]["url"] = "http://127.0.0.1:18504/health"
    har["log"]["entries"].append(stray)
    (tmp_path / "mixed.har").write_text(json.dumps(har))
    code, document = verify(tmp_path, str(tmp_path / "mixed.har"), "--provider", "yandex")
    assert code == 0
    assert document["providers"][0]["notes"] == [
        f"1 exchange matched no provider: {tmp_path / 'mixed.har'} entry 4 (POST http://127.0.0.1:18504/health)"
    ]


def test_retried_truncated_and_streamed_answers_are_not_judged_and_say_why(tmp_path: Path) -> None:
    har = json.loads((CASES / "mitmproxy-yandex-clean.har").read_text())
    entries = har["log"]["entries"]
    entries[1]["_retried"] = True
    entries[2]["response"]["content"]["text"] = entries[2]["response"]["content"]["text"][:20]
    entries[3]["response"]["content"]["mimeType"] = "text/event-stream"
    (tmp_path / "odd.har").write_text(json.dumps(har))
    code, document = verify(tmp_path, str(tmp_path / "odd.har"), "--provider", "yandex")
    size = entries[2]["response"]["content"]["size"]
    assert (code, document["providers"][0]["coverage"]["not_judged"]) == (0, [
        f"{tmp_path / 'odd.har'} entry 1: a retried attempt (a fault the client sent again), not judged",
        f"{tmp_path / 'odd.har'} entry 2: the recording holds only part of the body (20 of {size:,} bytes)",
        f"{tmp_path / 'odd.har'} entry 3: a streamed (text/event-stream) body is not judged",
    ])  # fmt: skip


def test_recorded_drift_carries_the_sdk_judges_impact_like_a_live_run(tmp_path: Path) -> None:
    # The openai SDK types `status` as an open string: a cancelled response reading "canceled" still parses.
    code, document = verify(
        tmp_path, str(CASES / "mitmproxy-yandex-cancel-status-canceled.har"), "--provider", "yandex"
    )
    [entry] = document["providers"]
    assert code == 1
    assert {(r["kind"], r["location"], r["impact"]["sdk"]) for r in entry["drift"]} == {
        ("enum-violation", "/status", "sdk-accepts"),
        ("behavior", "/status", "sdk-accepts"),  # the retrieve after it disagrees with the cancel, too
    }


def test_a_consumer_file_marks_recorded_drift_on_its_fields_and_fail_on_uses_it(tmp_path: Path) -> None:
    """The traffic an application really sent is where "does it break my code" matters most."""
    recording = str(CASES / "mitmproxy-yandex-cancel-status-canceled.har")
    consumer = str(Path(__file__).parents[1] / "consumers" / "example.yaml")
    code, document = verify(tmp_path, recording, "--provider", "yandex", "--consumer", consumer)
    [entry] = document["providers"]
    assert code == 1
    assert {
        (r["kind"], r["location"], r["impact"]["kind"], tuple(r["impact"]["consumers"])) for r in entry["drift"]
    } == {
        ("enum-violation", "/status", "breaks-consumer", ("example",)),
        # The retrieve that disagrees reads "cancelled", which the consumer accepts: only the cancel breaks it.
        ("behavior", "/status", "sdk-accepts", ()),
    }
    assert {r["fail_on"] for r in entry["drift"]} == {"error"}
    code, document = verify(tmp_path, recording, "--provider", "yandex", "--fail-on", "breaks-sdk")
    assert (code, {r["fail_on"] for r in document["providers"][0]["drift"]}) == (0, {"breaks-sdk"})


def test_a_clean_recording_that_breaks_a_consumer_expectation_is_one_note_not_drift(tmp_path: Path) -> None:
    consumer = tmp_path / "strict.yaml"
    consumer.write_text("name: strict\nfields:\n  status: {enum: [completed]}\n")
    code, document = verify(
        tmp_path, str(CASES / "mitmproxy-yandex-clean.har"), "--provider", "yandex", "--consumer", str(consumer)
    )
    [entry] = document["providers"]
    assert (code, entry["drift"]) == (0, [])
    mismatch = (
        'consumer-spec mismatch: strict expects status to be one of ["completed"], but a {} 200 answer that follows'
        ' the spec has "{}" at /status; the vendor documents it differently from what strict reads'
    )
    assert [note for note in entry["notes"] if "strict" in note] == [
        mismatch.format("createResponse", "queued"),
        mismatch.format("cancelResponse", "cancelled"),
        mismatch.format("getResponse", "cancelled"),
    ]


def test_a_consumer_file_that_does_not_exist_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", str(CASES / "mitmproxy-yandex-clean.har"), "--consumer", str(tmp_path / "nope.yaml")])
    assert (code, capsys.readouterr().err.count("\n")) == (2, 1)


def _with_cancel_body(tmp_path: Path, body: bytes) -> Path:
    """mitmproxy's clean recording with entry 1 (a cancel) answered by `body`, stored gzip-encoded in base64."""
    har = json.loads((CASES / "mitmproxy-yandex-clean.har").read_text())
    response = har["log"]["entries"][1]["response"]
    response["headers"].append({"name": "content-encoding", "value": "gzip"})
    response["content"] = {"size": 0, "mimeType": "application/json", "encoding": "base64",
                           "text": base64.b64encode(body).decode()}  # fmt: skip
    path = tmp_path / "hostile.har"
    path.write_text(json.dumps(har))
    return path


def test_a_gzip_bomb_in_a_recording_is_decoded_only_to_the_cap_and_reported_as_a_live_run_reports_it(
    tmp_path: Path,
) -> None:
    """17 KB in the file would decode to 17 MiB; the body is cut at 16 MiB and is drift, as in `check`."""
    bomb = gzip.compress(b'{"pad": "' + b" " * (17 << 20) + b'"}')
    code, document = verify(tmp_path, str(_with_cancel_body(tmp_path, bomb)), "--provider", "yandex")
    assert code == 1
    assert [
        (r["operation"], r["kind"], r["message"], r["first_request"]) for r in document["providers"][0]["drift"]
    ] == [
        (
            "cancelResponse",
            "malformed-body",
            "the 200 body is larger than 16777216 bytes, so it was cut there and not judged",
            1,
        )
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (gzip.compress(b'{"id": "x"}' * 100)[:10] + b"\xff" * 20, "the body is not valid gzip"),
        (gzip.compress(b'{"id": "x"}' * 100)[:-12], "the body ends before its gzip stream does"),
    ],
    ids=["corrupt", "cut short"],
)
def test_a_body_that_is_not_the_gzip_its_header_says_is_one_line_naming_file_and_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, problem: str
) -> None:
    path = _with_cancel_body(tmp_path, body)
    assert main(["verify", str(path), "--provider", "yandex", "--report-dir", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"error: {path} entry 1 holds an answer whose body is not what its Content-Encoding says ({problem});"
        " check that it is a whole HAR 1.2 file\n"
    )
