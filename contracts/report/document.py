"""Reading drift.json back: validated against its schema, then typed; one clear line when it cannot be used."""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from contracts.errors import ContractsError
from contracts.loader import load_json
from contracts.model import RunReport

FIX = "pass a drift.json written by `contracts check --report-dir DIR`"


class ReportError(ContractsError):
    """A drift.json that cannot be read or does not follow drift.schema.json."""


@functools.cache
def data_validator(name: str) -> Draft202012Validator:
    """The validator for one of the JSON Schemas in `contracts/data/`."""
    schema = json.loads(resources.files("contracts").joinpath("data", name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def describe(error: ValidationError) -> str:
    """One line for a schema error: where it is (dotted path) and what is wrong."""
    where = ".".join(str(token) for token in error.absolute_path) or "the top level"
    message = error.message if len(error.message) <= 160 else error.message[:159] + "…"
    return f"{where}: {message}"


def report_problem(report: Any) -> str | None:
    """Why `report` is not a valid drift.json, or None when it is."""
    error = best_match(data_validator("drift.schema.json").iter_errors(report))
    return None if error is None else describe(error)


def read_report(path: Path) -> RunReport:
    """Load a drift.json, validate it against its schema and type it; a folder means the drift.json inside it."""
    if path.is_dir():
        path = path / "drift.json"
    report = load_json(path, "", FIX, error=ReportError)
    problem = report_problem(report)
    if problem is not None:
        raise ReportError(f"{path} is not a valid drift report: {problem}", FIX)
    return RunReport.from_dict(report)
