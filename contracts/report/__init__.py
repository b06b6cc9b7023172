"""Drift reports: drift.json and its renderings."""

from __future__ import annotations

import json
from typing import Any

from contracts.settings import Settings


def write_reports(report: dict[str, Any], settings: Settings) -> None:
    """Write drift.json into the report dir."""
    assert settings.report_dir is not None
    settings.report_dir.mkdir(parents=True, exist_ok=True)
    (settings.report_dir / "drift.json").write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
