"""`contracts verify FILE...`: judge recorded traffic (HAR, VCR.py and schemathesis cassettes) with the registered
checks and the cross-exchange semantics a sequence shows, into the same typed report and exit codes as `check`.

Each exchange is judged as `check` judges a live answer (`checks.judge` on an `Exchange`), located by file and
entry; a sequence adds what scenarios test on purpose: a retrieve after a cancel of the same id agrees with it,
and a second cancel is idempotent (`scenarios.state_difference`). A cancel answering for another id is the
registered `cancel_answers_for_asked_id` invariant. Exchanges that match no provider are counted and listed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from contracts.checks import Exchange
from contracts.client import Client, decoded_answer
from contracts.drift import Where, make_record
from contracts.model import Basis, Kind, Layer, RunReport
from contracts.providers import get, parse
from contracts.redact import header_secrets
from contracts.run import ProviderRun
from contracts.scenarios import state_difference, value_at
from contracts.settings import Settings, consumers_from, fail_on_rule
from contracts.specs import Spec, load_spec
from contracts.targets import finish_report, with_impacts
from contracts.traffic.cassette import is_cassette, read_cassette
from contracts.traffic.har import read_har
from contracts.traffic.match import Matched, Matcher, split
from contracts.traffic.recorded import Recorded, TrafficError

# Answers to a second cancel that say nothing about idempotency: the request itself was refused or throttled.
NOT_ABOUT_IDEMPOTENCY = frozenset({401, 403, 404, 429})
RETRIED = "a retried attempt (a fault the client sent again), not judged"
LISTED_UNMATCHED = 10


def read_traffic(path: Path) -> list[Recorded]:
    """The exchanges of one file: a cassette by its YAML name, anything else as HAR."""
    return read_cassette(path) if is_cassette(path) else read_har(path)


@dataclass
class _Sequence:
    """What earlier exchanges of a provider showed: the last cancelled object per response id."""

    cancelled: dict[str, dict[str, Any]] = field(default_factory=dict)


def new_run(provider: str, spec: Spec, target: str = "traffic", secrets: tuple[str, ...] = ()) -> ProviderRun:
    """A provider's run that sends nothing: its client only renders repro commands."""
    profile = get(provider)
    client = Client(profile.base_url, profile.mock_credentials(""), secrets=secrets)
    return ProviderRun(provider, spec, client, target, 0, 0, {}, secrets)


def judge_exchange(run: ProviderRun, matched: Matched, sequence: _Sequence) -> None:
    """Judge one recorded exchange into `run`: the registered checks, then what the sequence so far shows."""
    recorded = matched.recorded
    run.client.requests += 1
    operation_id = matched.operation.operation_id
    if recorded.retried or recorded.not_judged:
        run.coverage.add(operation_id, recorded.status, None)
        run.coverage.skip(recorded.where, RETRIED if recorded.retried else recorded.not_judged)
        return
    request = httpx.Request(recorded.method, recorded.url, headers=recorded.request_headers,
                            content=recorded.request_body)  # fmt: skip
    # A body that decoded past the cap is cut as a live run cuts it, and reported the same way.
    response = decoded_answer(recorded.status, recorded.response_headers, recorded.response_body, request,
                              recorded.cut_at)  # fmt: skip
    where = Where(
        provider=run.provider,
        operation=operation_id,
        method=matched.operation.method,
        path=matched.operation.path,
        status_code=recorded.status,
        reproduce=f"{recorded.where}: {run.client.curl(request)}",
        layer=Layer.TRAFFIC,
        request_index=recorded.index,
        check=run.check,
        secrets=run.secrets,
    )
    exchange = Exchange(run.spec, where, matched.operation, response, matched.path_params)
    run.judged(exchange)
    run.observed.add(operation_id, recorded.status, exchange.parsed)
    run.coverage.add(operation_id, recorded.status, exchange.parsed)
    _sequence(run, exchange, sequence)


