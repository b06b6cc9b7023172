"""The self-test: every catalogue drift is caught and classified as declared, clean fakes show no drift."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

import contracts.selftest
from contracts.engine import run_layers
from contracts.fakes import load_catalogue
from contracts.providers import names
from contracts.selftest import Job, Outcome, Result, Sighting, evaluate
from contracts.selftest.render import render_table, to_dict, write_json
from contracts.settings import Settings
from contracts.targets import build_run

SEED = 5
CASES = Path(__file__).parent / "cases" / "selftest"


def survivors(result: Result) -> list[str]:
    """Surviving entry runs and false positives, one readable line each (empty when the gate passes)."""
    return [line.strip() for line in render_table(result).splitlines() if line.startswith("  ")]


@pytest.mark.slow
def test_every_catalogue_entry_is_caught_and_every_clean_run_stays_clean() -> None:
    # Ten examples per generated slot: every layer still runs for every entry and clean seed, and the gate costs
    # a third of `contracts selftest`'s default 25 (which `make bench` runs in full).
    result = evaluate(names(), SEED, max_examples=10)
    entries = sum(len(load_catalogue(provider)) for provider in names())

    assert survivors(result) == []
    assert result.score("default") == (entries, entries)
    assert result.score("live-budget") == (entries, entries)
    assert [(o.job.provider, o.job.seed, o.verdict) for o in result.clean if o.job.configuration == "default"] == [
        (provider, SEED + offset, "clean") for provider in names() for offset in range(5)
    ]
    assert result.passed is True


def test_excluding_the_token_sum_check_lets_its_drift_survive() -> None:
    entries = ["usage-total-mismatch", "cancel-status-canceled"]
    result = evaluate(("yandex",), SEED, entries=entries, clean_seeds=0, workers=1, excluded=("usage_total_is_sum",))

    # Only the retrieve scenario still notices, as a disagreement between retrieve and cancel: not as declared.
    assert result.passed is False
    assert [(o.job.entry, o.job.configuration, o.verdict) for o in result.surviving] == [
        ("usage-total-mismatch", "default", "misclassified"),
        ("usage-total-mismatch", "live-budget", "misclassified"),
    ]
    assert [o.found[0].key for o in result.surviving] == [("behavior", "getResponse", 200, "/usage/total_tokens")] * 2
    assert [line.split(":")[0] for line in survivors(result)] == [
        "yandex usage-total-mismatch [default]",
        "yandex usage-total-mismatch [live-budget]",
    ]
    assert result.score("default") == (1, 2)


def sighting(kind: str, operation: str, status: int, location: str, layer: str, first: int) -> Sighting:
    severity = "warning" if kind == "undocumented-field" else "error"
    return Sighting(kind, operation, status, location, severity, layer, first, f"{kind} at {location or 'the body'}")


def fixed_result() -> Result:
    """A small, hand-made self-test result covering every verdict the outputs can show."""
    canceled = ("enum-violation", "cancelResponse", 200, "/status")
    conflict = ("undocumented-status", "cancelResponse", 409, "")
    retrieve = ("behavior", "getResponse", 200, "/status")
    entries = []
    for configuration in ("default", "live-budget"):
        entries += [
            Outcome(
                Job("mka1", configuration, 7, 25, "cancel-status-canceled", canceled),
                2,
                (
                    sighting(*canceled, "scenario", 2),
                    sighting("behavior", "cancelResponse", 200, "/status", "scenario", 2),
                ),
            ),
            Outcome(
                Job("mka1", configuration, 7, 25, "retrieve-disagrees-with-cancel", retrieve),
                230,
                (sighting("behavior", "getResponse", 200, "/completed_at", "scenario", 4),),
            ),
            Outcome(Job("mka1", configuration, 7, 25, "cancel-answers-409", conflict), 60, (), "")
            if configuration == "live-budget"
            else Outcome(
                Job("mka1", configuration, 7, 25, "cancel-answers-409", conflict),
                9,
                (sighting(*conflict, "stateful", 9),),
            ),
        ]
    clean = (
        Outcome(Job("mka1", "default", 7, 25), 211, ()),
        Outcome(
            Job("mka1", "default", 8, 25),
            240,
            (sighting("type-mismatch", "getResponse", 200, "/usage", "generated", 97),),
        ),
        Outcome(Job("mka1", "live-budget", 7, 25), 60, ()),
        Outcome(Job("mka1", "live-budget", 8, 25), 0, (), "Unavailable: the run deadline passed"),
    )
    return Result(("mka1",), 7, 25, tuple(entries), clean, 1.234)


def test_the_table_shows_each_entry_the_clean_runs_the_survivors_and_the_score() -> None:
    assert render_table(fixed_result()) + "\n" == (CASES / "table.txt").read_text(encoding="utf-8")


def test_selftest_json_records_declarations_verdicts_and_sightings(tmp_path: Path) -> None:
    path = write_json(fixed_result(), tmp_path / "out")

    assert path == tmp_path / "out" / "selftest.json"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads((CASES / "selftest.json").read_text("utf-8"))


def test_the_command_prints_the_table_writes_the_report_and_exits_1_when_an_entry_survives(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []

    def fake_evaluate(providers: tuple[str, ...], seed: int, max_examples: int) -> Result:
        calls.append((providers, seed, max_examples))
        return fixed_result()

    monkeypatch.setattr(contracts.selftest, "evaluate", fake_evaluate)
    args = argparse.Namespace(provider="mka1", seed=7, max_examples=None, report_dir=str(tmp_path))

    code = contracts.selftest.run(args)

    assert code == 1
    assert calls == [(("mka1",), 7, 25)]
    expected = (CASES / "table.txt").read_text(encoding="utf-8")
    report = tmp_path / "selftest.json"
    assert capsys.readouterr().out == f"contracts selftest: providers=mka1 seed=7\n{expected}report: {report}\n"
    assert json.loads(report.read_text(encoding="utf-8")) == to_dict(fixed_result())


@pytest.mark.slow
def test_the_plain_engine_finds_what_the_pytest_suite_finds(tmp_path: Path) -> None:
    options = ["--provider", "yandex", "--seed", str(SEED), "--budget", "60", "--create-budget", "3"]
    options += ["--drift", "cancel-status-canceled", "--report-dir", str(tmp_path)]
    done = subprocess.run([sys.executable, "-m", "contracts.cli", "check", *options], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    suite = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))["providers"][0]
    settings = Settings(("yandex",), seed=SEED, budget=60, create_budget=3, drift=("cancel-status-canceled",))
    run = build_run("yandex", settings)

    run_layers(run)

    fields = ("kind", "operation", "status_code", "location", "layer", "first_request", "occurrences")
    assert sorted(tuple(r.to_dict()[f] for f in fields) for r in run.records.values()) == sorted(
        tuple(record[f] for f in fields) for record in suite["drift"]
    )
    assert (run.client.requests, run.client.creates, run.notes) == (suite["requests"], suite["creates"], suite["notes"])
