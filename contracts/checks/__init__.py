"""Checks: registered, named functions that judge one exchange against its spec (see `registry`).

Importing this package registers the built-in checks, in the order they run: the passive ones, the invariants,
then the check of an answer against its request.
"""

from __future__ import annotations

from contracts.checks import invariants, passive
from contracts.checks.exchange import NO_BODY, Exchange
from contracts.checks.registry import Check, Group, check, check_names, checks, enabled, judge, listing

__all__ = [
    "NO_BODY",
    "Check",
    "Exchange",
    "Group",
    "check",
    "check_names",
    "checks",
    "enabled",
    "invariants",
    "judge",
    "listing",
    "passive",
]
