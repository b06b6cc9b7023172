"""pytest is the engine: the contract options work on a plain `pytest` command line too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def pytest_run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run pytest in the project root (or another folder) as a user would."""
    command = [sys.executable, "-m", "pytest", "-p", "no:schemathesis", "--max-examples", "2", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_pytest_with_a_provider_runs_the_contract_suite_and_shows_the_seed() -> None:
    result = pytest_run("--provider", "mka1", "--seed", "9")
    assert result.returncode == 0, result.stdout
    assert "contracts: providers=mka1 target=mock seed=9" in result.stdout
    assert "mka1: PASS | target=mock requests=" in result.stdout
    assert "14 passed" in result.stdout


def test_pytest_with_a_provider_runs_the_contract_suite_from_any_folder(tmp_path: Path) -> None:
    """Outside this repo (no testpaths, no tests) the installed plugin still knows where its suite is."""
    result = pytest_run("--provider", "mka1", "--target", "mock", "--seed", "9", "-p", "no:cacheprovider", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "contracts: providers=mka1 target=mock seed=9" in result.stdout
    assert "14 passed" in result.stdout
    report = json.loads((tmp_path / "reports" / "drift.json").read_text(encoding="utf-8"))
    assert [(p["provider"], p["status"], p["drift"]) for p in report["providers"]] == [("mka1", "ok", [])]


def test_pytest_with_a_provider_keeps_the_paths_the_user_names(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text("def test_app():\n    pass\n")
    result = pytest_run("test_app.py", "--provider", "mka1", "-p", "no:cacheprovider", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 passed" in result.stdout


@pytest.mark.slow
def test_a_planted_drift_fails_the_test_of_the_layer_that_found_it() -> None:
    result = pytest_run("contracts/suite.py", "--provider", "yandex", "--seed", "9", "--drift", "cancel-server-error")
    assert result.returncode == 1
    assert "FAILED contracts/suite.py::test_step[yandex-scenario:cancel_in_progress_cancels]" in result.stdout
    assert "server-error at (response) in cancelResponse 500: POST /responses/{response_id}/cancel answered 500" in (
        result.stdout
    )
