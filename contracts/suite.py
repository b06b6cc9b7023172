"""The contract suite pytest runs for each provider: scenarios, then the stateful and generated layers.

Scenarios run first so they always fit in a live budget; the other layers share what is left.
"""

from __future__ import annotations

import pytest
from schemathesis.generation import GenerationMode

from contracts.client import BudgetExhausted
from contracts.generated import GENERATED_OPERATIONS, MODES, run_generated, run_stateful
from contracts.run import ProviderRun
from contracts.scenarios import SCENARIOS

STATEFUL_STEPS = 5


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
    try:
        SCENARIOS[name](contract_run)
    except BudgetExhausted as exc:
        contract_run.note(f"scenario {name} stopped: {exc}")
    fail_on_new_drift(contract_run, before)


def test_stateful(contract_run: ProviderRun) -> None:
    """Links from create to cancel and retrieve, with real ids."""
    before = set(contract_run.records)
    remaining = contract_run.client.remaining()
    examples = contract_run.max_examples if remaining is None else remaining // (2 * STATEFUL_STEPS)
    if examples > 0:
        run_stateful(contract_run, examples, STATEFUL_STEPS)
    else:
        contract_run.note("stateful layer skipped: no budget left after the scenarios")
    fail_on_new_drift(contract_run, before)


@pytest.mark.parametrize("mode", MODES, ids=[mode.value for mode in MODES])
@pytest.mark.parametrize("operation_id", GENERATED_OPERATIONS)
def test_generated(contract_run: ProviderRun, operation_id: str, mode: GenerationMode) -> None:
    """Generated ids and headers for cancel and retrieve, positive and negative."""
    before = set(contract_run.records)
    share = contract_run.shared.setdefault("generated_share", _share(contract_run))
    if share > 0:
        run_generated(contract_run, operation_id, mode, share)
    else:
        contract_run.note(f"generated {operation_id} {mode.value} skipped: no budget left")
    fail_on_new_drift(contract_run, before)


def _share(run: ProviderRun) -> int:
    remaining = run.client.remaining()
    slots = len(GENERATED_OPERATIONS) * len(MODES)
    return run.max_examples if remaining is None else remaining // slots
