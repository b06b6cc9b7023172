"""The contract suite pytest runs for each provider: one test per step of `engine.steps()`, in order.

Scenarios run first so they always fit in a live budget; the other layers share what is left.
"""

from __future__ import annotations

import pytest

from contracts.engine import Step, steps
from contracts.run import ProviderRun

STEPS = steps()


@pytest.fixture(autouse=True)
def _stop_once_stopped(contract_run: ProviderRun) -> None:
    """After the run deadline (or an outage) the provider's remaining tests are skipped, with the reason."""
    if contract_run.client.stopped is not None:
        pytest.skip(_stopped(contract_run))


def fail_on_new_drift(run: ProviderRun, before: set[str]) -> None:
    """Fail the test (without a traceback) on error drift not seen earlier; skip it if sending stopped in it."""
    new = [r for key, r in run.records.items() if key not in before and r.failing]
    step = run.checks[-1] if run.checks else None
    if step is not None and step.reason.startswith("internal error"):
        pytest.fail(step.reason, pytrace=False)
    if new:
        lines = [f"{r.kind} at {r.location or '(response)'} in {r.operation} {r.status_code}: {r.message}" for r in new]
        pytest.fail("\n".join(lines), pytrace=False)
    if run.client.stopped is not None:
        pytest.skip(_stopped(run))
    if step is not None and not step.ran:
        pytest.skip(f"{run.provider}: {step.reason}")


def _stopped(run: ProviderRun) -> str:
    return f"{run.provider}: {run.stopped.detail if run.stopped else run.client.stopped}"


@pytest.mark.parametrize("step", STEPS, ids=[f"{step.layer}:{step.name}" for step in STEPS])
def test_step(contract_run: ProviderRun, step: Step) -> None:
    """One scenario, the stateful layer, or one generated slot."""
    before = set(contract_run.records)
    step(contract_run)
    fail_on_new_drift(contract_run, before)
