"""Stateful in-memory fakes of the vendors' background Responses APIs, with a catalogue of injectable drift."""

from __future__ import annotations

from contracts.fakes.catalogue import DriftEntry, load_catalogue
from contracts.fakes.core import DEFAULT_TEST_KEY, Fake, make_fake
from contracts.fakes.lifecycle import ManualClock, SystemClock
from contracts.fakes.server import serve

__all__ = [
    "DEFAULT_TEST_KEY",
    "DriftEntry",
    "Fake",
    "ManualClock",
    "SystemClock",
    "load_catalogue",
    "make_fake",
    "serve",
]
