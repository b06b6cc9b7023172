"""Whole runs against a hostile vendor: a crash, a hang or a leak is never a PASS.

Many tests here are strict xfails: they fail on this branch (proving the defect) and are landed by the integrator
together with the wiring named in each reason. When the wiring lands, strict xfail turns into a failure that
says "XPASS(strict)", the cue to drop the marker.
"""

from __future__ import annotations

import json
import re
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from contracts.cli import main
from contracts.fakes import make_fake
from contracts.providers import profiles
from tests.hostile import HOSTILE_TEXTS, Rule, echo_key_forms, serve_hostile

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "hostile" / "runs.yaml").read_text(encoding="utf-8"))
# Short enough that a hostile run ends in seconds.
LIMITS = {"request-timeout": "1", "retries": "1", "backoff": "0.01", "max-backoff": "0.05"}


def limit_args(limits: dict[str, Any]) -> list[str]:
    """The run's limits as command-line options."""
    return [word for name, value in limits.items() for word in (f"--{name}", str(value))]


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh mka1 key, and nothing else of live mode configured."""
    for profile in profiles().values():
        for name in profile.env:
            monkeypatch.delenv(name, raising=False)
    chosen = f"sk-test-{secrets.token_hex(17)}"
    monkeypatch.setenv("MKA1_API_KEY", chosen)
    return chosen


def run_live(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, rules: list[Rule], *args: str
) -> tuple[int, str, str]:
    with serve_hostile(make_fake("mka1", api_key=key), rules) as server:
        code = main(["check", "--target", "live", "--provider", "mka1", "--seed", "3", "--budget", "12",
                     "--base-url", server.url, "--report-dir", str(tmp_path), "--baseline-dir", str(tmp_path),
                     *limit_args(LIMITS), *args])  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=f"wired by the integrator: {c['wired']}"))
        if "wired" in c
        else c
        for c in CASES
    ],
    ids=[c["name"] for c in CASES],
)
def test_a_hostile_cancel_is_drift_or_unavailable_never_a_pass(
    case: dict[str, Any], key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = [Rule.from_dict(rule) for rule in case["rules"]]
    extra = limit_args(case["limits"]) if "limits" in case else []
    code, out, _ = run_live(capsys, tmp_path, key, rules, *extra, *case.get("args", []))
    [entry] = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))["providers"]
    assert code == case["exit"], out
    if "status" in case:
        assert entry["status"] == case["status"]
    assert set(case.get("includes", [])) <= set(entry["counts"])


def test_hostile_vendor_text_cannot_fake_a_verdict_or_break_any_report(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_live(capsys, tmp_path, key, [Rule("vendor-text")])
    assert code == 1
    assert "\x1b" not in out + err
    assert [line.split(" |")[0] for line in out.splitlines() if line.startswith("mka1:")] == ["mka1: FAIL"]
    # drift.md as GitHub would show it: one provider heading, and no element the vendor wrote.
    page = MarkdownIt("commonmark").enable("table").render((tmp_path / "drift.md").read_text(encoding="utf-8"))
    assert re.findall(r"<h2>(.*?)</h2>", page) == ["mka1: FAIL"]
    assert "<script" not in page.replace("&lt;script", "")
    ET.parse(tmp_path / "junit.xml")  # strict: any character XML 1.0 forbids fails the parse
    assert HOSTILE_TEXTS["script"] not in (tmp_path / "report.html").read_text(encoding="utf-8")
    json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))


def test_a_key_echoed_in_every_encoding_leaves_no_trace_in_any_output(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_live(capsys, tmp_path, key, [Rule("echo-key")])
    written = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in tmp_path.glob("*.*")}
    texts = {"stdout": out, "stderr": err} | written
    forms = {name: form for name, form in echo_key_forms(key).items() if not name.startswith("cut_20")}
    leaks = [f"{name} in {where}" for where, text in texts.items() for name, form in forms.items()
             if form[3:-3] in text or key[:12] in text]  # fmt: skip
    # The echo sits in an undocumented `debug` field: a warning, so the run passes, and shows no part of the key.
    assert (code, leaks) == (0, [])


@pytest.mark.parametrize("seed", ["-5", str(2**200)])
def test_any_whole_number_is_a_seed_and_the_run_passes_on_a_clean_fake(
    seed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["check", "--provider", "mka1", "--seed", seed, "--max-examples", "5", "--report-dir", str(tmp_path / "r")]
    )
    captured = capsys.readouterr()
    [entry] = json.loads((tmp_path / "r" / "drift.json").read_text(encoding="utf-8"))["providers"]
    assert (code, captured.err, entry["status"], entry["seed"]) == (0, "", "ok", int(seed))
    assert all(check["ran"] for check in entry["checks"])
