"""Client impact: the vendors' SDKs and the user's consumer files judge every drift record, and --fail-on uses it."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from contracts.cli import main
from contracts.errors import ConfigError
from contracts.impact import Impacts, load_consumer
from contracts.impact.consumers import touches
from contracts.model import BaselineState, DriftRecord, FailOn, Impact, ImpactKind, Kind
from contracts.specs import load_spec

ROOT = Path(__file__).parents[1]
SCHEMA = json.loads((ROOT / "contracts" / "data" / "drift.schema.json").read_text())
EXAMPLE = ROOT / "consumers" / "example.yaml"


def check(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`contracts check` in-process on the fakes (few examples); the exit code and the validated drift.json."""
    code = main(["check", "--report-dir", str(tmp_path), "--max-examples", "1", "--baseline-dir", str(tmp_path),
                 "--seed", "4", *args])  # fmt: skip
    report = json.loads((tmp_path / "drift.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    return code, report


def records(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for p in report["providers"] for r in p["drift"] if r["kind"] == kind]


@dataclass(frozen=True)
class Run:
    """One finished `contracts check`: exit code, drift.json, stdout and the report folder."""

    code: int
    report: dict[str, Any]
    out: str
    folder: Path


@pytest.fixture(scope="module")
def canceled(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """MKA1 sending "canceled", judged with the example consumer and `--fail-on breaks-consumer` (one run, shared)."""
    folder = tmp_path_factory.mktemp("canceled")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code, report = check(folder, "--provider", "mka1", "--drift", "cancel-status-canceled",
                             "--consumer", str(EXAMPLE), "--fail-on", "breaks-consumer")  # fmt: skip
    return Run(code, report, out.getvalue(), folder)


def test_canceled_passes_the_mka1_sdk_but_breaks_a_consumer_that_reads_status(canceled: Run) -> None:
    [record] = records(canceled.report, "enum-violation")
    assert record["location"] == "/status"
    # The SDK's open enum lets "canceled" through; the example app compares status against "cancelled".
    assert record["impact"] == {
        "kind": "breaks-consumer",
        "sdk": "sdk-accepts",
        "message": "ResponseObject: parsed as ResponseObject",
        "consumers": ["example"],
    }


def test_an_extra_field_is_accepted_by_the_openai_sdk_that_yandex_users_parse_with(tmp_path: Path) -> None:
    code, report = check(tmp_path, "--provider", "yandex", "--drift", "yandex-cancel-adds-store")
    assert code == 0
    [record] = records(report, "undocumented-field")
    assert record["impact"] == {
        "kind": "sdk-accepts",
        "sdk": "sdk-accepts",
        "message": "Response: parsed as Response",
        "consumers": [],
    }


def test_fail_on_breaks_sdk_passes_a_run_whose_only_drift_is_an_extra_field(tmp_path: Path) -> None:
    code, report = check(tmp_path, "--provider", "mka1", "--drift", "mka1-cancel-adds-resolved-model",
                         "--fail-on", "breaks-sdk")  # fmt: skip
    assert code == 0
    [record] = report["providers"][0]["drift"]
    assert (record["kind"], record["impact"]["kind"], record["fail_on"]) == (
        "undocumented-field", "sdk-accepts", "breaks-sdk"
    )  # fmt: skip


def test_fail_on_breaks_sdk_fails_a_string_timestamp_with_the_sdks_own_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check(tmp_path, "--provider", "mka1", "--drift", "cancel-created-at-iso-string",
                         "--fail-on", "breaks-sdk")  # fmt: skip
    assert code == 1
    [record] = records(report, "type-mismatch")
    assert (record["location"], record["impact"]["kind"]) == ("/created_at", "breaks-sdk")
    assert record["impact"]["message"].startswith(
        "ResponseValidationError: Response validation failed: 1 validation error for Unmarshaller"
        " body.created_at Input should be a valid number, unable to parse string as a number"
    )
    assert len(record["impact"]["message"]) == 300 and record["impact"]["message"].endswith("…")
    [verdict] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("mka1: ")]
    assert verdict.startswith("mka1: FAIL |")
    assert "1 fails the run (--fail-on breaks-sdk)) | impact: 1 breaks-sdk, 1 sdk-accepts |" in verdict


def test_fail_on_breaks_consumer_fails_canceled_only_with_a_consumer_that_reads_status(
    tmp_path: Path, canceled: Run
) -> None:
    assert canceled.code == 1
    code, _ = check(tmp_path, "--provider", "mka1", "--drift", "cancel-status-canceled", "--fail-on", "breaks-consumer")
    assert code == 0


def answer(status: int, body: Any, content_type: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, headers={"content-type": content_type}, content=content)


def sdk_impact(provider: str, response: httpx.Response, operation: str = "cancelResponse") -> Impact:
    judge = Impacts(provider, load_spec(provider), secrets=("sk-secret-0001",))
    drift = record(Kind.UNDOCUMENTED_STATUS, ImpactKind.UNKNOWN, (), FailOn.ERROR)
    return judge.assess(replace(drift, operation=operation, provider=provider), response).impact


def test_the_openai_sdk_breaks_on_a_mistyped_value_but_not_on_fields_it_leaves_unset() -> None:
    body = {"id": "resp_1", "object": "response", "created_at": "2026-01-01", "model": "m", "output": [],
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "status": "canceled"}  # fmt: skip
    assert sdk_impact("openai", answer(200, body)) == Impact(
        ImpactKind.BREAKS_SDK,
        "Response: Response validation failed: created_at: Input should be a valid number, unable to parse string"
        " as a number [type=float_parsing]",
    )
    assert sdk_impact("openai", answer(200, {**body, "created_at": 1})).sdk is ImpactKind.SDK_ACCEPTS
    assert sdk_impact("openai", answer(200, [1, 2])) == Impact(
        ImpactKind.BREAKS_SDK, "list: the SDK returned list, not Response"
    )


def test_an_undocumented_409_breaks_openai_error_handling_but_not_mka1s_single_error_class() -> None:
    conflict = answer(409, {"error": {"message": "busy sk-secret-0001", "type": "conflict"}})
    assert sdk_impact("openai", conflict) == Impact(
        ImpactKind.BREAKS_SDK,
        "the SDK raises ConflictError where documented errors raise AuthenticationError, BadRequestError,"
        " InternalServerError, NotFoundError, RateLimitError: ConflictError: Error code: 409 - busy [REDACTED]",
    )
    assert sdk_impact("mka1", conflict) == Impact(
        ImpactKind.SDK_ACCEPTS,
        'SDKDefaultError: API error occurred: Status 409. Body: {"error": {"message": "busy [REDACTED]",'
        ' "type": "conflict"}}',
    )
    assert sdk_impact("openai", answer(404, {"error": {"message": "gone"}})).sdk is ImpactKind.SDK_ACCEPTS


def test_a_non_background_cancel_answered_200_as_in_the_mka1_doc_example_is_an_assumed_record(tmp_path: Path) -> None:
    code, report = check(tmp_path, "--provider", "mka1", "--drift", "non-background-cancel-accepted")
    assert code == 1
    [record] = [r for r in records(report, "behavior") if r["operation"] == "cancelResponse"]
    assert (record["status_code"], record["location"], record["basis"]) == (200, "", "assumed")


def test_impact_appears_in_every_rendering_and_on_the_verdict_line(canceled: Run) -> None:
    [verdict] = [line for line in canceled.out.splitlines() if line.startswith("mka1: FAIL")]
    assert "(--fail-on breaks-consumer)) | impact: 1 sdk-accepts, 1 breaks-consumer |" in verdict
    markdown = (canceled.folder / "drift.md").read_text()
    assert "| status | kind | severity | impact | location |" in markdown
    assert "| 200 | enum-violation | error | breaks-consumer: example | `/status` |" in markdown
    assert "Impact: **breaks-consumer: example**: `ResponseObject: parsed as ResponseObject`." in markdown
    assert "Impact: 1 sdk-accepts, 1 breaks-consumer." in markdown
    root = ET.parse(canceled.folder / "junit.xml").getroot()
    impacts = [p.get("value") or "" for p in root.iter("property") if p.get("name") == "impact"]
    assert "impact: 1 sdk-accepts, 1 breaks-consumer" in impacts
    assert any(value.endswith(" breaks-consumer: example") for value in impacts)
    failure = next(root.iter("failure"))
    assert "impact: breaks-consumer: example (ResponseObject: parsed as ResponseObject)" in (failure.text or "")
    page = (canceled.folder / "report.html").read_text()
    assert '<select class="f-impact" aria-label="Client impact"><option value="">any impact</option>' in page
    assert '<option value="sdk-accepts">sdk-accepts (2)</option>' in page
    assert '<option value="breaks-consumer">breaks-consumer (1)</option>' in page
    assert 'data-impact="sdk-accepts breaks-consumer"' in page
    assert '<span class="impact breaks-consumer">breaks-consumer: example</span>' in page


def test_without_the_sdks_every_impact_is_unknown_and_the_run_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mka1", None)  # what importlib sees when the extra is not installed
    code, report = check(tmp_path, "--provider", "mka1", "--drift", "cancel-status-canceled")
    assert code == 1
    [provider] = report["providers"]
    assert {r["impact"]["kind"] for r in provider["drift"]} == {"unknown"}
    note = ("the meetkai-mka1 SDK is not installed, so every SDK impact is unknown;"
            " install it with pip install 'cancel-contracts[sdk]'")  # fmt: skip
    assert provider["notes"].count(note) == 1
    assert capsys.readouterr().out.count("SDK is not installed") == 1
    assert main(["check", "--provider", "mka1", "--fail-on", "breaks-sdk"]) == 2
    assert capsys.readouterr().err == (
        "error: --fail-on breaks-sdk needs the vendor SDKs, and meetkai-mka1 is not installed;"
        " pip install 'cancel-contracts[sdk]', or drop --fail-on\n"
    )


def test_a_value_the_spec_allows_but_the_consumer_does_not_is_one_consumer_spec_mismatch_note(tmp_path: Path) -> None:
    strict = tmp_path / "strict-app.yaml"
    strict.write_text("fields:\n  status: {enum: [cancelled]}\n  output[*].content[*].text: {type: string}\n")
    code, report = check(tmp_path, "--provider", "mka1", "--consumer", str(strict))
    assert code == 0
    [provider] = report["providers"]
    assert provider["drift"] == []
    mismatches = [note for note in provider["notes"] if note.startswith("consumer-spec mismatch")]
    assert mismatches == [
        'consumer-spec mismatch: strict-app expects status to be one of ["cancelled"], but a createResponse 200'
        ' answer that follows the spec has "queued" at /status; the vendor documents it differently from what'
        " strict-app reads",
        'consumer-spec mismatch: strict-app expects status to be one of ["cancelled"], but a getResponse 200'
        ' answer that follows the spec has "completed" at /status; the vendor documents it differently from what'
        " strict-app reads",
    ]


def test_a_bad_consumer_file_is_one_line_naming_the_file_and_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields:\n  status: {enum: []}\n")
    with pytest.raises(ConfigError) as refused:
        load_consumer(bad)
    assert str(refused.value) == (
        f"error: consumer file {bad} is not valid at fields/status/enum: [] should be non-empty;"
        " see consumers/example.yaml and contracts/data/consumer.schema.json"
    )
    assert main(["check", "--provider", "mka1", "--consumer", str(tmp_path / "missing.yaml")]) == 2


def test_the_example_consumer_reads_three_fields_and_finds_what_breaks_each() -> None:
    consumer = load_consumer(EXAMPLE)
    body = {"status": "canceled", "output": [{"content": [{"text": 7}]}], "usage": None}
    found = [(v.expectation.field, "/".join(v.pointer), v.actual) for v in consumer.violations(body)]
    assert found == [
        ("status", "status", '"canceled"'),
        ("output[*].content[*].text", "output/0/content/0/text", "7"),
        ("usage.output_tokens", "usage", "null"),
    ]
    assert consumer.violations({"status": "failed", "output": [], "usage": {"output_tokens": 3}}) == []


@pytest.mark.parametrize(
    ("location", "pointer", "touching"),
    [("/status", ("status",), True), ("", ("usage", "output_tokens"), True),
     ("/usage", ("usage", "output_tokens"), True), ("/usage/output_tokens", ("usage",), True),
     ("/store", ("status",), False), ("/output/1", ("output", "0"), False)],
)  # fmt: skip
def test_drift_touches_a_declared_field_when_one_location_contains_the_other(
    location: str, pointer: tuple[str, ...], touching: bool
) -> None:
    assert touches(location, pointer) is touching


def record(kind: Kind, sdk: ImpactKind, consumers: tuple[str, ...], fail_on: FailOn,
           baseline: BaselineState = BaselineState.NEW) -> DriftRecord:  # fmt: skip
    return DriftRecord("mka1", "cancelResponse", "POST", "/x", 200, kind, kind.severity, "/status", "", "", "", "",
                       "documented", "curl", impact=Impact(sdk, "", consumers), fail_on=fail_on,  # type: ignore[arg-type]
                       baseline=baseline)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "sdk", "consumers", "fail_on", "failing"),
    [
        (Kind.ENUM_VIOLATION, ImpactKind.SDK_ACCEPTS, (), FailOn.ERROR, True),
        (Kind.UNDOCUMENTED_FIELD, ImpactKind.BREAKS_SDK, (), FailOn.ERROR, False),
        (Kind.ENUM_VIOLATION, ImpactKind.SDK_ACCEPTS, (), FailOn.BREAKS_SDK, False),
        (Kind.UNDOCUMENTED_FIELD, ImpactKind.BREAKS_SDK, (), FailOn.BREAKS_SDK, True),
        (Kind.ENUM_VIOLATION, ImpactKind.SDK_ACCEPTS, ("app",), FailOn.BREAKS_SDK, False),
        (Kind.ENUM_VIOLATION, ImpactKind.SDK_ACCEPTS, ("app",), FailOn.BREAKS_CONSUMER, True),
        (Kind.TYPE_MISMATCH, ImpactKind.BREAKS_SDK, (), FailOn.BREAKS_CONSUMER, True),
        (Kind.ENUM_VIOLATION, ImpactKind.SDK_ACCEPTS, (), FailOn.BREAKS_CONSUMER, False),
        (Kind.ENUM_VIOLATION, ImpactKind.UNKNOWN, (), FailOn.BREAKS_SDK, True),
        (Kind.UNDOCUMENTED_FIELD, ImpactKind.UNKNOWN, (), FailOn.BREAKS_SDK, False),
    ],
)
def test_the_one_failing_rule_follows_fail_on_and_falls_back_to_errors_when_the_sdk_is_unknown(
    kind: Kind, sdk: ImpactKind, consumers: tuple[str, ...], fail_on: FailOn, failing: bool
) -> None:
    assert record(kind, sdk, consumers, fail_on).failing is failing
    assert record(kind, sdk, consumers, fail_on, BaselineState.KNOWN).failing is False


