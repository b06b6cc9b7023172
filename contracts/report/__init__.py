"""Drift reports: drift.json and its renderings (drift.md, junit.xml, report.html), history and `report diff`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from contracts.errors import ConfigError
from contracts.model import RunReport
from contracts.settings import Settings

RENDERINGS = ("drift.md", "junit.xml", "report.html")


def write_reports(report: RunReport, settings: Settings) -> None:
    """Write drift.json and its renderings into the report dir, after adding this run to the history."""
    from contracts.report.history import append_history, read_history
    from contracts.report.html import render_html
    from contracts.report.junit import render_junit
    from contracts.report.markdown import render_markdown

    assert settings.report_dir is not None
    directory = settings.report_dir
    directory.mkdir(parents=True, exist_ok=True)
    document = json.dumps(report.to_dict(), indent=2, sort_keys=False, ensure_ascii=True)
    (directory / "drift.json").write_text(document + "\n", encoding="utf-8")
    if settings.history is not None:
        append_history(report, settings.history)
    (directory / "drift.md").write_text(render_markdown(report), encoding="utf-8")
    (directory / "junit.xml").write_text(render_junit(report), encoding="utf-8")
    history = read_history(settings.history)
    if history.unreadable:
        # A broken entry never stops the report: it is left out of the chart, named here and on the page.
        names = ", ".join(history.unreadable)
        print(f"warning: skipped unreadable history entries in {settings.history}: {names}", file=sys.stderr)
    (directory / "report.html").write_text(render_html(report, history), encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """`contracts report diff OLD NEW` or `contracts report issue DIR --provider P`."""
    from contracts.report.diff import diff_reports, render_diff
    from contracts.report.document import read_report

    if args.report_command == "issue":
        return print_issue(read_report(Path(args.dir) / "drift.json"), args.provider)

    old, new = read_report(Path(args.old)), read_report(Path(args.new))
    changes = diff_reports(old, new)
    print(render_diff(changes), end="")
    return 1 if any(change.appeared for change in changes) else 0


def print_issue(report: RunReport, provider: str) -> int:
    """Print the issue body; the exit code is the provider's own (1 drift to file, 3 unavailable, 0 clean)."""
    from contracts.report.issue import render_issue

    entry = report.provider(provider)
    if entry is None:
        listed = ", ".join(p.provider for p in report.providers) or "none"
        raise ConfigError(f"the report has no provider {provider!r} (it has: {listed})", "pass one of those")
    print(render_issue(report, entry), end="")
    return report.with_providers((entry,)).exit_code()
