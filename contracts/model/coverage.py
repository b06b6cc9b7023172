"""Spec coverage: what a run observed at least once, per operation, of what the spec documents.

Three aspects, each a list of items with the number of times the run saw it: every documented status code, every
enum value a response body may carry (`status: incomplete`), and every optional field both present and null
(null only where the schema allows it). A nightly report then says what was never seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Aspect(StrEnum):
    """What a coverage item counts."""

    STATUS = "status"
    ENUM = "enum"
    PRESENT = "present"
    NULL = "null"


@dataclass(frozen=True)
class CoverageItem:
    """One documented thing and how often the run saw it; `name` reads as the report shows it."""

    aspect: Aspect
    name: str
    seen: int = 0

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {"aspect": str(self.aspect), "name": self.name, "seen": self.seen}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CoverageItem:
        """Read back from drift.json."""
        return cls(Aspect(data["aspect"]), str(data["name"]), int(data["seen"]))


@dataclass(frozen=True)
class OperationCoverage:
    """One operation's items, in the spec's order."""

    operation: str
    items: tuple[CoverageItem, ...] = ()

    @property
    def covered(self) -> int:
        """Items seen at least once."""
        return sum(1 for item in self.items if item.seen)

    @property
    def percent(self) -> float:
        """Items seen, as a percentage of all (100 when the spec documents nothing to see)."""
        return round(100.0 * self.covered / len(self.items), 1) if self.items else 100.0

    def missing(self, aspect: Aspect | None = None) -> tuple[CoverageItem, ...]:
        """Items never seen, optionally of one aspect."""
        return tuple(i for i in self.items if not i.seen and (aspect is None or i.aspect is aspect))

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {
            "operation": self.operation,
            "covered": self.covered,
            "total": len(self.items),
            "percent": self.percent,
            "items": [item.to_dict() for item in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperationCoverage:
        """Read back from drift.json."""
        return cls(str(data["operation"]), tuple(CoverageItem.from_dict(item) for item in data["items"]))


@dataclass(frozen=True)
class Coverage:
    """A provider's coverage of its spec, and the exchanges whose bodies could not be judged, with why."""

    operations: tuple[OperationCoverage, ...] = ()
    not_judged: tuple[str, ...] = ()

    @property
    def covered(self) -> int:
        """Items seen at least once, over every operation."""
        return sum(operation.covered for operation in self.operations)

    @property
    def total(self) -> int:
        """Items the spec documents, over every operation."""
        return sum(len(operation.items) for operation in self.operations)

    @property
    def percent(self) -> float:
        """Items seen, as a percentage of all."""
        return round(100.0 * self.covered / self.total, 1) if self.total else 100.0

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {
            "covered": self.covered,
            "total": self.total,
            "percent": self.percent,
            "operations": [operation.to_dict() for operation in self.operations],
            "not_judged": list(self.not_judged),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Coverage:
        """Read back from drift.json (a report written before coverage existed has none)."""
        if data is None:
            return cls()
        operations = tuple(OperationCoverage.from_dict(entry) for entry in data["operations"])
        return cls(operations, tuple(str(line) for line in data.get("not_judged", [])))
