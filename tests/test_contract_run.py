"""The contract run end to end: clean fakes give no drift, planted drift is found where it is, runs repeat."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from contracts.cli import main
from contracts.fakes import load_catalogue, make_fake, serve
from tests import vendor_docs

SCHEMA = json.loads((Path(__file__).parents[1] / "contracts" / "data" / "drift.schema.json").read_text())
KIND_CASES = yaml.safe_load((Path(__file__).parent / "cases" / "engine" / "kinds.yaml").read_text())
SECRET = "sk-live-0123456789abcdef-SECRET"


def check(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """Run `contracts check` in-process with a small example count and return its exit code and drift.json."""
    code = main(["check", "--report-dir", str(tmp_path), "--max-examples", "8", "--baseline-dir", str(tmp_path), *args])
    report = json.loads((tmp_path / "drift.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(report)
    return code, report


@pytest.mark.slow
# One seed through the whole CLI; the self-test's clean runs cover five more seeds per provider and budget.
@pytest.mark.parametrize("seed", ["1"])
def test_clean_fakes_show_no_drift_for_any_provider(tmp_path: Path, seed: str) -> None:
    code, report = check(tmp_path, "--seed", seed)
    assert code == 0
    assert [(p["provider"], p["status"], p["drift"]) for p in report["providers"]] == [
        ("mka1", "ok", []),
        ("openai", "ok", []),
        ("yandex", "ok", []),
    ]
    assert all(p["requests"] > 50 for p in report["providers"])


def test_every_drift_kind_has_a_case() -> None:
    kinds = {entry.kind for entry in load_catalogue()}
    assert {case["kind"] for case in KIND_CASES} == kinds


@pytest.mark.parametrize("case", KIND_CASES, ids=[c["drift"] for c in KIND_CASES])
def test_a_planted_drift_is_reported_with_its_kind_location_and_basis(tmp_path: Path, case: dict[str, Any]) -> None:
    [entry] = [e for e in load_catalogue(case["provider"]) if e.name == case["drift"]]
    assert entry.kind == case["kind"]
    code, report = check(tmp_path, "--provider", case["provider"], "--seed", "4", "--drift", entry.name)
    [provider] = report["providers"]
    found = {(r["kind"], r["operation"], r["status_code"], r["location"], r["basis"]) for r in provider["drift"]}
    assert (entry.kind, entry.operation, entry.status_code, entry.location, case["basis"]) in found
    assert code == (0 if entry.kind == "undocumented-field" else 1)
    assert provider["drift_injected"] == [entry.name]


def test_repro_commands_are_curl_with_placeholders_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MKA1_API_KEY", SECRET)
    code, report = check(tmp_path, "--provider", "mka1", "--seed", "5", "--drift", "cancel-status-canceled")
    assert code == 1
    [record] = [r for r in report["providers"][0]["drift"] if r["kind"] == "enum-violation"]
    words = shlex.split(record["reproduce"])
    assert words[:3] == ["curl", "-X", "POST"]
    assert words[3].startswith("https://apigw.mka1.com/api/v1/llm/responses/resp_")
    assert words[3].endswith("/cancel")
    assert "Authorization: Bearer $MKA1_API_KEY" in words
    written = "".join(path.read_text() for path in tmp_path.iterdir() if path.is_file())
    assert SECRET not in written
    assert SECRET not in capsys.readouterr().out


@pytest.mark.slow
def test_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    """Two `contracts check` invocations, each its own process as a user or CI runs them, agree to the byte."""

    def run(folder: Path) -> list[Any]:
        command = [sys.executable, "-m", "contracts.cli", "check", "--seed", "11", "--drift",
                   "cancel-missing-total-tokens", "--max-examples", "8", "--report-dir", str(folder),
                   "--baseline-dir", str(folder)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parents[1])
        assert done.returncode == 1, done.stderr
        report = json.loads((folder / "drift.json").read_text())
        assert report["seed"] == 11
        return [{k: v for k, v in p.items() if k != "duration_seconds"} for p in report["providers"]]

    assert run(tmp_path / "a") == run(tmp_path / "b")


def test_the_same_seed_gives_the_same_run_whatever_local_code_the_process_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hypothesis draws some strings from the literals of every local module imported so far; a contract run must
    not, or a seed reproduces differently in a checkout, a wheel install and an application's own pytest."""

    def observed(folder: Path) -> list[Any]:
        code, report = check(folder, "--seed", "11", "--provider", "openai")
        assert code == 0
        return [(p["requests"], p["observed"]) for p in report["providers"]]

    before = observed(tmp_path / "a")
    glue = tmp_path / "app" / "vendor_glue.py"
    glue.parent.mkdir()
    glue.write_text("WORDS = [" + ", ".join(f'"app-constant-{n}"' for n in range(200)) + "]\n")
    monkeypatch.syspath_prepend(str(glue.parent))
    importlib.import_module("vendor_glue")
    assert observed(tmp_path / "b") == before


def test_the_run_prints_the_seed_and_a_verdict_per_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = check(tmp_path, "--seed", "6", "--provider", "yandex", "--drift", "cancel-server-error")
    out = capsys.readouterr().out
    assert code == 1
    assert "contracts check: providers=yandex target=mock seed=6" in out
    summary = re.search(r"yandex spec specs/yandex/openapi.yaml: 3 operations \(cancelResponse, createResponse, "
                        r"getResponse\), (\d+) fields in the cancel 200 body, (\d+) assumptions", out)  # fmt: skip
    assert summary is not None
    assert int(summary[1]) >= len(vendor_docs.yandex_fields())
    assert int(summary[2]) > 0
    assert "yandex: FAIL | target=mock requests=" in out
    assert "drift: server-error=1 (1 new, 0 known, 0 expired; 1 fails the run) |" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "staging"], "error: unknown target 'staging'; use --target mock, live or replay"),
        (
            ["--drift", "x", "--target", "live"],
            "error: --drift applies only to the mock target; drop --drift or use --target mock",
        ),
        (
            ["--max-examples", "0"],
            "error: --max-examples must be a whole number above 0, got '0'; pass e.g. --max-examples 60",
        ),
        (
            ["--drift", "cancel-nope"],
            "error: unknown drift cancel-nope for mka1, openai, yandex;"
            " list the catalogue with `contracts mock --list-drift`",
        ),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed, so a repro command cannot be run")
def test_a_repro_command_run_with_curl_reproduces_the_drift_on_a_served_fake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKA1_API_KEY", SECRET)
    with serve(make_fake("mka1", api_key=SECRET, drift=("cancel-status-canceled",))) as base_url:
        code, report = check(tmp_path, "--target", "live", "--provider", "mka1", "--base-url", base_url,
                             "--seed", "3", "--budget", "20")  # fmt: skip
        [record] = [r for r in report["providers"][0]["drift"] if r["kind"] == "enum-violation"]
        assert SECRET not in record["reproduce"]
        done = subprocess.run(["bash", "-c", record["reproduce"] + " --silent --show-error"], capture_output=True,
                              text=True, timeout=30, env={**os.environ, "MKA1_API_KEY": SECRET})  # fmt: skip
    assert code == 1
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "canceled"