def _sequence(run: ProviderRun, exchange: Exchange, sequence: _Sequence) -> None:
    operation_id, body = exchange.operation.operation_id, exchange.parsed
    response_id = exchange.path_params.get("response_id")
    if response_id is None:
        return
    before = sequence.cancelled.get(response_id)
    if operation_id == "cancelResponse" and before is not None:
        if exchange.status in NOT_ABOUT_IDEMPOTENCY:
            return
        location = "" if exchange.status != 200 else state_difference(before, body)
        if location is not None:
            run.add([make_record(exchange.where, kind=Kind.BEHAVIOR, location=location,
                                 expected="200 with the same terminal object",
                                 actual=f"{exchange.status}" if not location else value_at(body, location),
                                 message="a second cancel is not idempotent", basis=Basis.ASSUMED)],
                    exchange.response)  # fmt: skip
    elif operation_id == "cancelResponse" and exchange.status == 200 and isinstance(body, dict):
        sequence.cancelled[response_id] = body
    elif operation_id == "getResponse" and before is not None and exchange.status == 200:
        location = state_difference(before, body)
        if location is not None:
            run.add([make_record(exchange.where, kind=Kind.BEHAVIOR, location=location,
                                 expected=value_at(before, location), actual=value_at(body, location),
                                 message="retrieve disagrees with the cancel it follows",
                                 basis=Basis.ASSUMED)], exchange.response)  # fmt: skip


def recorded_secrets(exchanges: Iterable[Recorded]) -> tuple[str, ...]:
    """Credentials the recorded requests carried (when the tool kept them), so no report repeats them."""
    found: set[str] = set()
    for recorded in exchanges:
        found |= header_secrets(recorded.request_headers)
    return tuple(sorted(found))


def verify(paths: Sequence[Path], settings: Settings) -> RunReport:
    """Read, match and judge every file; the report is written to `settings.report_dir` when one is set."""
    exchanges = [recorded for path in paths for recorded in read_traffic(path)]
    specs = {provider: load_spec(provider, settings.spec_dir) for provider in settings.providers}
    matched, unmatched = split(Matcher(specs), exchanges)
    if not matched:
        names = ", ".join(str(path) for path in paths)
        raise TrafficError(
            f"{names} hold{'s' if len(paths) == 1 else ''} no exchange for {', '.join(settings.providers)}"
            f" ({len(exchanges)} exchange{'' if len(exchanges) == 1 else 's'} read, none matched)",
            "record traffic to a provider's API, or name the provider with --provider",
        )
    secrets = recorded_secrets(exchanges)
    runs = {
        p: with_impacts(new_run(p, specs[p], secrets=secrets), settings)
        for p in settings.providers
        if any(m.provider == p for m in matched)
    }
    sequences = {provider: _Sequence() for provider in runs}
    for path in paths:
        for provider, run in runs.items():
            with run.checking(f"traffic {path}", Layer.TRAFFIC):
                for found in matched:
                    if found.provider == provider and found.recorded.source == str(path):
                        judge_exchange(run, found, sequences[provider])
    for run in runs.values():
        _note_unmatched(run, unmatched)
    return finish_report(settings, runs)


def _note_unmatched(run: ProviderRun, unmatched: list[Recorded]) -> None:
    if not unmatched:
        return
    listed = "; ".join(f"{r.where} ({r.method} {r.url})" for r in unmatched[:LISTED_UNMATCHED])
    more = f"; and {len(unmatched) - LISTED_UNMATCHED} more" if len(unmatched) > LISTED_UNMATCHED else ""
    run.note(f"{len(unmatched)} exchange{'' if len(unmatched) == 1 else 's'} matched no provider: {listed}{more}")


def run(args: argparse.Namespace) -> int:
    """The `contracts verify` command: the exit code is `check`'s (0 clean, 1 drift, 2 bad input)."""
    from contracts.summary import summary_lines

    started = time.monotonic()
    providers = parse(args.provider)
    settings = Settings(
        providers=providers,
        target="traffic",
        report_dir=Path(args.report_dir) if args.report_dir else None,
        baseline_dir=Path(args.baseline_dir) if args.baseline_dir else None,
        spec_dir=Path(args.spec_dir) if args.spec_dir else None,
        consumers=consumers_from(args.consumer),
        fail_on=fail_on_rule(args.fail_on, providers),
        started=started,
    )
    paths = [Path(name) for name in args.files]
    report = verify(paths, settings)
    exchanges = sum(entry.requests for entry in report.providers)
    print(f"contracts verify: {exchanges} exchanges judged in {time.monotonic() - started:.2f}s", flush=True)
    for line in summary_lines(report):
        print(line, flush=True)
    if settings.report_dir is not None:
        print(f"reports: {settings.report_dir}", flush=True)
    sys.stdout.flush()
    return report.exit_code()
