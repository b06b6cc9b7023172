"""`make bench`: how fast the contract run is, what each caught drift costs, how it compares with `st run`, and the
latency `contracts proxy` adds (`benchmarks.proxy`).

Every measurement runs in this one process tree on the built-in fakes, so nothing is billed. Timings are medians
of repeated runs (the machine is noisy); the Markdown table and `bench.json` are written to the output folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.proxy import measure_proxy
from benchmarks.render import render, summarize
from contracts.checks import Exchange, enabled, judge
from contracts.engine import run_layers
from contracts.fakes import DEFAULT_TEST_KEY, make_fake, serve
from contracts.providers import get, names
from contracts.selftest import evaluate
from contracts.settings import MOCK_MAX_EXAMPLES, Settings
from contracts.specs import spec_path
from contracts.targets import build_run, finish_report

ROOT = Path(__file__).resolve().parent.parent
# Our generated and stateful layers are schemathesis' fuzzing and stateful phases; we have no examples/coverage.
ST_PHASES = "fuzzing,stateful"
Handler = Callable[[httpx.Request], httpx.Response]
# The yardstick: a 10,000-exchange HAR in 5 s or less, 2,000 exchanges/s.
VERIFY_EXCHANGES = 10_000


def auth_header(provider: str) -> str:
    """The Authorization header value the served fake accepts."""
    return get(provider).mock_credentials(DEFAULT_TEST_KEY).headers["Authorization"]


def contracts_command(*options: str) -> list[str]:
    """The `contracts` command line, run with this interpreter."""
    return [sys.executable, "-m", "contracts.cli", *options]


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a command to completion; its wall time in seconds and exit code."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command[:4])} … exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return wall, done.returncode


def measure_check(seed: int, max_examples: int, repeats: int, scratch: Path) -> list[dict[str, Any]]:
    """`contracts check` on every provider's in-process fakes, as `make check` runs it."""
    samples = []
    for index in range(repeats):
        out = scratch / f"check-{index}"
        options = ("check", "--seed", str(seed), "--max-examples", str(max_examples), "--report-dir", str(out))
        wall, code = timed(contracts_command(*options), ROOT)
        report = json.loads((out / "drift.json").read_text(encoding="utf-8"))
        requests = sum(entry["requests"] for entry in report["providers"])
        # No engine time: pytest interleaves the providers' tests, so their durations overlap.
        samples.append({"wall": wall, "exit_code": code, "cases": requests, "requests": requests, "engine": 0.0})
    return samples


class Counter:
    """Counts the requests a served fake receives, whoever sends them."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def wrap(self, handle: Handler) -> Handler:
        """The fake's handler, counting each call."""

        def counted(request: httpx.Request) -> httpx.Response:
            with self._lock:
                self.count += 1
            return handle(request)

        return counted


@contextmanager
def served(provider: str, seed: int) -> Iterator[tuple[str, Counter]]:
    """A fresh fake of `provider` on loopback, and the counter of requests it answers."""
    counter = Counter()
    with serve(make_fake(provider, api_key=DEFAULT_TEST_KEY, seed=seed), wrap=counter.wrap) as base_url:
        yield base_url, counter


def engine_at(provider: str, base_url: str, seed: int, max_examples: int) -> dict[str, Any]:
    """One run of every layer against a fake already served at `base_url` (the same work as the mock target)."""
    run = build_run(provider, Settings(providers=(provider,), seed=seed, max_examples=max_examples))
    # The mock target's client, sent over HTTP instead of through the in-process transport.
    credentials = get(provider).mock_credentials(DEFAULT_TEST_KEY)
    run.client = dataclasses.replace(run.client, base_url=base_url, credentials=credentials, transport=None)
    started = time.perf_counter()
    run_layers(run)
    seconds = time.perf_counter() - started
    run.client.close()
    return {"cases": run.client.requests, "engine": seconds, "drift": len(run.records)}


def measure_loopback(provider: str, seed: int, max_examples: int, repeats: int, scratch: Path) -> dict[str, Any]:
    """Our engine and `st run`, each in its own process, against the same fake served on loopback, alternating."""
    ours, theirs = [], []
    st = Path(sys.executable).with_name("st")
    for index in range(repeats):
        with served(provider, seed) as (base_url, counter):
            command = [sys.executable, "-m", "benchmarks.bench", "--engine-at", base_url, "--provider", provider,
                       "--seed", str(seed), "--max-examples", str(max_examples)]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            wall = time.perf_counter() - started
            ours.append({"wall": wall, **json.loads(done.stdout), "requests": counter.count})
        with served(provider, seed) as (base_url, counter):
            out = scratch / f"{provider}-st-{index}"
            out.mkdir(parents=True)
            command = [str(st), "run", str(spec_path(provider)), "--url", base_url, "-H",
                       f"Authorization: {auth_header(provider)}", "-n", str(max_examples), "--seed", str(seed),
                       "--phases", ST_PHASES, "--report", "json", "--report-json-path", str(out / "st.json"),
                       "--no-color"]  # fmt: skip
            # Run from the scratch folder: no `schemathesis.toml` or crash store of the repo can change the run.
            wall, code = timed(command, out)
            report = json.loads((out / "st.json").read_text(encoding="utf-8"))
            theirs.append({"wall": wall, "exit_code": code, **st_counts(report), "requests": counter.count})
    return {"ours": ours, "st": theirs}


