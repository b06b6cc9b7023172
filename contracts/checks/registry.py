"""The registry of checks: named functions that judge one exchange, in the order they run.

Like schemathesis' `@check`, a check is a plain function registered by a decorator under its own name, so a user
(`contracts check --exclude-check NAME`) and the self-test can switch any one of them off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from contracts.errors import ConfigError

if TYPE_CHECKING:
    from contracts.checks.exchange import Exchange
    from contracts.model import DriftRecord

CheckFunction = Callable[["Exchange"], Iterable["DriftRecord"]]


class Group(StrEnum):
    """What a check looks at."""

    PASSIVE = "passive"  # the answer against the spec
    INVARIANT = "invariant"  # what a schema cannot say about an answer
    REQUEST = "request"  # the answer against what the request was


@dataclass(frozen=True)
class Check:
    """One registered check."""

    name: str
    group: Group
    summary: str
    function: CheckFunction
    # A final check that found drift ends the judging of that answer: the later ones would only repeat it.
    final: bool = False

    def __call__(self, exchange: Exchange) -> Iterable[DriftRecord]:
        return self.function(exchange)


_CHECKS: dict[str, Check] = {}


def check(group: Group, *, final: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a function as a check named after it; its docstring's first line is its summary."""

    def register(function: CheckFunction) -> CheckFunction:
        name = function.__name__
        summary = (function.__doc__ or "").strip().splitlines()[0]
        _CHECKS[name] = Check(name, group, summary, function, final)
        return function

    return register


def checks() -> tuple[Check, ...]:
    """Every registered check, in the order they run: by group, then in the order they were registered."""
    order = list(Group)
    return tuple(sorted(_CHECKS.values(), key=lambda item: order.index(item.group)))


def check_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names, each checked against the registry; an unknown one is one line (exit 2)."""
    chosen = tuple(names)
    unknown = [name for name in chosen if name not in _CHECKS]
    if unknown:
        raise ConfigError(f"unknown check {', '.join(unknown)}", "list the checks with `contracts check --list-checks`")
    return chosen


def enabled(excluded: Iterable[str] = ()) -> tuple[Check, ...]:
    """The registered checks less the excluded ones, in order."""
    skip = set(check_names(excluded))
    return tuple(item for item in checks() if item.name not in skip)


def judge(exchange: Exchange, active: Iterable[Check]) -> Iterator[DriftRecord]:
    """Run the active checks on one exchange, stopping after a final check that found something."""
    for item in active:
        found = list(item(exchange))
        yield from found
        if found and item.final:
            return


def listing() -> str:
    """One line per check, as `--list-checks` prints them."""
    width = max(len(item.name) for item in checks())
    return "\n".join(f"{item.name.ljust(width)}  {item.group:<9}  {item.summary}" for item in checks())
