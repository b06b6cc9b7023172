"""The contract suite pytest runs for each provider: scenarios, then the stateful and generated layers.

Each step of `engine.steps()` is one test, so a failure names the scenario or layer that found the drift.
Scenarios run first so they always fit in a live budget; the other layers share what is left.
"""

from __future__ import annotations

import pytest
from schemathesis.generation import GenerationMode

from contracts.engine import generated_step, scenario_step, stateful_step
from contracts.generated import GENERATED_OPERATIONS, MODES
from contracts.run import ProviderRun
from contracts.scenarios import SCENARIOS


@pytest.fixture(autouse=True)
def _stop_once_stopped(contract_run: ProviderRun) -> None:
    """After the run deadline (or an outage) the provider's remaining tests are skipped, with the reason."""
    if contract_run.client.stopped is not None:
        pytest.skip(_stopped(contract_run))


def fail_on_new_drift(run: ProviderRun, before: set[str]) -> None:
    """Fail the test (without a traceback) on error drift not seen earlier; skip it if sending stopped in it."""
    new = [r for key, r in run.records.items() if key not in before and r.severity == "error"]
    if new:
        lines = [f"{r.kind} at {r.location or '(response)'} in {r.operation} {r.status_code}: {r.message}" for r in new]
        pytest.fail("\n".join(lines), pytrace=False)
    if run.client.stopped is not None:
        pytest.skip(_stopped(run))


def _stopped(run: ProviderRun) -> str:
    return f"{run.provider}: {run.stopped or run.client.stopped}"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(contract_run: ProviderRun, name: str) -> None:
    """One deterministic flow."""
    before = set(contract_run.records)
    scenario_step(name)(contract_run)
    fail_on_new_drift(contract_run, before)


def test_stateful(contract_run: ProviderRun) -> None:
    """Links from create to cancel and retrieve, with real ids."""
    before = set(contract_run.records)
    stateful_step(contract_run)
    fail_on_new_drift(contract_run, before)


@pytest.mark.parametrize("mode", MODES, ids=[mode.value for mode in MODES])
@pytest.mark.parametrize("operation_id", GENERATED_OPERATIONS)
def test_generated(contract_run: ProviderRun, operation_id: str, mode: GenerationMode) -> None:
    """Generated ids and headers for cancel and retrieve, positive and negative."""
    before = set(contract_run.records)
    generated_step(operation_id, mode)(contract_run)
    fail_on_new_drift(contract_run, before)
