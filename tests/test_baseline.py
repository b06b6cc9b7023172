"""Known-drift baselines end to end: new, known, expired and no-longer-observed drift, `baseline update`, bad files.

The journey runs `contracts check` in-process against the MKA1 fake with `cancel-status-canceled` planted
(`--max-examples 1` keeps each run under a second): a first run fails, `baseline update` accepts its drift, the
same run then passes with the drift known, an entry past its `expires` fails it again, and a run without the drift
lists every entry as no longer observed until `--prune` drops them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.baseline import FIX, annotate_report, expired, load_baseline
from contracts.cli import main
from contracts.errors import BaselineError
from contracts.model import BaselineState, BaselineUse, RunReport
from contracts.report.document import report_problem

CASES = Path(__file__).parent / "cases" / "reports"
BAD = yaml.safe_load((CASES / "bad-baselines.yaml").read_text(encoding="utf-8"))
DRIFT = "cancel-status-canceled"
# What seed 1 finds on the MKA1 fake with that drift planted, by fingerprint.
FOUND = {
    "7dcc089aed724a7a": ("enum-violation", "cancelResponse", "/status"),
    "05fe0ca80bbd6092": ("behavior", "getResponse", "/status"),
}


@dataclass(frozen=True)
class Step:
    """One command of the journey: its exit code, what it printed and, for a check, the report it wrote."""

    code: int
    out: str
    report: dict[str, Any]
    report_dir: Path


@dataclass(frozen=True)
class Journey:
    """Every step, and the folders the steps share."""

    steps: dict[str, Step]
    baselines: Path
    history: Path
    files: dict[str, str]


def run(argv: list[str], report_dir: Path | None = None) -> Step:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    report = json.loads((report_dir / "drift.json").read_text(encoding="utf-8")) if report_dir else {}
    return Step(code, out.getvalue(), report, report_dir or Path())


# One xdist worker runs the whole module (`--dist loadgroup`), so its journey of contract runs is built once.
pytestmark = pytest.mark.xdist_group("journey")


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    root = tmp_path_factory.mktemp("journey")
    baselines, history = root / "baselines", root / "history"
    steps: dict[str, Step] = {}
    files: dict[str, str] = {}

    def check(name: str, *drift: str) -> None:
        argv = ["check", "--provider", "mka1", "--seed", "1", "--max-examples", "1", "--report-dir", str(root / name),
                "--baseline-dir", str(baselines), "--history", str(history)]  # fmt: skip
        for planted in drift:
            argv += ["--drift", planted]
        steps[name] = run(argv, root / name)

    def update(name: str, source: str, *extra: str) -> None:
        argv = ["baseline", "update", "--from", str(root / source), "--baseline-dir", str(baselines), *extra]
        steps[name] = run(argv)
        files[name] = (baselines / "mka1.yaml").read_text(encoding="utf-8")

    check("first", DRIFT)
    update("accept", "first")
    check("known", DRIFT)
    text = files["accept"].replace(
        "  7dcc089aed724a7a:\n    kind: enum-violation\n    operation: cancelResponse\n    status_code: 200\n"
        "    location: /status\n    reason: 'TODO: explain why this drift is accepted'\n",
        "  7dcc089aed724a7a:\n    kind: enum-violation\n    location: /status\n"
        "    reason: Vendor spelling, ticket open\n    link: https://example.com/t/1\n    expires: 2000-01-01\n",
    )
    (baselines / "mka1.yaml").write_text(text, encoding="utf-8")
    check("expired", DRIFT)
    check("clean")
    update("keep", "clean")
    update("prune", "clean", "--prune")
    yield Journey(steps, baselines, history, files)


def states(step: Step) -> dict[str, str]:
    [entry] = step.report["providers"]
    return {record["fingerprint"]: record["baseline"] for record in entry["drift"]}


def test_a_first_run_without_a_baseline_marks_all_drift_new_and_exits_1(journey: Journey) -> None:
    first = journey.steps["first"]
    assert first.code == 1
    assert states(first) == dict.fromkeys(FOUND, "new")
    assert first.report["providers"][0]["baseline"] == {"file": None, "matched": [], "no_longer_observed": []}


def test_baseline_update_writes_every_drift_with_a_todo_reason(journey: Journey) -> None:
    assert (journey.steps["accept"].code, journey.steps["accept"].out) == (
        0,
        f"{journey.baselines}/mka1.yaml: 2 added, 0 kept, 0 pruned\n",
    )
    document = yaml.safe_load(journey.files["accept"])
    assert document["provider"] == "mka1"
    assert {
        fp: (e["kind"], e["operation"], e["location"], e["reason"], e["status_code"])
        for fp, e in document["entries"].items()
    } == {
        fp: (kind, operation, location, "TODO: explain why this drift is accepted", 200)
        for fp, (kind, operation, location) in FOUND.items()
    }


def test_the_same_run_after_accepting_its_drift_exits_0_and_shows_it_known(journey: Journey) -> None:
    known = journey.steps["known"]
    assert known.code == 0
    assert states(known) == dict.fromkeys(FOUND, "known")
    summary = (known.report_dir / "drift.md").read_text(encoding="utf-8").splitlines()
    assert "- **mka1: PASS**: 2 drift (2 errors, 0 warnings): 0 new, 2 known, 0 expired; none fail the run" in summary
    junit = (known.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert '<testsuite name="mka1"' in junit
    # One case per check plus `run`: the two checks that found the (now known) drift are skipped with reasons.
    assert 'tests="15" failures="0" errors="0" skipped="2"' in junit


def test_an_entry_past_its_expiry_fails_the_run_again(journey: Journey) -> None:
    expired = journey.steps["expired"]
    assert expired.code == 1
    assert states(expired) == {"7dcc089aed724a7a": "expired", "05fe0ca80bbd6092": "known"}
    matched = {item["fingerprint"]: item for item in expired.report["providers"][0]["baseline"]["matched"]}
    assert matched["7dcc089aed724a7a"] == {
        "fingerprint": "7dcc089aed724a7a",
        "kind": "enum-violation",
        "location": "/status",
        "reason": "Vendor spelling, ticket open",
        "link": "https://example.com/t/1",
        "expires": "2000-01-01",
    }


def test_entries_a_run_no_longer_observes_are_listed_and_kept_until_pruned(journey: Journey) -> None:
    clean = journey.steps["clean"]
    assert clean.code == 0
    [entry] = clean.report["providers"]
    assert entry["drift"] == []
    assert entry["baseline"]["file"] == f"{journey.baselines}/mka1.yaml"
    assert sorted(item["fingerprint"] for item in entry["baseline"]["no_longer_observed"]) == sorted(FOUND)
    assert "### No longer observed (2)" in (clean.report_dir / "drift.md").read_text(encoding="utf-8")
    keep = journey.steps["keep"]
    assert keep.out == (
        f"{journey.baselines}/mka1.yaml: 0 added, 0 kept, 0 pruned; 2 no longer observed (kept; --prune drops them)\n"
    )
    kept = yaml.safe_load(journey.files["keep"])["entries"]
    assert kept["7dcc089aed724a7a"]["reason"] == "Vendor spelling, ticket open"
    assert kept["7dcc089aed724a7a"]["expires"] == "2000-01-01"
    assert journey.steps["prune"].out == f"{journey.baselines}/mka1.yaml: 0 added, 0 kept, 2 pruned\n"
    assert yaml.safe_load(journey.files["prune"]) == {"provider": "mka1", "entries": {}}


def test_update_keeps_reasons_links_and_expiry_of_entries_it_sees_again(journey: Journey, tmp_path: Path) -> None:
    (tmp_path / "mka1.yaml").write_text(journey.files["keep"], encoding="utf-8")
    step = run(
        ["baseline", "update", "--from", str(journey.steps["expired"].report_dir), "--baseline-dir", str(tmp_path)]
    )
    assert step.out == f"{tmp_path}/mka1.yaml: 0 added, 2 kept, 0 pruned\n"
    entry = yaml.safe_load((tmp_path / "mka1.yaml").read_text(encoding="utf-8"))["entries"]["7dcc089aed724a7a"]
    assert entry == {
        "kind": "enum-violation",
        "operation": "cancelResponse",
        "status_code": 200,
        "location": "/status",
        "reason": "Vendor spelling, ticket open",
        "link": "https://example.com/t/1",
        "expires": "2000-01-01",
    }


def test_every_report_the_journey_wrote_is_a_valid_drift_report(journey: Journey) -> None:
    for name in ("first", "known", "expired", "clean"):
        assert report_problem(journey.steps[name].report) is None, name


def test_history_keeps_one_time_sorted_file_per_run_and_the_page_plots_them(journey: Journey) -> None:
    files = sorted(path.name for path in journey.history.iterdir())
    assert len(files) == 4
    runs = [json.loads((journey.history / name).read_text(encoding="utf-8")) for name in files]
    assert [run["providers"]["mka1"]["baseline"] for run in runs] == [
        {"new": 2, "known": 0, "expired": 0},
        {"new": 0, "known": 2, "expired": 0},
        {"new": 0, "known": 1, "expired": 1},
        {"new": 0, "known": 0, "expired": 0},
    ]
    page = (journey.steps["clean"].report_dir / "report.html").read_text(encoding="utf-8")
    assert page.count('<circle class="point" data-provider="mka1"') == 4


def test_a_malformed_baseline_stops_check_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mka1.yaml").write_text("provider: mka1\nentries:\n  090dac71406e56cc: {kind: behavior}\n")
    argv = ["check", "--provider", "mka1", "--seed", "1", "--max-examples", "1", "--drift", DRIFT,
            "--report-dir", str(tmp_path / "out"), "--baseline-dir", str(tmp_path)]  # fmt: skip
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path}/mka1.yaml: entries.090dac71406e56cc: missing key 'location'; {FIX}"
    ]


def test_a_malformed_baseline_stops_baseline_update_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mka1.yaml").write_text("provider: mka1\nentries: []\n")
    argv = ["baseline", "update", "--from", str(CASES / "mixed.json"), "--baseline-dir", str(tmp_path)]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "yandex: unavailable in the report; " + f"{tmp_path}/yandex.yaml left unchanged\n"
    assert err == f"error: {tmp_path}/mka1.yaml: entries must be a mapping; {FIX}\n"


@pytest.mark.parametrize("case", BAD, ids=[case["description"] for case in BAD])
def test_a_malformed_baseline_is_one_clear_line(tmp_path: Path, case: dict[str, Any]) -> None:
    path = tmp_path / "mka1.yaml"
    path.write_text(case["content"], encoding="utf-8")
    with pytest.raises(BaselineError) as raised:
        load_baseline(tmp_path, "mka1")
    expected = case["error"].format(path=path, dir=tmp_path)
    assert str(raised.value) == f"error: {expected}" + ("" if case.get("own_fix") else f"; {FIX}")


def test_a_missing_baseline_folder_or_file_means_no_baseline(tmp_path: Path) -> None:
    assert load_baseline(tmp_path / "absent", "mka1") is None
    assert load_baseline(tmp_path, "mka1") is None


def test_unquoted_dates_are_read_as_dates(tmp_path: Path) -> None:
    (tmp_path / "mka1.yaml").write_text(
        "provider: mka1\nentries:\n"
        "  090dac71406e56cc: {kind: behavior, location: /status, reason: x, expires: 2026-03-01}\n"
    )
    baseline = load_baseline(tmp_path, "mka1")
    assert baseline is not None
    entry = baseline.entries["090dac71406e56cc"]
    assert (entry.expires, expired(entry, dt.date(2026, 3, 1)), expired(entry, dt.date(2026, 3, 2))) == (
        "2026-03-01",
        False,
        True,
    )


def test_the_mixed_input_is_what_its_baseline_makes_of_the_raw_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES.parents[2])
    mixed = json.loads((CASES / "mixed.json").read_text(encoding="utf-8"))
    annotated = RunReport.from_dict(mixed)
    raw = annotated.with_providers(
        tuple(
            replace(
                entry, drift=tuple(replace(r, baseline=BaselineState.NEW) for r in entry.drift), baseline=BaselineUse()
            )  # fmt: skip
            for entry in annotated.providers
        )
    )
    assert raw != annotated
    again = annotate_report(raw, Path("tests/cases/reports/baselines"), today=dt.date(2026, 3, 1))
    assert (again, again.to_dict()) == (annotated, mixed)


def test_a_provider_that_did_not_run_lists_nothing_as_no_longer_observed() -> None:
    skipped = RunReport.from_dict(json.loads((CASES / "skipped.json").read_text(encoding="utf-8")))
    annotated = annotate_report(skipped, CASES / "baselines", today=dt.date(2026, 3, 1))
    assert [entry.baseline for entry in annotated.providers] == [
        BaselineUse(None, (), ()),
        BaselineUse(f"{CASES / 'baselines' / 'mka1.yaml'}", (), ()),
    ]


def test_an_unwritable_baseline_dir_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "drift.json").write_text((CASES / "mixed.json").read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["baseline", "update", "--from", str(tmp_path), "--baseline-dir", "/proc/no-such-folder"])
    assert (code, capsys.readouterr().err) == (
        2,
        "error: cannot use /proc/no-such-folder (No such file or directory); check the path and permissions\n",
    )
