"""`contracts selftest`: prove the suite catches every drift in the catalogue, and nothing on a clean fake.

Each catalogue entry is injected alone into the in-process fake and the whole engine runs (scenarios, stateful,
generated) until a record with the entry's declared kind, operation, status and location appears. The entry is
caught when one does; it survives when the run finds nothing (not detected) or only other records (misclassified).
Every entry runs twice: with the mock defaults and with the live budget, which must be enough to catch it too.
Clean runs at several seeds must find no drift at all: a false positive fails the self-test like a survivor.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from contracts.errors import EXIT_DRIFT, EXIT_OK
from contracts.selftest.jobs import CONFIGURATIONS, Job, Outcome, Result, Sighting, evaluate, run_job
from contracts.selftest.render import render_table, write_json
from contracts.settings import settings_from_options

__all__ = ["CONFIGURATIONS", "Job", "Outcome", "Result", "Sighting", "evaluate", "run", "run_job"]


def run(args: argparse.Namespace) -> int:
    """`contracts selftest`: print the table, write selftest.json, exit 1 unless every entry is caught cleanly."""
    options = {"provider": args.provider, "seed": args.seed, "max_examples": args.max_examples}
    settings = settings_from_options(options, default_seed=random.randrange(2**31))
    seed = settings.seed
    print(f"contracts selftest: providers={','.join(settings.providers)} seed={seed}", flush=True)
    result = evaluate(settings.providers, seed, settings.max_examples)
    print(render_table(result), flush=True)
    path = write_json(result, Path(args.report_dir))
    print(f"report: {path}", flush=True)
    return EXIT_OK if result.passed else EXIT_DRIFT
