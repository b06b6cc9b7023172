"""The `contracts` command: a thin front that parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from contracts import escape
from contracts.errors import EXIT_USAGE, ContractsError
from contracts.options import add_arguments, check_options, impact_options
from contracts.providers import names, profiles
from contracts.redact import redact

# Each subcommand names the module and function that implement it: `run(args: argparse.Namespace) -> int`.
COMMANDS = {
    "check": ("contracts.runner", "run"),
    "mock": ("contracts.fakes.server", "run"),
    "compat": ("contracts.compat", "run"),
    "spec-diff": ("contracts.specdiff", "run"),
    "baseline": ("contracts.baseline", "run"),
    "report": ("contracts.report", "run"),
    "selftest": ("contracts.selftest", "run"),
    "verify": ("contracts.traffic.verify", "run"),
    "proxy": ("contracts.proxy.command", "run"),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 2 with one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ContractsError(message, f"see `{self.prog} --help`")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options `contracts selftest` shares with `contracts check` (declared once, in `contracts.options`)."""
    shared = {"--provider", "--seed", "--max-examples"}
    add_arguments(parser.add_argument, [option for option in check_options() if option.flag in shared])


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser for every subcommand."""
    parser = _Parser(prog="contracts", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="run the contract checks and write drift reports")
    add_arguments(check.add_argument, check_options())

    mock = sub.add_parser("mock", help="serve a provider fake on loopback")
    mock.add_argument("--provider", required=False, default=None, help=" or ".join(names()))
    mock.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    mock.add_argument("--api-key", default=None, help="the one key the fake accepts")
    mock.add_argument("--drift", action="append", default=[], metavar="NAME", help="inject drift")
    mock.add_argument("--list-drift", action="store_true", help="print the drift catalogue and exit")

    compat = sub.add_parser("compat", help="compare the providers' cancel contracts")
    compat.add_argument("--format", default="md", choices=["md", "json", "html"])
    compat.add_argument("--providers", default="all", help=f"comma-separated, of {', '.join(names())} (default: all)")
    compat.add_argument("--observed", default=None, metavar="DIR", help="a report dir from `contracts check`")

    spec_diff = sub.add_parser("spec-diff", help="classify the changes between two versions of a spec")
    spec_diff.add_argument("old")
    spec_diff.add_argument("new")
    spec_diff.add_argument("--severities", default=None, help="a YAML file overriding the severity table")
    spec_diff.add_argument("--format", default="text", choices=["text", "json"])

    baseline = sub.add_parser("baseline", help="manage known-drift baselines")
    baseline_sub = baseline.add_subparsers(dest="baseline_command", required=True, parser_class=_Parser)
    update = baseline_sub.add_parser("update", help="add the drift in a report to the baselines")
    update.add_argument("--from", dest="source", required=True, metavar="DIR", help="a report dir")
    update.add_argument("--provider", default="all")
    update.add_argument("--baseline-dir", default="baselines")
    update.add_argument("--prune", action="store_true", help="drop entries that are no longer observed")

    report = sub.add_parser("report", help="work with drift reports")
    report_sub = report.add_subparsers(dest="report_command", required=True, parser_class=_Parser)
    diff = report_sub.add_parser("diff", help="what changed between two drift.json files")
    diff.add_argument("old")
    diff.add_argument("new")
    issue = report_sub.add_parser("issue", help="the body of a provider's nightly GitHub issue, from a report dir")
    issue.add_argument("dir", metavar="DIR", help="a report dir from `contracts check`")
    issue.add_argument("--provider", required=True, help=" or ".join(names()))

    selftest = sub.add_parser("selftest", help="prove every catalogue drift is caught")
    add_run_options(selftest)
    selftest.add_argument("--report-dir", default="reports/selftest")

    verify = sub.add_parser("verify", help="judge recorded traffic: HAR files, VCR.py and schemathesis cassettes")
    verify.add_argument("files", nargs="+", metavar="FILE", help="HAR 1.2 (.har, .json) or cassette (.yaml, .yml)")
    verify.add_argument("--provider", default=None, help=f"all (default) or one of {', '.join(names())}")
    verify.add_argument("--report-dir", default="reports", metavar="DIR", help="where drift.json and its renderings go")
    verify.add_argument("--baseline-dir", default=None, metavar="DIR", help="known drift to mark as known")
    verify.add_argument("--spec-dir", default=None, metavar="DIR", help="read <provider>/openapi.yaml from here")
    add_arguments(verify.add_argument, impact_options())
    from contracts.proxy.command import add_arguments as add_proxy_arguments

    proxy = sub.add_parser("proxy", help="check an application's vendor traffic as it flows through")
    add_proxy_arguments(proxy)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `contracts` console script."""
    try:
        args = build_parser().parse_args(argv)
        module_name, function = COMMANDS[args.command]
        handler = getattr(importlib.import_module(module_name), function)
        return int(handler(args))
    except ContractsError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        # A file or folder the command had to read or write (a baseline dir, an output folder) is unusable.
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot use{where} ({exc.strerror or exc}); check the path and permissions", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug of ours is still one line and exit 2, never a traceback
        print(internal_error(exc), file=sys.stderr)
        return EXIT_USAGE


def internal_error(exc: BaseException) -> str:
    """One line naming the exception and the innermost line of this package that raised it."""
    package = Path(__file__).parent
    frames = [
        frame for frame in traceback.extract_tb(exc.__traceback__) if Path(frame.filename).is_relative_to(package)
    ]
    where = f" at {Path(frames[-1].filename).relative_to(package.parent)}:{frames[-1].lineno}" if frames else ""
    # Redacted before it is cut, like every record: the message may quote a request that carried a key.
    keys = [os.environ[profile.key_env] for profile in profiles().values() if os.environ.get(profile.key_env)]
    message = escape.terminal(redact(str(exc).splitlines()[0] if str(exc) else "", keys))[:200]
    return (
        f"error: internal error{where}: {type(exc).__name__}: {message}; reports already written are kept;"
        " please report this line as a bug of cancel-contracts"
    )


if __name__ == "__main__":
    sys.exit(main())
