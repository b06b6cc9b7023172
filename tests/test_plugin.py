"""pytest is the engine: the contract options work on a plain `pytest` command line too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest in the project root as a user would."""
    command = [sys.executable, "-m", "pytest", "-p", "no:schemathesis", "--max-examples", "2", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_pytest_with_a_provider_runs_the_contract_suite_and_shows_the_seed() -> None:
    result = pytest_run("--provider", "mka1", "--seed", "9")
    assert result.returncode == 0, result.stdout
    assert "contracts: providers=mka1 target=mock seed=9" in result.stdout
    assert "mka1: PASS | target=mock requests=" in result.stdout
    assert "14 passed" in result.stdout


@pytest.mark.slow
def test_a_planted_drift_fails_the_test_of_the_layer_that_found_it() -> None:
    result = pytest_run("contracts/suite.py", "--provider", "yandex", "--seed", "9", "--drift", "cancel-server-error")
    assert result.returncode == 1
    assert "FAILED contracts/suite.py::test_step[yandex-scenario:cancel_in_progress_cancels]" in result.stdout
    assert "server-error at (response) in cancelResponse 500: POST /responses/{response_id}/cancel answered 500" in (
        result.stdout
    )