def st_counts(report: dict[str, Any]) -> dict[str, Any]:
    """Test cases and in-engine seconds from `st run --report json`."""
    return {"cases": int(report["test_cases"]["generated"]), "engine": float(report["running_time"])}


def recorded_responses(provider: str, seed: int, max_examples: int) -> list[tuple[Any, ...]]:
    """Every response a clean run of `provider` received, with what the checks need to judge it again."""
    run = build_run(provider, Settings(providers=(provider,), seed=seed, max_examples=max_examples))
    call, recorded = run.call, []

    def recording(operation_id: str, **kwargs: Any) -> Any:
        response, body = call(operation_id, **kwargs)
        where = run.where(operation_id, response, kwargs["layer"])
        params = {k: str(v) for k, v in (kwargs.get("path_params") or {}).items()}
        recorded.append((run.spec, where, run.spec.operation(operation_id), response, params))
        return response, body

    setattr(run, "call", recording)  # noqa: B010 - an instance attribute shadows the method for this run only
    run_layers(run)
    run.client.close()
    return recorded


def measure_validation(seed: int, max_examples: int, batches: int) -> dict[str, Any]:
    """The registered checks alone, over every response a clean run of each provider received."""
    recorded = [item for provider in names() for item in recorded_responses(provider, seed, max_examples)]
    active, seconds = enabled(), []
    for _ in range(batches):
        started = time.perf_counter()
        for spec, where, operation, response, params in recorded:
            list(judge(Exchange(spec, where, operation, response, params), active))
        seconds.append(time.perf_counter() - started)
    return {"responses": len(recorded), "batch_seconds": seconds}


def traffic_har(seed: int, max_examples: int, scratch: Path, size: int = VERIFY_EXCHANGES) -> Path:
    """A HAR of `size` exchanges: every provider's clean mock run, recorded with `--record`, repeated in turn."""
    from contracts.traffic.har import read_log

    record = scratch / "recorded"
    for provider in names():
        run = build_run(provider, Settings(providers=(provider,), seed=seed, max_examples=max_examples,
                                           record_dir=record))  # fmt: skip
        run_layers(run)
        finish_report(Settings(providers=(provider,), seed=seed), {provider: run})
    entries = [entry for provider in names() for entry in read_log(record / f"{provider}.har")["entries"]]
    path = scratch / "traffic.har"
    document = {"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                        "entries": [entries[i % len(entries)] for i in range(size)]}}  # fmt: skip
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def measure_verify(seed: int, max_examples: int, repeats: int, scratch: Path) -> dict[str, Any]:
    """`contracts verify` in-process on a 10,000-exchange HAR: reading, judging and writing every report."""
    from contracts.traffic.verify import verify

    har = traffic_har(seed, max_examples, scratch)
    settings = Settings(providers=names(), target="traffic", report_dir=scratch / "verified")
    samples = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        report = verify([har], settings)
        samples.append({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu})
    exchanges = sum(entry.requests for entry in report.providers)
    return {"exchanges": exchanges, "samples": samples}


def measure(seed: int, max_examples: int, repeats: int, batches: int) -> dict[str, Any]:
    """Every raw measurement of one benchmark run."""
    with tempfile.TemporaryDirectory(prefix="contracts-bench-") as folder:
        scratch = Path(folder)
        check = measure_check(seed, max_examples, repeats, scratch)
        loopback = {p: measure_loopback(p, seed, max_examples, repeats, scratch) for p in names()}
        verified = measure_verify(seed, max_examples, repeats, scratch)
        proxy = measure_proxy(repeats, scratch)
    validation = measure_validation(seed, max_examples, batches)
    started = time.perf_counter()
    selftest = evaluate(names(), seed, max_examples)
    drift = [
        {"provider": o.job.provider, "name": o.job.entry, "configuration": o.job.configuration, "caught": o.caught,
         "first_request": o.match.first_request if o.match else None}
        for o in selftest.entries
    ]  # fmt: skip
    return {
        "seed": seed,
        "max_examples": max_examples,
        "repeats": repeats,
        "cpus": os.cpu_count(),
        "check": check,
        "loopback": loopback,
        "validation": validation,
        "verify": verified,
        "proxy": proxy,
        "selftest": {"seconds": time.perf_counter() - started, "entries": drift},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, write bench.json and bench.md, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__)
    parser.add_argument("--out", default="reports/bench", help="where bench.json and bench.md go")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--max-examples", type=int, default=MOCK_MAX_EXAMPLES)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command; medians are reported")
    parser.add_argument("--batches", type=int, default=7, help="validation batches; the median is reported")
    parser.add_argument("--engine-at", default=None, metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--provider", default="yandex", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_at:
        print(json.dumps(engine_at(args.provider, args.engine_at, args.seed, args.max_examples)))
        return 0
    raw = measure(args.seed, args.max_examples, args.repeats, args.batches)
    bench = summarize(raw)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps({"summary": bench, "raw": raw}, indent=2) + "\n", encoding="utf-8")
    table = render(bench)
    (out / "bench.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"\nwritten: {out / 'bench.json'}, {out / 'bench.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
