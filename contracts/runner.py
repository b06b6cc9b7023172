"""`contracts check`: validate the options, run the suite with pytest as the engine, and pick the exit code."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

import pytest

from contracts.errors import EXIT_OK, EXIT_USAGE, ContractsError
from contracts.fields import iter_fields
from contracts.model import RunReport
from contracts.options import check_options, suite_options, values
from contracts.plugin import REPORT_KEY, SUITE
from contracts.settings import settings_from_options
from contracts.specs import Spec, load_spec, resolve_pointer
from contracts.targets import preflight

REPORT_FILES = ("drift.json", "drift.md", "junit.xml", "report.html")


class _Capture:
    """Receives the finished report from the plugin, and any configuration error raised inside pytest."""

    def __init__(self) -> None:
        self.report: RunReport | None = None
        self.error: ContractsError | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.report = session.config.stash.get(REPORT_KEY, None)

    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        if call.excinfo is not None and isinstance(call.excinfo.value, ContractsError):
            self.error = self.error or call.excinfo.value


def spec_summary(spec: Spec) -> str:
    """One line per spec: its operations, the fields of the cancel 200 body, and how much of it is assumed."""
    body = resolve_pointer(spec.document, spec.response_body_pointer("cancelResponse", 200) or "")
    fields = sum(1 for _ in iter_fields(lambda ref: resolve_pointer(spec.document, ref), body))
    assumptions = json.dumps(spec.document).count('"x-assumed"')
    return (
        f"  {spec.provider} spec {spec.display_path}: {len(spec.operations)} operations"
        f" ({', '.join(sorted(spec.operations))}), {fields} fields in the cancel 200 body, {assumptions} assumptions"
    )


def pytest_args(options: dict[str, object], seed: int) -> list[str]:
    """The pytest command line equivalent to a `contracts check` invocation."""
    argv = [str(SUITE), "-q", "--no-header", "--assert=plain", "-p", "no:cacheprovider", "-p", "no:schemathesis"]
    # The suite runs only our code, which leaves no unraisable exceptions to report; the plugin that would report
    # them runs full garbage collections at session end, 0.1-0.2 s per run inside a large process (a test, an IDE).
    argv += ["-p", "no:unraisableexception"]
    # The suite is ours: no pytest configuration around it applies (a project's, found above the `.venv` the package
    # is installed in, could deselect or reshape every test). With `-c`, pytest would root the run at the config
    # file's folder, so the root is the package's parent folder, wherever it is installed.
    argv += ["-c", os.devnull, "--rootdir", str(SUITE.parents[1])]
    argv += ["--tb=no", "-rf", "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    for option in suite_options():
        argv += option.as_argv(seed if option.dest == "seed" else options.get(option.dest))
    return argv


def replay_defaults(options: dict[str, object]) -> dict[str, object]:
    """For a replay, the recorded run's seed, examples and budgets wherever the command line leaves them unset:
    the same steps then send the same requests and get the recorded answers."""
    source = options.get("from")
    if options.get("target") != "replay" or not source or not Path(str(source)).is_dir():
        return {}
    from contracts.providers import parse
    from contracts.traffic.replay import recorded_options

    recorded = recorded_options(Path(str(source)), parse(str(options.get("provider") or "all")))
    return {name: value for name, value in recorded.items() if options.get(name) is None}


def run(args: argparse.Namespace) -> int:
    """Run the contract suite for the chosen providers and target; return the documented exit code."""
    options = values(args, check_options())
    if options["list_checks"]:
        from contracts.checks import listing

        print(listing())
        return EXIT_OK
    options |= replay_defaults(options)
    settings = settings_from_options(options, default_seed=random.randrange(2**31))
    preflight(settings)
    seed = settings.seed
    print(f"contracts check: providers={','.join(settings.providers)} target={settings.target} seed={seed}", flush=True)
    for provider in settings.providers:
        print(spec_summary(load_spec(provider, settings.spec_dir)), flush=True)
    capture = _Capture()
    code = pytest.main(pytest_args(options, seed), plugins=[capture])
    if capture.error is not None:
        raise capture.error
    if capture.report is None:
        print(f"error: the contract run did not finish (pytest exit code {int(code)})", file=sys.stderr)
        return EXIT_USAGE
    if settings.report_dir is not None:
        names = ", ".join(str(settings.report_dir / name) for name in REPORT_FILES)
        print(f"reports: {names}", flush=True)
    if settings.output_format == "github":
        from contracts.report.annotations import render_annotations

        print(render_annotations(capture.report), end="", flush=True)
    return capture.report.exit_code()
