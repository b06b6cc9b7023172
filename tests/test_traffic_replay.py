"""A live run recorded with `--record` is judged again offline by `--target replay`: same records, same fingerprints,
retried attempts marked, no credential written; after a spec edit `report diff` shows what the edit changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.traffic.har import read_har, read_log
from tests.test_live import PLANTED, RETRIED, Live, keys, leaks, serve  # noqa: F401  (keys is a fixture)

ROOT = Path(__file__).parents[1]
LIMITS = ("--request-timeout", "0.5", "--backoff", "0.01", "--max-backoff", "0.02")


def contracts(*argv: str) -> subprocess.CompletedProcess[str]:
    """`contracts` in a process of its own: a recording is made by one invocation and replayed by another, as users
    do (two contract sessions in one process need not draw the same stateful cases for a seed)."""
    return subprocess.run([sys.executable, "-m", "contracts.cli", *argv], capture_output=True, text=True,
                          cwd=ROOT, env=os.environ.copy())  # fmt: skip


def replay(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    done = contracts("check", "--target", "replay", "--from", str(tmp_path / "rec"), "--provider", "yandex",
                     "--report-dir", str(tmp_path / "replay"), *argv)  # fmt: skip
    return done.returncode, json.loads((tmp_path / "replay" / "drift.json").read_text())


def comparable(document: dict) -> list[dict]:
    """Every record without its repro command (a replayed request is sent to the recorded base URL by curl too)."""
    return [{k: v for k, v in r.items() if k != "reproduce"} for p in document["providers"] for r in p["drift"]]


@pytest.fixture
def recorded(tmp_path: Path, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # noqa: F811
    """A live run on loopback, through a flaky network, against a fake with planted drift, recorded."""
    with serve("yandex", keys["yandex"], RETRIED, (PLANTED,)) as yandex:
        monkeypatch.setenv("YANDEX_BASE_URL", yandex.url)
        # Examples and budget differ from the defaults: the replay must take them (and the seed) from the recording.
        started = time.monotonic()
        done = contracts("check", "--target", "live", "--seed", "3", "--report-dir", str(tmp_path / "live"),
                         "--baseline-dir", str(tmp_path / "live"), *LIMITS, "--provider", "yandex",
                         "--record", str(tmp_path / "rec"), "--max-examples", "4", "--budget", "50")  # fmt: skip
        report = json.loads((tmp_path / "live" / "drift.json").read_text())
        run = Live(done.returncode, report, done.stdout, done.stderr, time.monotonic() - started)
    for name in ("YANDEX_API_KEY", "YANDEX_FOLDER_ID", "YANDEX_BASE_URL"):
        monkeypatch.delenv(name)
    return run


def test_a_recorded_live_run_replays_offline_to_the_same_records_and_fingerprints(tmp_path: Path, recorded) -> None:
    code, document = replay(tmp_path)
    assert recorded.code == code == 1
    assert [r["fingerprint"] for r in recorded.provider("yandex")["drift"]] == [
        r["fingerprint"] for r in document["providers"][0]["drift"]
    ]
    assert comparable(document) == comparable(recorded.report)
    assert ("enum-violation", "/status") in {(r["kind"], r["location"]) for r in comparable(document)}
    live_entry, replayed = recorded.provider("yandex"), document["providers"][0]
    assert (replayed["target"], replayed["seed"], replayed["requests"]) == ("replay", 3, live_entry["requests"])
    assert replayed["coverage"] == live_entry["coverage"]


def test_the_recording_marks_every_retried_attempt_and_holds_no_credential(
    tmp_path: Path,
    recorded,
    keys: dict[str, str],  # noqa: F811
) -> None:
    exchanges = read_har(tmp_path / "rec" / "yandex.har")
    log = read_log(tmp_path / "rec" / "yandex.har")
    assert {key: log[key] for key in ("_seed", "_maxExamples", "_budget", "_createBudget", "_target")} == {
        "_seed": 3, "_maxExamples": 4, "_budget": 50, "_createBudget": 3, "_target": "live"
    }  # fmt: skip
    live_entry = recorded.provider("yandex")
    assert sum(e.retried for e in exchanges) == live_entry["retried_faults"] > 0
    assert len(exchanges) == live_entry["requests"] + live_entry["retried_faults"]
    assert leaks(recorded, tmp_path / "rec", [keys["yandex"], "b1gtestfolder"]) == []


def test_after_a_spec_edit_report_diff_of_live_and_replay_shows_exactly_what_the_edit_changed(
    tmp_path: Path, recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    spec = specs / "yandex" / "openapi.yaml"
    text = spec.read_text()
    edited = "enum: [completed, failed, in_progress, cancelled, canceled, queued, incomplete]"
    spec.write_text(text.replace("enum: [completed, failed, in_progress, cancelled, queued, incomplete]", edited))
    replay(tmp_path, "--spec-dir", str(specs))
    capsys.readouterr()
    assert main(["report", "diff", str(tmp_path / "live" / "drift.json"), str(tmp_path / "replay" / "drift.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    (gone,) = [r for r in recorded.provider("yandex")["drift"] if r["kind"] == "enum-violation"]
    assert out[:3] == ["yandex:", "  appeared (0)", "  disappeared (1)"]
    assert out[3].startswith(f"    - {gone['fingerprint']} enum-violation at /status (cancelResponse 200, error)")
    assert out[-1] == "total: 0 appeared, 1 disappeared, 0 changed"


def test_replay_without_from_or_with_record_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--target", "replay"]) == 2
    assert capsys.readouterr().err == (
        "error: --target replay needs --from DIR; pass the folder a `--record DIR` run wrote\n"
    )
    assert main(["check", "--from", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err == "error: --from applies only to --target replay; add --target replay or drop --from\n"
    )
