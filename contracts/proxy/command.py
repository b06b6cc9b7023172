"""`contracts proxy`: serve until Ctrl-C or SIGTERM, then write the reports (and the HAR recording, if asked)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from contracts.errors import ConfigError
from contracts.escape import terminal
from contracts.options import add_arguments as add_options
from contracts.options import proxy_options
from contracts.providers import get
from contracts.report.view import impact_counts
from contracts.settings import Settings, body_cap, consumers_from, fail_on_rule

DEFAULT_PORT = 4010
DEFAULT_TIMEOUT = 120.0
DEFAULT_REPORT_DIR = "reports/proxy"
EXTRA_MODULES = {"uvicorn", "starlette", "httptools", "uvloop"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `contracts proxy`."""
    parser.add_argument("--provider", required=True, help="the vendor whose traffic passes through")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--upstream", default=None, metavar="URL", help="where to forward (default: the vendor)")
    parser.add_argument("--mode", default="report", choices=["report", "strict"],
                        help="report: answers unchanged; strict: a drifting answer becomes a 502 problem")  # fmt: skip
    parser.add_argument("--record", default=None, metavar="DIR", help="write the traffic as HAR, credentials removed")
    parser.add_argument("--report-dir", default=DEFAULT_REPORT_DIR, metavar="DIR", help="written when the proxy stops")
    wait = f"an upstream silent this long gets the application a 504 (default {DEFAULT_TIMEOUT:g})"
    parser.add_argument("--timeout", default=str(DEFAULT_TIMEOUT), metavar="SECONDS", help=wait)
    parser.add_argument("--exclude-check", action="append", default=[], metavar="NAME", help="skip a registered check")
    add_options(parser.add_argument, proxy_options())


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"--timeout must be a number of seconds above 0, got {value!r}", "pass e.g. --timeout 120")
    return seconds


def say(line: str) -> None:
    """Print a line at once: the proxy's output is read live, often through a pipe."""
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    """Serve the proxy until stopped; then write the reports and return the run's exit code."""
    from contracts.targets import writable_dir

    try:
        from contracts.proxy.forward import Mode
        from contracts.proxy.server import build
    except ModuleNotFoundError as exc:
        if exc.name not in EXTRA_MODULES:
            raise
        raise ConfigError(
            f"`contracts proxy` needs {exc.name}, which is not installed", "pip install 'cancel-contracts[proxy]'"
        ) from None
    from contracts.report import write_reports

    provider = get(args.provider).name
    timeout = _timeout(args.timeout)
    report_dir = Path(args.report_dir)
    writable_dir("--report-dir", report_dir)
    record = None
    if args.record is not None:
        writable_dir("--record", Path(args.record))
        record = Path(args.record) / f"{provider}.har"
    consumers, fail_on = consumers_from(args.consumer), fail_on_rule(args.fail_on, (provider,))
    proxy = build(provider, args.upstream, mode=Mode(args.mode), timeout=timeout, port=args.port,
                  excluded=tuple(args.exclude_check), say=say, record=record, consumers=consumers,
                  fail_on=fail_on, max_body_bytes=body_cap(args.max_body_bytes))  # fmt: skip
    print(f"contracts proxy: {proxy.profile.title} traffic, {args.mode} mode", flush=True)
    print(f"  upstream   {proxy.upstream}", flush=True)
    print(f"  base URL   {proxy.base_url}  (point the SDK here)", flush=True)
    print(f"  reports    {report_dir} (written when the proxy stops)", flush=True)
    if record is not None:
        print(f"  recording  {record} (written when the proxy stops)", flush=True)
    print("press Ctrl-C to stop", flush=True)
    proxy.run()
    report = proxy.finish()
    write_reports(report, Settings(providers=(provider,), target="proxy", report_dir=report_dir))
    result = report.providers[0]
    print(f"stopped: {result.notes[0]}", flush=True)
    impact = f" | {impact_counts(result)}" if result.drift else ""
    print(terminal(f"{result.provider}: {result.verdict().word} ({result.verdict().text}){impact}"), flush=True)
    print(f"reports written to {report_dir}", flush=True)
    return report.exit_code()
