"""Live mode end to end: real HTTP through the live code path, against loopback fakes behind injected faults."""

from __future__ import annotations

import json
import re
import secrets
import shlex
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from contracts.cli import main
from contracts.fakes import make_fake
from contracts.providers import LiveConfig, get, profiles
from contracts.scenarios import SCENARIOS
from contracts.settings import Settings
from contracts.specs import load_spec
from contracts.targets import build_run, live_config
from tests.faults import Fault, FaultyServer, serve_faults

ROOT = Path(__file__).parents[1]
SCHEMA = json.loads((ROOT / "contracts" / "data" / "drift.schema.json").read_text())
FAULT_CASES = yaml.safe_load((Path(__file__).parent / "cases" / "live" / "faults.yaml").read_text())
# Short timeouts and backoffs keep these runs to a few seconds; Retry-After is honoured up to `max_backoff`.
LIMITS = ("--request-timeout", "0.5", "--backoff", "0.01", "--max-backoff", "0.02")
# pytest and the suite take about a second to start before the deadline clock does.
SLACK = 2.0
# A flaky network at once (slow answers have their own case in faults.yaml); none of it is drift. Resets hit
# only retrieves here: a create reset mid-flight counts as billed, and the cap would then skip a scenario.
RETRIED = [
    Fault("rate-limit", every=5, seconds=1),
    Fault("unavailable", every=11, burst=2),
    Fault("reset", every=7, methods=("GET",)),
]
PLANTED = "cancel-status-canceled"


@dataclass(frozen=True)
class Live:
    """One finished `contracts check --target live`: exit code, drift.json, what it printed, how long it took."""

    code: int
    report: dict[str, Any]
    out: str
    err: str
    elapsed: float

    def provider(self, name: str) -> dict[str, Any]:
        """The report entry of one provider."""
        [entry] = [p for p in self.report["providers"] if p["provider"] == name]
        return entry


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh random keys (so no file can contain them beforehand), and nothing else of live mode configured."""
    for profile in profiles().values():
        for name in profile.env:
            monkeypatch.delenv(name, raising=False)
    chosen = {"yandex": f"AQVN{secrets.token_hex(16)}", "mka1": f"sk-test-{secrets.token_hex(16)}"}
    monkeypatch.setenv("YANDEX_API_KEY", chosen["yandex"])
    monkeypatch.setenv("YANDEX_FOLDER_ID", "b1gtestfolder")
    monkeypatch.setenv("MKA1_API_KEY", chosen["mka1"])
    return chosen


def live(capsys: pytest.CaptureFixture[str], report_dir: Path, *args: str) -> Live:
    """Run `contracts check --target live` in-process and read back its drift.json (validated by its schema)."""
    started = time.monotonic()
    code = main(["check", "--target", "live", "--seed", "3", "--report-dir", str(report_dir),
                 "--baseline-dir", str(report_dir), *LIMITS, *args])  # fmt: skip
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    report = json.loads((report_dir / "drift.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(report)
    return Live(code, report, captured.out, captured.err, elapsed)


def serve(provider: str, key: str, faults: list[Fault] | tuple[Fault, ...] = (), drift: tuple[str, ...] = ()) -> Any:
    """A provider's fake on loopback, accepting `key`, with real time so responses stay in progress."""
    return serve_faults(make_fake(provider, api_key=key, drift=drift), faults)


def leaks(run: Live, report_dir: Path, values: list[str]) -> list[str]:
    """Where any of `values` shows up: the printed output or any file the run wrote."""
    texts = {"stdout": run.out, "stderr": run.err}
    texts |= {str(path): path.read_text(errors="replace") for path in report_dir.rglob("*") if path.is_file()}
    return [f"{value[:6]}… in {where}" for where, text in texts.items() for value in values if value in text]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port


