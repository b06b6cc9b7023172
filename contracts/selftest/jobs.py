"""The self-test's jobs: one engine run per catalogue entry and configuration, and clean runs at several seeds."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from contracts.engine import run_layers
from contracts.fakes import load_catalogue
from contracts.run import ProviderRun
from contracts.settings import LIVE_BUDGET, LIVE_CREATE_BUDGET, MOCK_MAX_EXAMPLES, Settings
from contracts.specs import load_spec
from contracts.targets import build_run

# Configuration name → (request budget, create budget); `None` is unbounded, as on the mock target.
CONFIGURATIONS: dict[str, tuple[int | None, int | None]] = {
    "default": (None, None),
    "live-budget": (LIVE_BUDGET, LIVE_CREATE_BUDGET),
}
CLEAN_SEEDS = 5
Key = tuple[str, str, int, str]


@dataclass(frozen=True)
class Job:
    """One engine run: a catalogue entry injected alone, or none at all for a clean run."""

    provider: str
    configuration: str
    seed: int
    max_examples: int
    entry: str | None = None
    declared: Key | None = None
    # Checks switched off for this run, through the same registry a user's `--exclude-check` uses.
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sighting:
    """The parts of a drift record the self-test compares and reports."""

    kind: str
    operation: str
    status_code: int
    location: str
    severity: str
    layer: str
    first_request: int
    message: str

    @property
    def key(self) -> Key:
        """What a catalogue entry declares: kind, operation, status and location."""
        return (self.kind, self.operation, self.status_code, self.location)


@dataclass(frozen=True)
class Outcome:
    """What one engine run found, or the one-line error that stopped it."""

    job: Job
    requests: int
    found: tuple[Sighting, ...]
    error: str = ""

    @property
    def match(self) -> Sighting | None:
        """The first-seen record matching the entry's declaration, if any."""
        return next((s for s in self.found if s.key == self.job.declared), None)

    @property
    def caught(self) -> bool:
        """Detected and classified as declared."""
        return not self.error and self.match is not None

    @property
    def verdict(self) -> str:
        """`caught`, `misclassified`, `missed` or `error` (entries); `clean` or `drift` (clean runs)."""
        if self.error:
            return "error"
        if self.job.entry is None:
            return "drift" if self.found else "clean"
        return "caught" if self.match else "misclassified" if self.found else "missed"


@dataclass(frozen=True)
class Result:
    """A whole self-test: every entry's outcome per configuration, and the clean runs."""

    providers: tuple[str, ...]
    seed: int
    max_examples: int
    entries: tuple[Outcome, ...]
    clean: tuple[Outcome, ...]
    seconds: float

    def score(self, configuration: str) -> tuple[int, int]:
        """Entries caught, out of all entries, in one configuration."""
        runs = [o for o in self.entries if o.job.configuration == configuration]
        return sum(o.caught for o in runs), len(runs)

    @property
    def surviving(self) -> list[Outcome]:
        """Entry runs that did not catch their drift."""
        return [o for o in self.entries if not o.caught]

    @property
    def false_positives(self) -> list[Outcome]:
        """Clean runs that reported drift, or failed."""
        return [o for o in self.clean if o.verdict != "clean"]

    @property
    def passed(self) -> bool:
        """The gate: every entry caught in every configuration, and every clean run clean."""
        return not self.surviving and not self.false_positives


def run_job(job: Job) -> Outcome:
    """Run the engine once on a fresh in-process fake; an entry's run stops at its first matching record."""
    budget, create_budget = CONFIGURATIONS[job.configuration]
    drift = (job.entry,) if job.entry else ()
    settings = Settings(providers=(job.provider,), seed=job.seed, max_examples=job.max_examples, budget=budget,
                        create_budget=create_budget, drift=drift, exclude_checks=job.excluded,
                        judge_impact=False)  # fmt: skip
    run: ProviderRun | None = None
    try:
        run = build_run(job.provider, settings)
        run_layers(run, stop=_stop(job.declared) if job.declared else None)
    except Exception as exc:  # noqa: BLE001 - one broken run is a reported failure, not the end of the self-test
        first = str(exc).splitlines()[0] if str(exc) else ""
        return Outcome(job, run.client.requests if run else 0, (), f"{type(exc).__name__}: {first}")
    finally:
        if run is not None:
            run.client.close()
    found = sorted(run.records.values(), key=lambda r: (r.first_request, r.kind, r.location))
    sightings = tuple(
        Sighting(r.kind, r.operation, r.status_code, r.location, r.severity, r.layer, r.first_request, r.message)
        for r in found
    )
    return Outcome(job, run.client.requests, sightings)


def _stop(declared: Key) -> Callable[[ProviderRun], bool]:
    # Records keep their first sighting, so the rest of the run could not change what is reported for the entry.
    def matched(run: ProviderRun) -> bool:
        return any((r.kind, r.operation, r.status_code, r.location) == declared for r in run.records.values())

    return matched


def jobs(
    providers: Sequence[str],
    seed: int,
    max_examples: int,
    entries: Iterable[str] | None,
    clean_seeds: int,
    excluded: tuple[str, ...] = (),
) -> list[Job]:
    """Every run of a self-test, longest first so that parallel workers finish together."""
    wanted = None if entries is None else set(entries)
    clean = [
        Job(provider, configuration, seed + offset, max_examples, excluded=excluded)
        for configuration in CONFIGURATIONS
        for provider in providers
        for offset in range(clean_seeds)
    ]
    injected = [
        Job(
            provider,
            configuration,
            seed,
            max_examples,
            e.name,
            (e.kind, e.operation, e.status_code, e.location),
            excluded,
        )  # fmt: skip
        for configuration in CONFIGURATIONS
        for provider in providers
        for e in load_catalogue(provider)
        if wanted is None or e.name in wanted
    ]
    return clean + injected


def evaluate(
    providers: Sequence[str],
    seed: int,
    max_examples: int = MOCK_MAX_EXAMPLES,
    *,
    entries: Iterable[str] | None = None,
    clean_seeds: int = CLEAN_SEEDS,
    workers: int | None = None,
    excluded: tuple[str, ...] = (),
) -> Result:
    """Run the self-test; `entries` limits it to some catalogue names, `workers=1` keeps it in this process.

    `excluded` switches registered checks off in every run, as `contracts check --exclude-check` does.
    """
    started = time.monotonic()
    todo = jobs(providers, seed, max_examples, entries, clean_seeds, excluded)
    for provider in providers:
        load_spec(provider)  # warm the parsed-spec cache once, before workers fork
    workers = workers or min(2, os.cpu_count() or 1)
    if workers == 1:
        outcomes = [run_job(job) for job in todo]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(run_job, todo, chunksize=1))
    order = {name: index for index, name in enumerate(providers)}
    outcomes.sort(key=lambda o: (order[o.job.provider], list(CONFIGURATIONS).index(o.job.configuration)))
    return Result(
        providers=tuple(providers),
        seed=seed,
        max_examples=max_examples,
        entries=tuple(o for o in outcomes if o.job.entry is not None),
        clean=tuple(o for o in outcomes if o.job.entry is None),
        seconds=time.monotonic() - started,
    )
