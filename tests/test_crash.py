"""A check that crashes, or a layer hypothesis gives up on, is never counted as a pass."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis.errors import FlakyStrategyDefinition

from contracts.checks import Exchange, Group
from contracts.checks import registry as checks_registry
from contracts.cli import main
from contracts.model import DriftRecord, Layer


def install(monkeypatch: pytest.MonkeyPatch, name: str, exc: Exception, layer: Layer | None = None) -> None:
    """Register, for this test only, a check that raises `exc` (on every exchange, or on one layer's)."""

    def explode(exchange: Exchange) -> Iterator[DriftRecord]:
        if layer is None or exchange.where.layer == layer:
            raise exc
        yield from ()

    check = checks_registry.Check(name, Group.PASSIVE, "raises on purpose", explode)
    monkeypatch.setitem(checks_registry._CHECKS, name, check)


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object], str]:
    code = main(["check", "--provider", "mka1", "--seed", "1", "--max-examples", "5", "--report-dir", str(tmp_path)])
    [entry] = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))["providers"]
    return code, entry, capsys.readouterr().out


def test_a_crashing_check_is_an_internal_error_with_exit_2_naming_the_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(monkeypatch, "explodes", RecursionError("maximum recursion depth exceeded"))
    code, entry, out = run(tmp_path, capsys)
    detail = "internal error in cancel_in_progress_cancels: RecursionError: maximum recursion depth exceeded"
    assert (code, entry["status"], entry["stopped"]) == (2, "error", {"reason": "crashed", "detail": detail})
    assert "mka1: ERROR | target=mock" in out
    assert all(not check["ran"] for check in entry["checks"] if check["requests"])
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    [run_case] = [case for case in suite if case.get("name") == "run"]
    error = run_case.find("error")
    assert error is not None and error.get("type") == "error" and error.get("message") == detail
    assert int(suite.get("failures", "0")) + int(suite.get("errors", "0")) >= 1


def test_a_layer_hypothesis_gives_up_on_is_skipped_with_the_reason_not_passed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(monkeypatch, "flaky", FlakyStrategyDefinition("flaky", []), Layer.GENERATED)
    code, entry, _ = run(tmp_path, capsys)
    generated = [check for check in entry["checks"] if check["layer"] == "generated" and check["requests"]]
    assert code == 0 and generated
    assert {(check["ran"], check["reason"]) for check in generated} == {
        (False, f"generated {check['name']} stopped by hypothesis: FlakyStrategyDefinition") for check in generated
    }
    cases = {case.get("name"): case for case in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")}
    for check in generated:
        skipped = cases[check["name"]].find("skipped")
        assert skipped is not None
        assert skipped.get("message") == f"not run to the end: {check['reason']}"
