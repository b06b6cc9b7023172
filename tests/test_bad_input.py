"""Bad input to `contracts check` is one clear line and exit 2; an endpoint nobody answers on is exit 3 in time."""

from __future__ import annotations

import importlib
import json
import secrets
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.cli import main
from contracts.providers import profiles

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "live" / "bad-input.yaml").read_text())
# pytest and the suite take about a second to start before the deadline clock does.
SLACK = 2.0


@pytest.fixture(autouse=True)
def _nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case starts from an environment without live configuration."""
    for profile in profiles().values():
        for name in profile.env:
            monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = f"sk-{secrets.token_hex(16)}"
    spec = tmp_path / "specs" / "mka1" / "openapi.yaml"
    spec_dir = []
    if "spec" in case:
        spec_dir = ["--spec-dir", str(spec.parents[1])]
        spec.parent.mkdir(parents=True)
        if case["spec"] == "directory":
            spec.mkdir()
        elif case["spec"] is not None:
            spec.write_text(case["spec"])
    for name, value in case.get("env", {}).items():
        monkeypatch.setenv(name, value.replace("{key}", key))
    args = [arg.replace("{key}", key) for arg in case["args"]]
    code = main(["check", "--report-dir", str(tmp_path / "reports"), *spec_dir, *args])
    captured = capsys.readouterr()
    assert (code, captured.out, captured.err) == (2, "", case["line"].replace("{spec}", str(spec)) + "\n")
    assert key not in captured.err
    assert not (tmp_path / "reports").exists()


def test_an_unreachable_url_exits_3_within_the_deadline_with_the_default_backoff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MKA1_API_KEY", f"sk-{secrets.token_hex(16)}")
    started = time.monotonic()
    code = main(["check", "--target", "live", "--provider", "mka1", "--base-url", f"http://127.0.0.1:{port}",
                 "--deadline", "3", "--report-dir", str(tmp_path), "--baseline-dir", str(tmp_path)])  # fmt: skip
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    [entry] = json.loads((tmp_path / "drift.json").read_text())["providers"]
    assert (code, entry["status"], entry["requests"], entry["drift"]) == (3, "unavailable", 1, [])
    # Backoff 0.5 s, 1 s, 2 s...: how many waits fit before the deadline depends on how long start-up took,
    # but at least one retry happens and no wait crosses the deadline.
    assert entry["retried_faults"] >= 1
    note = "127.0.0.1 never answered before the run deadline; check the base URL and the network, or raise --deadline"
    assert entry["notes"] == []
    assert entry["stopped"] == {"reason": "unavailable", "detail": note}
    assert f"  stopped early (unavailable): {note}" in out.splitlines()
    assert elapsed < 3 + SLACK


def test_a_bug_of_ours_after_the_run_is_one_line_naming_where_with_exit_2_and_the_reports_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    annotations = importlib.import_module("contracts.report.annotations")
    source = Path(annotations.__file__).read_text(encoding="utf-8").splitlines()
    [caller] = [n + 1 for n, text in enumerate(source) if "in collect(report)" in text]

    key = f"sk-{secrets.token_hex(16)}"
    monkeypatch.setenv(profiles()["mka1"].key_env, key)

    def broken(report: object) -> list[Any]:
        raise RuntimeError(f"boom \x1b[2K{key}\nsecond line")

    monkeypatch.setattr(annotations, "collect", broken)
    args = ["check", "--provider", "mka1", "--format", "github", "--max-examples", "2", "--seed", "3"]
    code = main([*args, "--report-dir", str(tmp_path), "--baseline-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert (code, err.splitlines()) == (
        2,
        [
            f"error: internal error at contracts/report/annotations.py:{caller}: "
            "RuntimeError: boom \\x1b[2K[REDACTED]; reports already written are kept; please report this line as a"
            " bug of"
            " cancel-contracts"
        ],
    )
    assert json.loads((tmp_path / "drift.json").read_text())["providers"][0]["provider"] == "mka1"
