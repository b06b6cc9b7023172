"""`contracts spec-diff`: every change kind, the severity table and its override file, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from contracts.cli import main
from contracts.specdiff import load_severities

CASES = Path(__file__).parent / "cases" / "spec-diff"
CASE_NAMES = sorted(path.name for path in CASES.iterdir() if path.is_dir())
SEVERITY_TABLE = Path(__file__).parent.parent / "contracts" / "data" / "severity.yaml"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["spec-diff", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def case_args(name: str) -> list[str]:
    folder = CASES / name
    args = [str(folder / "old.yaml"), str(folder / "new.yaml")]
    if (folder / "severities.yaml").exists():
        args += ["--severities", str(folder / "severities.yaml")]
    return args


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_reports_exactly_the_expected_changes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = yaml.safe_load((CASES / name / "expected.yaml").read_text(encoding="utf-8"))
    code, out, err = run_cli(capsys, *case_args(name), "--format", "json")
    changes = [{key: c[key] for key in ("severity", "kind", "location")} for c in json.loads(out)["changes"]]
    assert err == ""
    assert sorted(changes, key=str) == sorted(expected["changes"], key=str)
    assert code == expected["exit_code"]


def test_every_change_kind_in_the_severity_table_has_a_case() -> None:
    table = yaml.safe_load(SEVERITY_TABLE.read_text(encoding="utf-8"))
    covered = {
        change["kind"]
        for name in CASE_NAMES
        for change in yaml.safe_load((CASES / name / "expected.yaml").read_text(encoding="utf-8"))["changes"]
    }
    assert set(table) - covered == set()
    assert "no-change" in CASE_NAMES


def test_text_output_is_one_aligned_line_per_change_sorted_by_severity_then_a_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, *case_args("status-removed-success"))
    assert out.splitlines() == [
        "error    status-removed  cancelResponse/200  200 no longer documented",
        "warning  status-added    cancelResponse/202  202 now documented",
        "2 changes: 1 error, 1 warning, 0 info",
    ]
    assert code == 1


def test_identical_specs_print_no_changes_and_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, *case_args("no-change"))
    assert (code, out, err) == (0, "no changes\n", "")


def test_details_name_the_values_and_bounds_that_changed(capsys: pytest.CaptureFixture[str]) -> None:
    details = {}
    for name in (
        "response-enum-widened",
        "request-enum-narrowed",
        "request-constraint-tightened",
        "pattern-changed",
        "response-type-changed",
        "response-field-removed",
    ):
        _, out, _ = run_cli(capsys, *case_args(name), "--format", "json")
        details[name] = json.loads(out)["changes"][0]["detail"]
    assert details == {
        "response-enum-widened": "+ queued",
        "request-enum-narrowed": "- default",
        "request-constraint-tightened": "maximum 2 → 1",
        "pattern-changed": "^resp_[a-z0-9]+$ → ^resp[-_][a-zA-Z0-9]+$",
        "response-type-changed": "integer → string",
        "response-field-removed": "was optional number or null",
    }


def test_json_output_carries_direction_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(capsys, *case_args("request-field-removed"), "--format", "json")
    payload = json.loads(out)
    assert payload["changes"] == [
        {
            "severity": "warning",
            "kind": "field-removed",
            "location": "createResponse/request/background",
            "detail": "was optional boolean",
            "direction": "request",
        }
    ]
    assert payload["counts"] == {"error": 0, "warning": 1, "info": 0}


def test_the_override_file_only_changes_the_directions_it_names() -> None:
    override = CASES / "override-enum-widened-error" / "severities.yaml"
    table = load_severities(override)
    assert table.severity("enum-widened", "response") == "error"
    assert table.severity("enum-widened", "request") == "info"
    assert table.severity("field-removed", "response") == "error"


def test_a_missing_spec_file_is_one_line_and_exit_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "gone.yaml"
    code, out, err = run_cli(capsys, str(missing), str(CASES / "no-change" / "new.yaml"))
    assert (code, out) == (2, "")
    assert err == f"error: cannot read spec file {missing}: No such file or directory; check the path and permissions\n"


def test_a_spec_that_is_not_yaml_is_one_line_and_exit_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\npaths: [unclosed\n", encoding="utf-8")
    code, out, err = run_cli(capsys, str(CASES / "no-change" / "old.yaml"), str(broken))
    assert (code, out) == (2, "")
    assert err == (
        f"error: spec file {broken} is not valid YAML: expected ',' or ']', but got '<stream end>'"
        " at line 3 column 1; fix the syntax and run again\n"
    )


def test_a_spec_that_is_not_openapi_31_is_one_line_and_exit_two(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = tmp_path / "swagger.yaml"
    old.write_text("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", encoding="utf-8")
    code, out, err = run_cli(capsys, str(old), str(CASES / "no-change" / "new.yaml"))
    assert (code, out) == (2, "")
    assert err == f"error: spec file {old} is not an OpenAPI 3.1 document; set `openapi: 3.1.0` at the top\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("enum-widend: error\n", "unknown change kind 'enum-widend'; use one of: operation-added, operation-removed"),
        (
            "enum-widened:\n  response: fatal\n",
            "enum-widened must be {request, response} of those, got {'response': 'fatal'}; severities are error, "
            "warning or info",
        ),
        (
            "operation-added:\n  request: info\n",
            "operation-added must be error|warning|info, got {'request': 'info'}; severities are error, "
            "warning or info",
        ),
        ("- enum-widened\n", "is not a mapping of change kinds; each entry is `kind: severity`"),
        ("enum-widened: [\n", "is not valid YAML: expected the node content, but found '<stream end>' at line 2"),
    ],
    ids=["unknown-kind", "unknown-severity", "direction-on-a-plain-kind", "not-a-mapping", "not-yaml"],
)
def test_a_bad_severities_file_is_one_line_naming_the_problem(
    content: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    severities = tmp_path / "severities.yaml"
    severities.write_text(content, encoding="utf-8")
    code, out, err = run_cli(capsys, *case_args("no-change"), "--severities", str(severities))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: severities file {severities}")
    assert message in err
    assert err.count("\n") == 1


def test_an_unreadable_severities_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run_cli(capsys, *case_args("no-change"), "--severities", str(missing))
    assert (code, out) == (2, "")
    assert err == f"error: cannot read severities file {missing}: No such file or directory; check the path\n"