def test_impact_and_fail_on_survive_a_round_trip_through_drift_json() -> None:
    original = record(Kind.TYPE_MISMATCH, ImpactKind.BREAKS_SDK, ("a", "b"), FailOn.BREAKS_CONSUMER)
    data = original.to_dict()
    assert (data["impact"]["kind"], data["impact"]["consumers"], data["fail_on"]) == (
        "breaks-sdk", ["a", "b"], "breaks-consumer"
    )  # fmt: skip
    assert DriftRecord.from_dict(data) == original
    assert original.impact.label == "breaks-sdk; breaks-consumer: a, b"
    older = {key: value for key, value in data.items() if key not in ("impact", "fail_on")}
    assert DriftRecord.from_dict(older).impact == Impact()


def test_an_unknown_fail_on_rule_is_one_line_naming_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--provider", "mka1", "--fail-on", "warnings"]) == 2
    assert capsys.readouterr().err == (
        "error: unknown --fail-on 'warnings'; use one of: error, breaks-sdk, breaks-consumer\n"
    )


def test_a_consumer_reads_a_body_nested_100000_deep_as_it_reads_any_non_json_body_instead_of_crashing() -> None:
    consumer = load_consumer(ROOT / "consumers" / "example.yaml")
    request = httpx.Request("POST", "https://vendor.test/cancel")
    deep = httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000, request=request)
    garbled = httpx.Response(200, content=b"not json", request=request)
    found = Impacts("mka1", load_spec("mka1"), (consumer,)).mismatches("cancelResponse", deep, [])
    expected = Impacts("mka1", load_spec("mka1"), (consumer,)).mismatches("cancelResponse", garbled, [])
    assert found == expected
    assert len(found) == 3


def test_a_body_cut_at_the_size_cap_is_not_read_by_the_sdk_or_a_consumer_and_its_impact_is_unknown(
    tmp_path: Path,
) -> None:
    """The SDK would have read the whole body, which was never fetched; guessing from its first bytes is not a
    verdict (and reading 16 MiB through an SDK cost more memory than the rest of the run)."""
    code, report = check(tmp_path, "--provider", "mka1", "--max-body-bytes", "300", "--consumer", str(EXAMPLE))
    # Every create answer is cut, so no run gets an id to cancel: the one record is the create's.
    cut = records(report, "malformed-body")
    assert code == 1
    assert [(r["operation"], r["status_code"], r["message"]) for r in cut] == [
        ("createResponse", 200, "the 200 body is larger than 300 bytes, so it was cut there and not judged")
    ]
    assert cut[0]["impact"] == {
        "kind": "unknown",
        "sdk": "unknown",
        "message": "the body was cut at 300 bytes (--max-body-bytes), so the SDK did not read it",
        "consumers": [],
    }
