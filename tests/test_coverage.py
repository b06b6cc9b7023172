"""Spec coverage: every documented status, response enum value and optional field (present, and null where allowed)
is counted per operation, and shown in drift.json, drift.md and report.html with what was never seen."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from contracts.cli import main
from contracts.coverage import CoverageCounter
from contracts.model import Aspect
from contracts.specs import load_spec

ROOT = Path(__file__).parents[1]
CASES = ROOT / "tests" / "cases" / "traffic"
SCHEMA = json.loads((ROOT / "contracts" / "data" / "drift.schema.json").read_text())


def items(provider: str, operation: str) -> dict[str, Aspect]:
    coverage = CoverageCounter(load_spec(provider)).coverage()
    (found,) = [entry for entry in coverage.operations if entry.operation == operation]
    return {item.name: item.aspect for item in found.items}


def test_the_documented_items_come_from_the_spec_statuses_enums_optional_and_nullable_fields() -> None:
    cancel = items("yandex", "cancelResponse")
    assert [name for name, aspect in cancel.items() if aspect is Aspect.STATUS] == [
        "200", "400", "401", "404", "429", "500", "503"
    ]  # fmt: skip
    statuses = ["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"]
    assert all(cancel[f"200 /status = {status}"] is Aspect.ENUM for status in statuses)
    assert (cancel["200 /user present"], cancel["200 /user null"]) == (Aspect.PRESENT, Aspect.NULL)
    # Required fields (in any allOf part) are always there: only optional ones are items. Yandex's ResponseCore
    # requires id but leaves status out of `required`.
    assert "200 /id present" not in cancel and cancel["200 /status present"] is Aspect.PRESENT


def test_a_recorded_sequence_is_counted_per_operation_in_drift_json(tmp_path: Path) -> None:
    assert main(["verify", str(CASES / "vcrpy-mka1-clean.yaml"), "--report-dir", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "drift.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    coverage = report["providers"][0]["coverage"]
    seen = {op["operation"]: {i["name"]: i["seen"] for i in op["items"]} for op in coverage["operations"]}
    assert (seen["createResponse"]["200"], seen["cancelResponse"]["200"], seen["getResponse"]["200"]) == (1, 2, 1)
    assert (seen["cancelResponse"]["200 /status = cancelled"], seen["cancelResponse"]["200 /status = incomplete"]) == (
        2,
        0,
    )
    assert seen["createResponse"]["200 /status = queued"] == 1 and seen["cancelResponse"]["404"] == 0
    assert (coverage["covered"], coverage["total"]) == (
        sum(op["covered"] for op in coverage["operations"]),
        sum(op["total"] for op in coverage["operations"]),
    )
    assert coverage["percent"] == round(100 * coverage["covered"] / coverage["total"], 1)


def test_drift_md_and_report_html_say_what_was_never_seen(tmp_path: Path) -> None:
    main(["verify", str(CASES / "vcrpy-mka1-clean.yaml"), "--report-dir", str(tmp_path)])
    coverage = json.loads((tmp_path / "drift.json").read_text())["providers"][0]["coverage"]
    headline = (
        f"Spec coverage: {coverage['percent']}% ({coverage['covered']} of {coverage['total']} documented items seen)"
    )
    markdown = (tmp_path / "drift.md").read_text()
    assert f"### {headline}\n" in markdown
    assert "| cancelResponse | 1/7 |" in markdown
    assert "- cancelResponse never saw `400`, `401`, `404`," in markdown
    html = (tmp_path / "report.html").read_text()
    assert f'<h3>{headline}</h3><table class="coverage">' in html
    assert "<li>cancelResponse never saw <code>400</code>, <code>401</code>, <code>404</code>," in html


def test_a_mock_run_reports_coverage_too(tmp_path: Path) -> None:
    assert (
        main(["check", "--provider", "mka1", "--seed", "1", "--max-examples", "2", "--report-dir", str(tmp_path)]) == 0
    )
    coverage = json.loads((tmp_path / "drift.json").read_text())["providers"][0]["coverage"]
    seen = {op["operation"]: {i["name"]: i["seen"] for i in op["items"]} for op in coverage["operations"]}
    assert seen["cancelResponse"]["200"] > 0 and seen["cancelResponse"]["404"] > 0 and seen["cancelResponse"]["401"] > 0
    assert "### Spec coverage: " in (tmp_path / "drift.md").read_text()


def test_lines_about_bodies_not_judged_are_escaped_in_markdown_and_html(tmp_path: Path) -> None:
    har = json.loads((CASES / "mitmproxy-yandex-clean.har").read_text())
    har["log"]["entries"][3]["response"]["content"]["mimeType"] = "text/event-stream"
    (tmp_path / "<b>x*.har").write_text(json.dumps(har))
    main(["verify", str(tmp_path / "<b>x*.har"), "--provider", "yandex", "--report-dir", str(tmp_path / "out")])
    markdown = (tmp_path / "out" / "drift.md").read_text()
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<b>x*.har" not in markdown and "<b>x*.har" not in html
    assert "&lt;b&gt;x*.har entry 3: a streamed (text/event-stream) body is not judged" in html
