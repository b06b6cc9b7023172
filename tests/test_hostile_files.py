"""Hostile files given to any command are one line naming the file and exit 2, in bounded memory, never a crash.

Each file here crashed or exhausted memory before `contracts.loader`: a 0.8 KB YAML alias bomb grew to 3.9 GB,
a 2,000-deep YAML and a 100,000-deep JSON raised RecursionError, a binary file gave a traceback with exit 1.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.loader import MAX_DEPTH
from contracts.model import RunReport
from contracts.report.history import read_history
from contracts.report.html import render_html

CASES = Path(__file__).parent / "cases"
SPEC = CASES / "spec-diff" / "no-change" / "old.yaml"
MIXED = CASES / "reports" / "mixed.json"
REPORT_FIX = "pass a drift.json written by `contracts check --report-dir DIR`"
BASELINE_FIX = "fix the file, or rewrite it with `contracts baseline update --from REPORT_DIR`"
SEVERITIES_FIX = "each entry is `kind: severity` or `kind: {direction: severity}`, as in contracts/data/severity.yaml"
# Far more than any case needs, far less than an alias bomb or a 200 MB read would take.
MEMORY_CAP = 64 * 1024 * 1024
# Nine levels of ten aliases each: 10**9 leaves from about 0.8 KB.
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def binary(path: Path) -> str:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    return "is not UTF-8 text (byte 0; a binary file?)"


def deep_yaml(path: Path) -> str:
    path.write_text("[" * 2000 + "]" * 2000, encoding="utf-8")
    return f"nests deeper than {MAX_DEPTH} levels at line 1"


def alias_bomb(path: Path) -> str:
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    return "uses a YAML alias (*a) at line 2, which is not accepted"


def huge(path: Path) -> str:
    with path.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: 51 MB on paper, nothing written
    return "is larger than 16,777,216 bytes"


def deep_json(path: Path) -> str:
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return f"is nested more than {MAX_DEPTH} levels deep"


def non_finite(path: Path) -> str:
    path.write_text('{"providers": [NaN]}', encoding="utf-8")
    return "is not JSON: it holds NaN, which RFC 8259 does not allow"


Maker = Callable[[Path], str]


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str, int]:
    tracemalloc.start()
    try:
        code = main(args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    captured = capsys.readouterr()
    return code, captured.out, captured.err, peak


def fix_for(problem: str, fix: str) -> str:
    return "check that it is the right file" if problem.startswith("is larger") else fix


@pytest.mark.parametrize("make", [binary, deep_yaml, alias_bomb, huge], ids=lambda m: m.__name__)
def test_spec_diff_on_a_hostile_spec_is_one_line_and_exit_2(
    make: Maker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "new.yaml"
    problem = make(bad)
    fix = fix_for(problem, "fix the syntax and run again")
    assert run(capsys, ["spec-diff", str(SPEC), str(bad)])[:3] == (2, "", f"error: spec file {bad} {problem}; {fix}\n")


@pytest.mark.parametrize("make", [binary, deep_yaml, alias_bomb], ids=lambda m: m.__name__)
def test_spec_diff_with_hostile_severities_is_one_line_and_exit_2(
    make: Maker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "severities.yaml"
    problem = make(bad)
    code, out, err, peak = run(capsys, ["spec-diff", str(SPEC), str(SPEC), "--severities", str(bad)])
    assert (code, out, err) == (2, "", f"error: severities file {bad} {problem}; {SEVERITIES_FIX}\n")
    assert peak < MEMORY_CAP


@pytest.mark.parametrize("make", [binary, deep_yaml, alias_bomb, huge], ids=lambda m: m.__name__)
def test_a_hostile_baseline_is_one_line_and_exit_2(
    make: Maker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(MIXED, tmp_path / "drift.json")
    bad = tmp_path / "baselines" / "mka1.yaml"
    bad.parent.mkdir()
    problem = make(bad)
    args = ["baseline", "update", "--from", str(tmp_path), "--baseline-dir", str(bad.parent), "--provider", "mka1"]
    code, out, err, peak = run(capsys, args)
    assert (code, out, err) == (2, "", f"error: {bad} {problem}; {fix_for(problem, BASELINE_FIX)}\n")
    assert peak < MEMORY_CAP


@pytest.mark.parametrize("make", [deep_json, non_finite, binary, huge], ids=lambda m: m.__name__)
@pytest.mark.parametrize("command", ["report diff", "baseline update", "compat --observed"])
def test_a_hostile_drift_json_is_one_line_and_exit_2_for_every_command_that_reads_one(
    command: str, make: Maker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "drift.json"
    problem = make(bad)
    args = {
        "report diff": ["report", "diff", str(MIXED), str(bad)],
        "baseline update": ["baseline", "update", "--from", str(tmp_path), "--baseline-dir", str(tmp_path / "b")],
        "compat --observed": ["compat", "--observed", str(tmp_path)],
    }[command]
    fix = REPORT_FIX
    code, out, err, peak = run(capsys, args)
    assert (code, out, err) == (2, "", f"error: {bad} {problem}; {fix_for(problem, fix)}\n")
    assert peak < MEMORY_CAP


def test_malformed_history_entries_are_skipped_by_name_and_the_chart_still_renders(tmp_path: Path) -> None:
    good = json.loads((CASES / "reports" / "history" / "20260227T080000Z.json").read_text(encoding="utf-8"))
    bad_facts = {"status": "drift", "counts": {}, "drift": "6", "errors": 0, "warnings": 0, "baseline": {}}
    entries = {
        "1-deep.json": "[" * 100_000 + "]" * 100_000,
        "2-binary.json": "\udcff",
        "3-nan.json": json.dumps(good).replace('"seed": 1', '"seed": NaN'),
        "4-drift-not-a-number.json": json.dumps(good | {"providers": {"mka1": bad_facts}}),
        "5-provider-name-markup.json": json.dumps(good | {"providers": {"<b>": good["providers"]["mka1"]}}),
        "6-not-a-date.json": json.dumps(good | {"generated_at": "yesterday"}),
        "7-good.json": json.dumps(good),
    }
    for name, text in entries.items():
        (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    with (tmp_path / "8-huge.json").open("wb") as handle:
        handle.truncate(2 * 1024 * 1024)
    history = read_history(tmp_path)
    assert (len(history.runs), history.unreadable) == (1, [*list(entries)[:-1], "8-huge.json"])
    page = render_html(RunReport.from_dict(json.loads(MIXED.read_text(encoding="utf-8"))), history)
    assert "Skipped unreadable files: 1-deep.json, 2-binary.json" in page


def test_a_run_with_a_broken_history_entry_warns_once_and_still_writes_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history"
    history.mkdir()
    (history / "20200101T000000Z.json").write_text("[" * 100_000, encoding="utf-8")
    code = main(["check", "--provider", "mka1", "--seed", "1", "--max-examples", "5",
                 "--report-dir", str(tmp_path / "r"), "--history", str(history)])  # fmt: skip
    err = capsys.readouterr().err
    assert (code, err) == (0, f"warning: skipped unreadable history entries in {history}: 20200101T000000Z.json\n")
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["drift.json", "drift.md", "junit.xml", "report.html"]
