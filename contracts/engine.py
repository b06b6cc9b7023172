"""The one list of a run's steps, in order: each scenario, the stateful layer, then each generated slot.

`suite.py` runs each step as its own pytest test, so a failure is reported where it was found; JUnit's planned
checks are the same list; `run_layers` runs the steps back to back without pytest, for the self-test and the
benchmark, which run the engine many times and only look at the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemathesis.generation import GenerationMode

from contracts.client import BudgetExhausted
from contracts.generated import GENERATED_OPERATIONS, MODES, run_generated, run_stateful
from contracts.model import Layer
from contracts.run import ProviderRun
from contracts.scenarios import SCENARIOS, Scenario

STATEFUL_STEPS = 5
STATEFUL_CHECK = "links create → cancel → retrieve → cancel again"

Stop = Callable[[ProviderRun], bool]


@dataclass(frozen=True)
class Step:
    """One step of a provider's run: its name (a JUnit test case) and layer, and what it does."""

    name: str
    layer: Layer
    action: Callable[[ProviderRun], None]

    def __call__(self, run: ProviderRun) -> None:
        self.action(run)


def steps() -> tuple[Step, ...]:
    """The run's steps in order: one per scenario, one for the stateful layer, one per generated slot."""
    found = [Step(name, Layer.SCENARIO, scenario_step(name, scenario)) for name, scenario in SCENARIOS.items()]
    found.append(Step(STATEFUL_CHECK, Layer.STATEFUL, stateful_step))
    found += [
        Step(f"{operation_id} {mode.value}", Layer.GENERATED, generated_step(operation_id, mode))
        for operation_id in GENERATED_OPERATIONS
        for mode in MODES
    ]
    return tuple(found)


def planned_checks() -> list[tuple[str, Layer]]:
    """Every step a run makes, in order, as (name, layer): the test cases of junit.xml."""
    return [(step.name, step.layer) for step in steps()]


def run_layers(run: ProviderRun, stop: Stop | None = None) -> None:
    """Every step in order; `stop` is asked after each one, and once it answers True the rest are skipped.

    Records keep their first sighting, so stopping early changes nothing about the records already found.
    """
    for step in steps():
        if run.client.stopped is not None:
            return  # the deadline passed or the endpoint is down: the suite skips every later test
        step(run)
        if stop is not None and stop(run):
            return


def scenario_step(name: str, scenario: Scenario) -> Callable[[ProviderRun], None]:
    """One scenario; a spent budget ends it with a note."""

    def step(run: ProviderRun) -> None:
        try:
            with run.checking(name, Layer.SCENARIO):
                scenario(run)
        except BudgetExhausted as exc:
            if run.client.stopped is None:  # else the run already noted why sending stopped
                run.note(f"scenario {name} stopped: {exc}")

    return step


def stateful_step(run: ProviderRun) -> None:
    """The stateful layer with what the scenarios left of the budget."""
    remaining = run.client.remaining()
    # A generous budget must not outgrow --max-examples: the budget only ever shrinks a layer.
    examples = run.max_examples if remaining is None else min(run.max_examples, remaining // (2 * STATEFUL_STEPS))
    if examples > 0:
        with run.checking(STATEFUL_CHECK, Layer.STATEFUL):
            run_stateful(run, examples, STATEFUL_STEPS)
    else:
        run.note("stateful layer skipped: no budget left after the scenarios")


def generated_step(operation_id: str, mode: GenerationMode) -> Callable[[ProviderRun], None]:
    """One generated slot, with its share of the budget."""

    def step(run: ProviderRun) -> None:
        share = run.shared.setdefault("generated_share", generated_share(run))
        if share > 0:
            with run.checking(f"{operation_id} {mode.value}", Layer.GENERATED):
                run_generated(run, operation_id, mode, share)
        else:
            run.note(f"generated {operation_id} {mode.value} skipped: no budget left")

    return step


def generated_share(run: ProviderRun) -> int:
    """Examples per generated slot: `max_examples`, or an equal share of what is left of the budget."""
    remaining = run.client.remaining()
    slots = len(GENERATED_OPERATIONS) * len(MODES)
    return run.max_examples if remaining is None else min(run.max_examples, remaining // slots)
