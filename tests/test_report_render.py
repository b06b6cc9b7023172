"""drift.md, junit.xml and report.html for fixed drift.json inputs: golden snapshots, JUnit counts, escaping.

Inputs live in tests/cases/reports/ (clean: both providers pass; mixed: new, known and expired drift, notes, a
no-longer-observed baseline entry and an unavailable provider; skipped: a live run without credentials). The
golden files in tests/golden/reports/<input>/ are what `write_reports` makes of them. When a rendering changes on
purpose, regenerate them with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_report_render.py` and review the diff;
without that variable a mismatch always fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from contracts.model import RunReport, Status, Stopped, StopReason
from contracts.report import RENDERINGS, write_reports
from contracts.report.document import read_report, report_problem
from contracts.report.markdown import cell, code, table_cell
from contracts.settings import Settings
from contracts.summary import summary_lines

CASES = Path(__file__).parent / "cases" / "reports"
GOLDEN = Path(__file__).parent / "golden" / "reports"
INPUTS = ("clean", "mixed", "skipped")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def load(name: str) -> dict[str, Any]:
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def render(tmp_path: Path, name: str) -> Path:
    """Write the reports for one input as `contracts check` would; `mixed` also keeps a history."""
    history = None
    if name == "mixed":
        history = tmp_path / "history"
        shutil.copytree(CASES / "history", history)
    out = tmp_path / "out"
    write_reports(
        read_report(CASES / f"{name}.json"), Settings(providers=("yandex", "mka1"), report_dir=out, history=history)
    )
    return out


def normalise(text: str, tmp_path: Path) -> str:
    """Run times and temporary paths vary between runs; nothing else may."""
    return TIMESTAMP.sub("[time]", text.replace(str(tmp_path), "[tmp]"))


@pytest.mark.parametrize("name", INPUTS)
def test_every_fixed_input_is_a_valid_drift_report(name: str) -> None:
    assert report_problem(load(name)) is None


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("name", INPUTS)
def test_renderings_match_their_golden_files(tmp_path: Path, name: str, rendering: str) -> None:
    out = normalise((render(tmp_path, name) / rendering).read_text(encoding="utf-8"), tmp_path)
    golden = GOLDEN / name / rendering
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing; run with UPDATE_GOLDEN=1 and review it"
    assert out == golden.read_text(encoding="utf-8"), f"{golden} is stale; rerun with UPDATE_GOLDEN=1 and review"


def test_drift_json_is_written_unchanged_next_to_its_renderings(tmp_path: Path) -> None:
    out = render(tmp_path, "mixed")
    assert sorted(path.name for path in out.iterdir()) == ["drift.json", "drift.md", "junit.xml", "report.html"]
    assert json.loads((out / "drift.json").read_text(encoding="utf-8")) == load("mixed")


def expected_counts(entry: dict[str, Any]) -> dict[str, int]:
    """What junit.xml must count for one provider, derived from drift.json alone: one case per check, plus `run`."""
    outcomes = []
    for check in entry["checks"]:
        states = [(r["severity"], r["baseline"]) for r in entry["drift"] if r["check"] == check["name"]]
        if any(severity == "error" and state in {"new", "expired"} for severity, state in states):
            outcomes.append("failure")
        elif not check["ran"] or any(state == "known" for _, state in states):
            outcomes.append("skipped")
        else:
            outcomes.append("passed")
    return {
        "tests": 1 + len(entry["checks"]),
        "failures": outcomes.count("failure"),
        "skipped": outcomes.count("skipped") + (entry["status"] == "skipped"),
        "errors": int(entry["status"] == "unavailable"),
    }


@pytest.mark.parametrize("name", INPUTS)
def test_junit_counts_match_drift_json(tmp_path: Path, name: str) -> None:
    xml = JUnitXml.fromfile(str(render(tmp_path, name) / "junit.xml"))
    report = load(name)
    suites = list(xml)
    assert [suite.name for suite in suites] == [entry["provider"] for entry in report["providers"]]
    for suite, entry in zip(suites, report["providers"], strict=True):
        counted = {"tests": suite.tests, "failures": suite.failures, "skipped": suite.skipped, "errors": suite.errors}
        assert counted == expected_counts(entry)
        assert len(list(suite)) == counted["tests"]


def test_junit_for_the_mixed_run_fails_new_and_expired_and_skips_known_with_reasons(tmp_path: Path) -> None:
    xml = JUnitXml.fromfile(str(render(tmp_path, "mixed") / "junit.xml"))
    outcomes = {}
    for suite in xml:
        for case in suite:
            kinds = [type(result).__name__ for result in case.result]
            messages = [result.message for result in case.result if isinstance(result, Failure | Skipped | Error)]
            outcomes[f"{case.classname} {case.name}"] = (kinds, messages)
    not_run = (["Skipped"], ["not run to the end: see the provider's run case and notes"])
    assert outcomes["yandex run"] == (
        ["Error"],
        [
            "127.0.0.1 did not answer (ConnectError) after 5 attempts;"
            " check the base URL and the network, then run again; 0 of 14 checks ran"
        ],
    )
    assert [name for name, outcome in outcomes.items() if name.startswith("yandex.") and outcome == not_run] == [
        f"yandex.{check['layer']} {check['name']}" for check in load("mixed")["providers"][0]["checks"]
    ]
    assert {name: outcome for name, outcome in outcomes.items() if name.startswith("mka1") and outcome[0]} == {
        "mka1.scenario cancel_in_progress_cancels": (
            ["Failure"],
            ["behavior at /status (200): new error drift: cancelling an in-progress response did not cancel it"],
        ),
        "mka1.scenario second_cancel_is_idempotent": (
            ["Failure"],
            [
                "constraint-violation at /temperature (200): new error drift: /temperature breaks a documented"
                " constraint in the 200 body; type-mismatch at /metadata (200): baseline entry expired: metadata was"
                " null for a week after the February migration; expires 2026-02-15: /metadata has the wrong type in"
                " the 200 body"
            ],
        ),
        "mka1.scenario retrieve_agrees_with_cancel": (
            ["Failure"],
            ["behavior at /status (200): new error drift: retrieve disagrees with the cancel it follows"],
        ),
        "mka1.stateful links create → cancel → retrieve → cancel again": not_run,
    }
    [mka1] = [suite for suite in xml if suite.name == "mka1"]
    case = next(case for case in mka1 if case.name == "cancel_in_progress_cancels")
    listed = case.result[0].text
    assert "enum-violation" in listed and "undocumented-field" in listed, "known drift and warnings stay listed"


def test_junit_shows_skipped_providers_as_skipped_runs(tmp_path: Path) -> None:
    xml = JUnitXml.fromfile(str(render(tmp_path, "skipped") / "junit.xml"))
    runs = {suite.name: [(type(r).__name__, r.message) for r in next(iter(suite)).result] for suite in xml}
    assert runs == {
        "yandex": [("Skipped", "YANDEX_API_KEY (or YANDEX_IAM_TOKEN) is not set")],
        "mka1": [("Skipped", "MKA1_API_KEY is not set")],
    }


def test_table_cells_escape_pipes_and_fold_line_breaks() -> None:
    assert cell("a | b\nc\r\nd") == "a \\| b c d"
    assert table_cell('{"a": "x|y"}\nnext') == '`{"a": "x\\|y"} next`'


def test_code_spans_survive_backticks_and_show_empty_values_as_a_dash() -> None:
    assert code("a`b") == "``a`b``"
    assert code("`edge`") == "`` `edge` ``"
    assert code("") == "—"


def test_drift_md_escapes_a_reason_with_a_pipe_and_folds_its_line_break(tmp_path: Path) -> None:
    text = (render(tmp_path, "mixed") / "drift.md").read_text(encoding="utf-8")
    assert (
        "| `b679fa434a169fb5` | missing-field | `/store` | store went missing \\| see the vendor thread"
        " fixed upstream, kept until the next release |"
    ) in text.splitlines()


def test_a_provider_stopped_by_the_deadline_shows_why_in_every_rendering_and_still_passes(tmp_path: Path) -> None:
    clean = read_report(CASES / "clean.json")
    detail = "the run deadline passed after 12 requests; the remaining tests were skipped"
    mka1 = replace(clean.providers[1], stopped=Stopped(StopReason.DEADLINE, detail))
    report = clean.with_providers((clean.providers[0], mka1))
    write_reports(report, Settings(providers=("yandex", "mka1"), report_dir=tmp_path))
    line = f"Stopped early (deadline): {detail}."
    assert (mka1.verdict().word, report.exit_code()) == ("PASS", 0)
    assert line in (tmp_path / "drift.md").read_text(encoding="utf-8").splitlines()
    assert f'<p class="stopped">{line}</p>' in (tmp_path / "report.html").read_text(encoding="utf-8")
    [suite] = [suite for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml")) if suite.name == "mka1"]
    assert {prop.name: prop.value for prop in suite.properties()}["stopped"] == "deadline"
    assert f"stopped early (deadline): {detail}" in next(iter(suite)).system_out.splitlines()
    assert f"  stopped early (deadline): {detail}" in summary_lines(report)
    assert RunReport.from_dict(json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))) == report


def test_the_summary_of_a_provider_lost_mid_run_counts_its_drift_whatever_punctuation_the_reason_has() -> None:
    mixed = read_report(CASES / "mixed.json")
    reason = "cancelResponse: 127.0.0.1 did not answer (ReadTimeout: timed out) after 5 attempts"
    lost = replace(mixed.providers[1], status=Status.UNAVAILABLE, stopped=Stopped(StopReason.UNAVAILABLE, reason))
    [line] = [line for line in summary_lines(mixed.with_providers((lost,))) if line.startswith("mka1: ")]
    before = "13 of 14 checks ran; before that, 6 drift (5 errors, 1 warning): "
    assert lost.verdict().text.startswith(f"{reason}; {before}")
    assert line.startswith("mka1: FAIL | target=live requests=60 retried=0 drift: behavior=2, constraint-violation=1,")
    assert "undocumented-field=1 (3 new, 2 known, 1 expired; 4 fail the run) | impact: 1 breaks-sdk," in line
