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
from contracts.providers import names
from contracts.report.annotations import render_annotations
from contracts.report.document import read_report
from contracts.settings import settings_from_options
from contracts.specs import load_spec

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
    """The 1-based line of `pointer`'s last key or item, found by walking the YAML text by indentation alone."""
    raw = path.read_text(encoding="utf-8").splitlines()
    # A dash counts as indentation, so an item's first key lines up with the keys below it.
    lines = [re.sub(r"^(\s*)- ", lambda m: m[1] + "  ", text) for text in raw]

    def depth(text: str) -> int:
        return len(text) - len(text.lstrip())

    line, start, indent = 0, 0, -1
    for token in pointer.strip("/").split("/"):
        block = []
        for number in range(start, len(lines)):
            if lines[number].strip() and depth(lines[number]) <= indent:
                break
            if lines[number].strip() and not lines[number].lstrip().startswith("#"):
                block.append(number)
        if not block:
            raise AssertionError(f"nothing under line {start} of {path}")
        if token.isdigit():
            # Items are the dashes at the block's own depth.
            children = [n for n in block if raw[n].lstrip().startswith("- ") and depth(raw[n]) == depth(raw[block[0]])]
            found = children[int(token)] if int(token) < len(children) else None
            start, indent = (found, depth(raw[found])) if found is not None else (start, indent)
        else:
            key = token.replace("~1", "/").replace("~0", "~")
            pattern = rf"^\s*['\"]?{re.escape(key)}['\"]?:"
            children = [n for n in block if depth(lines[n]) == depth(lines[block[0]]) and re.match(pattern, lines[n])]
            found = children[0] if children else None
            start, indent = (found + 1, depth(lines[found])) if found is not None else (start, indent)
        if found is None:
            raise AssertionError(f"{token} not found under line {start} of {path}")
        line = found + 1
    return line


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


@pytest.mark.parametrize("provider", names())
def test_check_annotates_new_drift_by_default_in_github_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    args = ["check", "--provider", provider, "--drift", "cancel-status-canceled", "--seed", "4", "--max-examples", "2"]
    code = main([*args, "--report-dir", str(tmp_path), "--baseline-dir", str(tmp_path)])
    out = capsys.readouterr().out
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert code == 1
    spec = ROOT / "specs" / provider / "openapi.yaml"
    enum = read_report(tmp_path / "drift.json").providers[0].drift[0].schema_location.partition("#")[2]
    # The renamed status breaks its enum, and retrieve then disagrees with the cancel: behaviour drift names no
    # schema node, so it points at its operation, whose spec has path-level parameters beside the methods.
    behaviour = line_by_indentation(spec, load_spec(provider).operation("getResponse").location)
    assert [a.split("::")[1] for a in annotations] == [
        f"error file=specs/{provider}/openapi.yaml,line={line_by_indentation(spec, enum)},title=enum-violation drift"
        f" in {provider} cancelResponse 200",
        f"error file=specs/{provider}/openapi.yaml,line={behaviour},title=behavior drift in {provider} getResponse 200",
    ]


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
