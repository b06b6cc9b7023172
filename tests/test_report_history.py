"""Run history: one compact JSON per run, named so the files sort by time, read back for the trend chart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from contracts.model import RunReport
from contracts.report.document import read_report
from contracts.report.history import append_history, history_entry, read_history
from contracts.report.html import render_html

CASES = Path(__file__).parent / "cases" / "reports"


def mixed() -> RunReport:
    return read_report(CASES / "mixed.json")


def test_a_run_is_kept_as_one_compact_line_named_by_its_utc_time(tmp_path: Path) -> None:
    path = append_history(mixed(), tmp_path)
    assert path == tmp_path / "20260301T093000Z.json"
    assert path.read_text(encoding="utf-8") == (
        '{"generated_at":"2026-03-01T09:30:00+00:00","history_version":1,"providers":{"mka1":{"baseline":'
        '{"expired":1,"known":2,"new":3},"counts":{"behavior":2,"constraint-violation":1,"enum-violation":1,'
        '"type-mismatch":1,"undocumented-field":1},"drift":6,"errors":5,"status":"drift","warnings":1},"yandex":'
        '{"baseline":{"expired":0,"known":0,"new":0},"counts":{},"drift":0,"errors":0,"status":"unavailable",'
        '"warnings":0}},"seed":7,"target":"live"}\n'
    )


def test_runs_in_the_same_second_get_names_that_still_sort_in_order(tmp_path: Path) -> None:
    names = [append_history(mixed(), tmp_path).name for _ in range(3)]
    assert names == ["20260301T093000Z.json", "20260301T093000Z~1.json", "20260301T093000Z~2.json"]
    assert sorted(names) == names


def test_a_time_with_an_offset_is_named_in_utc(tmp_path: Path) -> None:
    report = replace(mixed(), generated_at="2026-03-01T12:30:00+03:00")
    assert append_history(report, tmp_path).name == "20260301T093000Z.json"


def test_history_is_read_oldest_first_and_unreadable_files_are_named(tmp_path: Path) -> None:
    for path in sorted((CASES / "history").iterdir(), reverse=True):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "20260228T120000Z.json").write_text("{truncated", encoding="utf-8")
    (tmp_path / "20260228T130000Z.json").write_text('{"history_version": 99}', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a run", encoding="utf-8")
    history = read_history(tmp_path)
    assert [run["generated_at"] for run in history.runs] == [
        "2026-02-27T08:00:00+00:00",
        "2026-02-28T08:00:00+00:00",
        "2026-02-28T20:00:00+00:00",
    ]
    assert history.unreadable == ["20260228T120000Z.json", "20260228T130000Z.json"]
    page = render_html(mixed(), history)
    assert "Skipped unreadable files: 20260228T120000Z.json, 20260228T130000Z.json." in page


def test_a_missing_history_folder_is_an_empty_history_and_the_page_says_how_to_keep_one(tmp_path: Path) -> None:
    history = read_history(tmp_path / "absent")
    assert (history.runs, history.unreadable) == ([], [])
    assert "No history kept: pass <code>--history DIR</code> to plot drift over time." in render_html(mixed(), history)


def test_the_history_entry_counts_match_the_report() -> None:
    entry = history_entry(mixed())
    assert entry["providers"]["mka1"]["baseline"] == {"new": 3, "known": 2, "expired": 1}
    assert (entry["providers"]["mka1"]["errors"], entry["providers"]["mka1"]["warnings"]) == (5, 1)