@pytest.mark.parametrize("case", FAULT_CASES, ids=[case["name"] for case in FAULT_CASES])
def test_faults_are_retried_or_reported_and_never_taken_for_drift(
    case: dict[str, Any], keys: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = [Fault.from_dict(fault) for fault in case["faults"]]
    with serve("mka1", keys["mka1"], faults, drift=tuple(case.get("drift", ()))) as server:
        run = live(capsys, tmp_path, "--provider", "mka1", "--base-url", server.url, "--budget", "30",
                   *case.get("args", []))  # fmt: skip
    entry = run.provider("mka1")
    assert (run.code, entry["status"]) == (case["exit"], case["status"])
    if "kinds" in case:
        assert sorted(entry["counts"]) == case["kinds"]
    else:
        assert set(case["includes"]) <= set(entry["counts"])
    assert sorted(server.injected()) == sorted({fault.kind for fault in faults})
    assert (entry["retried_faults"] > 0) == case["retried"]
    if "within" in case:
        assert run.elapsed < case["within"] + SLACK
    if "stopped" in case:
        assert entry["stopped"] == case["stopped"]
    assert leaks(run, tmp_path, [keys["mka1"]]) == []


def test_a_live_run_stays_within_60_requests_and_3_billed_creates_and_still_runs_every_scenario(
    keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve("yandex", keys["yandex"]) as yandex, serve("mka1", keys["mka1"]) as mka1:
        servers: dict[str, FaultyServer] = {"yandex": yandex, "mka1": mka1}
        monkeypatch.setenv("YANDEX_BASE_URL", yandex.url)
        monkeypatch.setenv("MKA1_BASE_URL", mka1.url)
        run = live(capsys, tmp_path)
    assert run.code == 0
    # Every scenario runs on both; a layer hypothesis gave up on is skipped with its reason, never passed.
    for name in servers:
        checks = run.provider(name)["checks"]
        assert [check["name"] for check in checks if check["layer"] == "scenario" and check["ran"]] == list(SCENARIOS)
        assert [check for check in checks if not check["ran"] and not check.get("reason")] == []
    for name, server in servers.items():
        entry = run.provider(name)
        billed = [e for e in server.log if e.method == "POST" and e.path.endswith("/responses") and e.status == 200]
        assert (entry["status"], entry["base_url"]) == ("ok", server.url)
        assert len(server.log) == entry["requests"] <= 60
        assert len(billed) == entry["creates"] <= 3
        assert [note for note in entry["notes"] if note.startswith("scenario ")] == []


def test_planted_drift_is_found_live_and_retried_faults_neither_hide_it_nor_add_any(
    keys: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = []
    for name, faults in (("plain", []), ("faulty", RETRIED)):
        with serve("mka1", keys["mka1"], faults, drift=(PLANTED,)) as server:
            runs.append(live(capsys, tmp_path / name, "--provider", "mka1", "--base-url", server.url, "--budget", "30"))
    plain, faulty = (run.provider("mka1") for run in runs)
    assert [run.code for run in runs] == [1, 1]
    assert ("enum-violation", "cancelResponse", "/status") in {
        (r["kind"], r["operation"], r["location"]) for r in plain["drift"]
    }
    assert [r["fingerprint"] for r in faulty["drift"]] == [r["fingerprint"] for r in plain["drift"]]
    assert (plain["retried_faults"], faulty["retried_faults"] > 0) == (0, True)


def test_every_fault_at_once_with_echoed_keys_leaves_no_trace_of_any_secret(
    keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = f"tenant-{secrets.token_hex(8)}"
    monkeypatch.setenv("MKA1_ON_BEHALF_OF", tenant)
    faults = [*RETRIED, Fault("echo-key")]
    with serve("yandex", keys["yandex"], faults) as yandex, serve("mka1", keys["mka1"], faults) as mka1:
        monkeypatch.setenv("YANDEX_BASE_URL", yandex.url)
        monkeypatch.setenv("MKA1_BASE_URL", mka1.url)
        run = live(capsys, tmp_path, "--budget", "20")
    assert run.code == 0
    for name, server in (("yandex", yandex), ("mka1", mka1)):
        entry = run.provider(name)
        # The echoed credentials are undocumented fields of each answer: warnings, never a leak.
        assert (entry["status"], sorted(entry["counts"])) == ("ok", ["undocumented-field"])
        assert entry["retried_faults"] > 0 and server.injected()["echo-key"] > 0
    assert leaks(run, tmp_path, [keys["yandex"], keys["mka1"], tenant]) == []
    written = (tmp_path / "drift.json").read_text()
    assert "Bearer [REDACTED]" in written and "Api-Key [REDACTED]" in written
    repros = [shlex.split(r["reproduce"]) for p in run.report["providers"] for r in p["drift"]]
    assert {"Authorization: Api-Key $YANDEX_API_KEY", "Authorization: Bearer $MKA1_API_KEY"} <= {
        w for r in repros for w in r
    }
    assert "X-On-Behalf-Of: $MKA1_ON_BEHALF_OF" in {word for repro in repros for word in repro}


def test_a_deadline_mid_run_keeps_the_drift_found_so_far_and_writes_the_report(
    keys: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve("mka1", keys["mka1"], [Fault("slow", seconds=0.15)], drift=(PLANTED,)) as server:
        run = live(capsys, tmp_path, "--provider", "mka1", "--base-url", server.url, "--deadline", "2")
    entry = run.provider("mka1")
    # The checks the deadline cut off prove nothing (unavailable), and the drift found before still fails the run.
    assert (run.code, entry["status"], entry["counts"]["enum-violation"]) == (1, "unavailable", 1)
    stopped = re.compile(r"the run deadline passed after \d+ requests; the remaining tests were skipped")
    assert entry["stopped"]["reason"] == "deadline" and stopped.fullmatch(entry["stopped"]["detail"])
    ran = sum(check["ran"] for check in entry["checks"])
    assert ran < len(entry["checks"])
    assert f"{ran} of {len(entry['checks'])} checks ran" in (tmp_path / "drift.md").read_text(encoding="utf-8")
    assert entry["requests"] < 20
    assert run.elapsed < 2 + SLACK


@pytest.mark.parametrize(("drift", "code"), [((), 3), ((PLANTED,), 1)], ids=["no drift", "error drift"])
def test_an_unavailable_provider_keeps_the_other_providers_results(
    drift: tuple[str, ...],
    code: int,
    keys: dict[str, str],
    closed_port: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("YANDEX_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")
    with serve("mka1", keys["mka1"], drift=drift) as mka1:
        monkeypatch.setenv("MKA1_BASE_URL", mka1.url)
        run = live(capsys, tmp_path, "--budget", "20")
    yandex, other = run.provider("yandex"), run.provider("mka1")
    assert run.code == code
    assert (yandex["status"], yandex["requests"], yandex["drift"]) == ("unavailable", 1, [])
    detail = (
        "127.0.0.1 did not answer (ConnectError) after 5 attempts; check the base URL and the network, then run again"
    )
    assert (yandex["notes"], yandex["stopped"]) == ([], {"reason": "unavailable", "detail": detail})
    assert other["stopped"] is None
    assert (other["status"], other["requests"]) == ("drift" if drift else "ok", 20)
    assert "yandex: UNAVAILABLE | target=live requests=1 retried=4" in run.out


@pytest.mark.parametrize(
    ("unset", "line"),
    [
        ("YANDEX_API_KEY", "yandex: YANDEX_API_KEY (or YANDEX_IAM_TOKEN) is not set"),
        ("YANDEX_FOLDER_ID", "yandex: YANDEX_FOLDER_ID is not set (needed for the model URI)"),
        ("MKA1_API_KEY", "mka1: MKA1_API_KEY is not set"),
    ],
)
def test_a_provider_without_credentials_is_skipped_with_one_line_naming_the_variable(
    unset: str,
    line: str,
    keys: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(unset)
    provider, reason = line.split(": ", 1)
    run = live(capsys, tmp_path, "--provider", provider)
    entry = run.provider(provider)
    assert (run.code, entry["status"], entry["requests"], entry["notes"]) == (0, "skipped", 0, [])
    assert entry["stopped"] == {"reason": "skipped", "detail": reason}
    assert run.out.splitlines().count(f"  stopped early (skipped): {reason}") == 1
    assert f"{provider}: SKIPPED | target=live requests=0" in run.out


def test_an_iam_token_is_sent_as_bearer_and_shown_as_its_variable(
    keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = f"t1.{secrets.token_hex(24)}"
    monkeypatch.delenv("YANDEX_API_KEY")
    monkeypatch.setenv("YANDEX_IAM_TOKEN", token)
    with serve("yandex", token, drift=("cancel-status-canceled",)) as server:
        run = live(capsys, tmp_path, "--provider", "yandex", "--base-url", server.url, "--budget", "20")
    [record, *_] = run.provider("yandex")["drift"]
    assert "Authorization: Bearer $YANDEX_IAM_TOKEN" in shlex.split(record["reproduce"])
    assert leaks(run, tmp_path, [token]) == []


def test_live_configuration_defaults_to_the_vendors_real_endpoints_and_models(keys: dict[str, str]) -> None:
    settings = Settings(providers=("yandex", "mka1"), target="live")
    found = {name: live_config(get(name), settings, load_spec(name).base_url) for name in ("yandex", "mka1")}
    assert isinstance(found["yandex"], LiveConfig) and isinstance(found["mka1"], LiveConfig)
    assert (found["yandex"].base_url, found["yandex"].model) == (
        "https://ai.api.cloud.yandex.net/v1",
        "gpt://b1gtestfolder/yandexgpt-lite/latest",
    )
    assert (found["mka1"].base_url, found["mka1"].model) == (
        "https://apigw.mka1.com",
        "meetkai:functionary-urdu-mini-pak",
    )


def test_base_url_and_model_come_from_the_environment_and_the_flag_wins(
    keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKA1_BASE_URL", "https://staging.mka1.example/")
    monkeypatch.setenv("MKA1_MODEL", "meetkai:other")
    from_env = live_config(get("mka1"), Settings(providers=("mka1",), target="live"), "https://apigw.mka1.com")
    flagged = Settings(providers=("mka1",), target="live", base_url="http://127.0.0.1:9")
    from_flag = live_config(get("mka1"), flagged, "https://apigw.mka1.com")
    assert isinstance(from_env, LiveConfig) and isinstance(from_flag, LiveConfig)
    assert (from_env.base_url, from_env.model, from_flag.base_url) == (
        "https://staging.mka1.example",
        "meetkai:other",
        "http://127.0.0.1:9",
    )


@pytest.mark.parametrize("provider", ["yandex", "mka1"])
def test_a_live_create_is_cheap_stored_and_bounded(provider: str, keys: dict[str, str]) -> None:
    settings = Settings(providers=(provider,), target="live", budget=60, create_budget=3, request_timeout=0.5)
    run = build_run(provider, settings)
    model = "gpt://b1gtestfolder/yandexgpt-lite/latest" if provider == "yandex" else "meetkai:functionary-urdu-mini-pak"
    assert dict(run.create_body) == {
        "model": model,
        "input": "List the numbers from 1 to 400 in words, one per line.",
        "max_output_tokens": 512,
        "store": True,
    }
    limits = run.client.limits
    assert (limits.requests, limits.creates, limits.retries, limits.timeout) == (60, 3, 4, 0.5)
