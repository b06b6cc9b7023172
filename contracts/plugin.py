"""pytest glue: the contract-run options, one `ProviderRun` per provider, and the report at the end."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from contracts import consumer
from contracts.model import RunReport, Status
from contracts.options import add_arguments, suite_options, values
from contracts.run import ProviderRun
from contracts.settings import Settings, settings_from_options
from contracts.targets import build_run, finish_report

SUITE = Path(__file__).with_name("suite.py")
PREFIX = "contracts_"
SETTINGS_KEY = pytest.StashKey[Settings]()
RUNS_KEY = pytest.StashKey[dict[str, ProviderRun]]()
REPORT_KEY = pytest.StashKey[RunReport]()
EXPLICIT_KEY = pytest.StashKey[bool]()

# pytest finds a plugin's fixtures among its module attributes: one `<provider>_fake` per registered provider.
globals().update(consumer.fixtures())


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the contract-run options: the same declaration `contracts check` renders."""
    group = parser.getgroup("contracts", "contract run against provider fakes or live endpoints")
    add_arguments(group.addoption, suite_options(), PREFIX)


def pytest_configure(config: pytest.Config) -> None:
    """Resolve settings once; a bare `pytest --provider …` runs the contract suite."""
    options = values(config, suite_options(), PREFIX)
    if options["list_checks"]:
        from contracts.checks import listing

        pytest.exit(listing(), returncode=0)
    config.addinivalue_line("markers", consumer.MARKER_HELP)
    explicit = options["provider"] is not None or options["target"] is not None
    config.stash[EXPLICIT_KEY] = explicit
    # Paths the user named are theirs; otherwise (testpaths, or the current folder of any project) the contract
    # options mean the contract suite, which ships inside this package.
    if explicit and config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE)]
    config.stash[SETTINGS_KEY] = settings_from_options(options, default_seed=random.randrange(2**31))
    config.stash[RUNS_KEY] = {}


def pytest_report_header(config: pytest.Config) -> str | None:
    """Show the seed of a contract run, so it can be reproduced; other projects' headers stay as they were."""
    if not config.stash.get(EXPLICIT_KEY, False):
        return None
    settings = config.stash[SETTINGS_KEY]
    return f"contracts: providers={','.join(settings.providers)} target={settings.target} seed={settings.seed}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the suite's tests over the selected providers."""
    if "contract_provider" in metafunc.fixturenames:
        metafunc.parametrize("contract_provider", metafunc.config.stash[SETTINGS_KEY].providers)


@pytest.fixture
def contract_run(request: pytest.FixtureRequest, contract_provider: str) -> ProviderRun:
    """The provider's run, built on first use and shared by every test of the session."""
    config = request.config
    runs = config.stash[RUNS_KEY]
    if contract_provider not in runs:
        runs[contract_provider] = build_run(contract_provider, config.stash[SETTINGS_KEY])
    run = runs[contract_provider]
    if run.status in (Status.SKIPPED, Status.UNAVAILABLE):
        pytest.skip(f"{contract_provider}: {run.stopped.detail if run.stopped else run.status}")
    return run


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write drift.json (and its renderings) when a report dir was given, and keep the report for the CLI."""
    runs = session.config.stash.get(RUNS_KEY, {})
    if not runs:
        return
    session.config.stash[REPORT_KEY] = finish_report(session.config.stash[SETTINGS_KEY], runs)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One block per provider: requests, drift by kind, duration, seed and verdict."""
    from contracts.summary import summary_lines

    report = config.stash.get(REPORT_KEY, None)
    if report is not None:
        terminalreporter.write_line("")
        for line in summary_lines(report):
            terminalreporter.write_line(line)
