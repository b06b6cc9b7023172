"""The typed report model: records, per-provider results and the run document, from creation to drift.json.

Every field with a closed vocabulary is an enum. `to_dict` writes the drift.json shape
(`contracts/data/drift.schema.json`) and `from_dict` reads it back into the same types, so `report diff`,
`compat --observed` and the baseline commands work on objects, never on bare strings.
"""

from __future__ import annotations

from contracts.model.coverage import Aspect, Coverage, CoverageItem, OperationCoverage
from contracts.model.impact import FailOn, Impact, ImpactKind
from contracts.model.records import (
    BaselineEntry,
    BaselineState,
    BaselineUse,
    Basis,
    CheckResult,
    DriftRecord,
    Kind,
    Layer,
    ObservedValues,
    Severity,
    Status,
    Stopped,
    StopReason,
    Target,
    Word,
)
from contracts.model.results import SCHEMA_VERSION, ProviderResult, RunReport, Tally, Verdict

__all__ = [
    "SCHEMA_VERSION",
    "Aspect",
    "Coverage",
    "CoverageItem",
    "OperationCoverage",
    "BaselineEntry",
    "BaselineState",
    "BaselineUse",
    "Basis",
    "CheckResult",
    "DriftRecord",
    "FailOn",
    "Impact",
    "ImpactKind",
    "Kind",
    "Layer",
    "ObservedValues",
    "ProviderResult",
    "RunReport",
    "Severity",
    "Status",
    "StopReason",
    "Stopped",
    "Tally",
    "Target",
    "Verdict",
    "Word",
]
