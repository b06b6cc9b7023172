"""`contracts report diff OLD NEW`: appeared, disappeared and changed drift per provider, and its exit codes.

mixed-next.json is mixed.json a day later: yandex is back, one drift appeared, one disappeared and one changed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.cli import main

CASES = Path(__file__).parent / "cases" / "reports"
BAD = yaml.safe_load((CASES / "bad-reports.yaml").read_text(encoding="utf-8"))


def diff(capsys: pytest.CaptureFixture[str], old: str | Path, new: str | Path) -> tuple[int, str, str]:
    code = main(["report", "diff", str(old), str(new)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_drift_that_appeared_exits_1_and_every_group_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = diff(capsys, CASES / "mixed.json", CASES / "mixed-next.json")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "yandex: status unavailable -> ok",
        "  appeared (0)",
        "  disappeared (0)",
        "  changed (0)",
        "mka1:",
        "  appeared (1)",
        "    + 5d3872f1de0b8531 missing-field at /created_at (cancelResponse 200, error); actual: absent",
        "  disappeared (1)",
        "    - 7f20d8ad2b8389af constraint-violation at /temperature (cancelResponse 200, error); actual: 3.5",
        "  changed (1)",
        "    ~ 7dcc089aed724a7a enum-violation at /status (cancelResponse 200, error);"
        ' occurrences: 2 -> 5; actual: "canceled" -> "cancelling"',
        "total: 1 appeared, 1 disappeared, 1 changed",
    ]


def test_only_disappeared_drift_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = diff(capsys, CASES / "mixed.json", CASES / "clean.json")
    assert code == 0
    assert out.splitlines()[0] == "yandex: status unavailable -> ok"
    assert out.splitlines()[-1] == "total: 0 appeared, 6 disappeared, 0 changed"


def test_a_report_compared_with_itself_has_no_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = diff(capsys, CASES / "mixed.json", CASES / "mixed.json")
    assert code == 0
    assert out.splitlines() == [
        "yandex:",
        "  appeared (0)",
        "  disappeared (0)",
        "  changed (0)",
        "mka1:",
        "  appeared (0)",
        "  disappeared (0)",
        "  changed (0)",
        "total: 0 appeared, 0 disappeared, 0 changed",
    ]


def test_a_report_dir_stands_for_the_drift_json_inside_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "drift.json").write_text((CASES / "mixed-next.json").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = diff(capsys, CASES / "mixed.json", tmp_path)
    assert code == 1
    assert out.splitlines()[-1] == "total: 1 appeared, 1 disappeared, 1 changed"


def _write_bad(case: dict[str, Any], path: Path) -> None:
    if "content" in case:
        path.write_text(case["content"], encoding="utf-8")
    elif "patch" in case:
        report = copy.deepcopy(json.loads((CASES / "mixed.json").read_text(encoding="utf-8")))
        *parents, last = case["patch"]["pointer"].strip("/").split("/")
        node = report
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if case["patch"].get("remove"):
            del node[last]
        else:
            node[last] = case["patch"]["value"]
        path.write_text(json.dumps(report), encoding="utf-8")


@pytest.mark.parametrize("case", BAD, ids=[case["description"] for case in BAD])
def test_unusable_input_exits_2_with_one_line_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: dict[str, Any]
) -> None:
    bad = tmp_path / "bad.json"
    _write_bad(case, bad)
    good = CASES / "mixed.json"
    old, new = (bad, good) if case["position"] == "old" else (good, bad)
    code, out, err = diff(capsys, old, new)
    assert (code, out) == (2, "")
    assert err == case["error"].format(path=bad) + "\n"
