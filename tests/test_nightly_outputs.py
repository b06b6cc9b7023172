"""What the nightly workflow reads: `contracts report issue` bodies and `--format github` annotations.

Golden files live in tests/golden/nightly/; regenerate them on purpose with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_nightly_outputs.py` and review the diff. Every annotation's line is
checked against the spec file itself, by a reader that knows only YAML indentation (not PyYAML's marks).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.report.annotations import render_annotations
from contracts.report.document import read_report
from contracts.settings import settings_from_options

ROOT = Path(__file__).parents[1]
CASES = ROOT / "tests" / "cases" / "reports"
GOLDEN = ROOT / "tests" / "golden" / "nightly"
ANNOTATION = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),title=([^:]*)::(.*)$")


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Spec paths in reports are relative to where the run happened, as in a workflow's checkout.
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} is stale; rerun with UPDATE_GOLDEN=1 and review"


def line_by_indentation(path: Path, pointer: str) -> int:
    """The 1-based line of `pointer`'s last key, found by walking the YAML text by indentation alone."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start, indent = 0, -1
    for token in pointer.strip("/").split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        for number in range(start, len(lines)):
            text = lines[number]
            depth = len(text) - len(text.lstrip())
            if text.strip() and depth <= indent:
                raise AssertionError(f"{key} not found under line {start} of {path}")
            if depth > indent and re.match(rf"^\s*['\"]?{re.escape(key)}['\"]?:", text):
                start, indent = number + 1, depth
                break
        else:
            raise AssertionError(f"{key} not found in {path}")
    return start


def report_issue(tmp_path: Path, case: str, provider: str) -> int:
    """`contracts report issue` on a report dir holding one of the fixed reports."""
    shutil.copy(CASES / f"{case}.json", tmp_path / "drift.json")
    return main(["report", "issue", str(tmp_path), "--provider", provider])


def test_the_issue_body_lists_new_and_expired_drift_with_repros_and_collapses_known_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_issue(tmp_path, "mixed", "mka1") == 1
    body = capsys.readouterr().out
    golden("mka1-issue.md", body)
    assert body.count("```sh\ncurl -X ") == 4
    assert re.search(r"<details>\n<summary>2 known drift records, accepted by the baseline</summary>", body)


def test_a_clean_provider_gives_exit_0_so_the_nightly_closes_its_issue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_issue(tmp_path, "clean", "yandex") == 0
    body = capsys.readouterr().out
    assert "## New and expired drift (0)\n\nNone.\n\n## Known drift (0)\n\nNone.\n" in body


def test_an_unavailable_provider_gives_exit_3_so_the_issue_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_issue(tmp_path, "mixed", "yandex") == 3


def test_a_provider_missing_from_the_report_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_issue(tmp_path, "clean", "openai") == 2
    assert capsys.readouterr().err == (
        "error: the report has no provider 'openai' (it has: yandex, mka1); pass one of those\n"
    )


def test_vendor_text_cannot_add_headings_links_or_mentions_to_the_issue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = read_report(CASES / "mixed.json")
    entry = report.providers[1]
    hostile = "fine\n## mka1: PASS\n@maintainers [click](https://evil.example) <img src=x>"
    drift = tuple(replace(record, message=hostile) for record in entry.drift)
    from contracts.report.issue import render_issue

    body = render_issue(report, replace(entry, drift=drift))
    assert not re.search(r"^## mka1", body, re.MULTILINE)
    assert not re.search(r"(?<!\\)(\[click\]\(|<img)|@maintainers", body)
    assert "fine \\#\\# mka1: PASS @\u2060maintainers \\[click\\](https://evil.example) \\<img src=x\\>" in body


def test_annotations_point_at_the_line_of_the_violated_spec_node() -> None:
    text = render_annotations(read_report(CASES / "mixed.json"))
    golden("mixed-annotations.txt", text)
    report = read_report(CASES / "mixed.json")
    failing = [r for p in report.providers for r in p.drift if r.failing]
    parsed = [ANNOTATION.match(line) for line in text.splitlines()]
    assert all(parsed) and len(parsed) == len(failing) == 4
    for match, record in zip(parsed, failing, strict=True):
        assert match is not None
        level, file, line = match.group(1), match.group(2), int(match.group(3))
        assert (level, file) == ("error", "specs/mka1/openapi.yaml")
        pointer = record.schema_location.partition("#")[2]
        expected = line_by_indentation(ROOT / file, pointer) if pointer else None
        if expected is None:
            # Behaviour drift names no schema node: it points at its operation.
            method = {"cancelResponse": "post", "getResponse": "get"}[record.operation]
            assert (ROOT / file).read_text().splitlines()[line - 1].strip() == f"{method}:"
        else:
            assert line == expected


def test_annotations_keep_vendor_text_on_one_line_and_cannot_start_a_workflow_command() -> None:
    report = read_report(CASES / "mixed.json")
    entry = report.providers[1]
    drift = tuple(replace(r, message="x\n::add-mask::y\r%0A,:") for r in entry.drift)
    text = render_annotations(report.with_providers((replace(entry, drift=drift),)))
    assert len(text.splitlines()) == 4
    assert all(line.startswith("::error file=") for line in text.splitlines())
    assert "x\\x0a::add-mask::y\\x0d%250A,:" in text


def test_check_annotates_new_drift_by_default_in_github_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    args = ["check", "--provider", "mka1", "--drift", "cancel-status-canceled", "--seed", "4", "--max-examples", "2"]
    code = main([*args, "--report-dir", str(tmp_path), "--baseline-dir", str(tmp_path)])
    out = capsys.readouterr().out
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert code == 1
    line = line_by_indentation(ROOT / "specs/mka1/openapi.yaml", "/components/schemas/Response/properties/status/enum")
    assert any(
        a.startswith(f"::error file=specs/mka1/openapi.yaml,line={line},title=enum-violation drift in mka1 ")
        for a in annotations
    ), annotations
    assert [line for line in out.splitlines() if line.startswith("::warning")] == []


@pytest.mark.parametrize(
    ("environment", "given", "expected"),
    [("true", None, "github"), ("true", "text", "text"), (None, None, "text"), (None, "github", "github")],
)
def test_the_format_is_github_in_github_actions_unless_text_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, environment: str | None, given: str | None, expected: str
) -> None:
    if environment is not None:
        monkeypatch.setenv("GITHUB_ACTIONS", environment)
    assert settings_from_options({"format": given}, default_seed=1).output_format == expected


def test_an_unknown_format_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "xml"]) == 2
    assert capsys.readouterr().err == "error: unknown --format 'xml'; use --format text or --format github\n"
