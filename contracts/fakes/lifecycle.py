"""Time and state of stored responses: clocks, records, and the queued → in_progress → completed lifecycle."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from typing import Any, Protocol

from contracts.providers.bodies import Record, View
from contracts.providers.profile import Profile

# Answers a fake "generates"; one is picked per response from the seeded RNG, and revealed word by word.
ANSWERS = (
    "Background responses run on the server while the client polls for their status, so a long answer "
    "never holds an HTTP connection open for minutes.",
    "A cancelled response keeps the part of the answer that was generated before the cancel arrived, "
    "and its usage counts only those tokens.",
    "Cancelling twice is harmless: the second call finds the response already in a final state and "
    "returns it unchanged.",
    "Once upon a time, in a quiet harbour town, a lighthouse keeper counted the ships that came home before the storm.",
)


class Clock(Protocol):
    """Where a fake reads the time from."""

    def now(self) -> float: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()


class ManualClock:
    """A clock that only moves when told to, for tests of the lifecycle."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = start

    def now(self) -> float:
        """The current manual time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self._now += seconds


def count_words(value: Any) -> int:
    """Words in every string inside a JSON value: the fake's stand-in for a tokenizer."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, Mapping):
        return sum(count_words(item) for item in value.values())
    if isinstance(value, list):
        return sum(count_words(item) for item in value)
    return 0


class Store:
    """Responses kept in memory: ids and answers come from a seeded RNG, status is read off the clock lazily."""

    def __init__(
        self, profile: Profile, clock: Clock, seed: int, queued_seconds: float, in_progress_seconds: float
    ) -> None:
        self.profile = profile
        self.clock = clock
        self.queued_seconds = queued_seconds
        self.in_progress_seconds = in_progress_seconds
        self.records: dict[str, Record] = {}
        self._rng = random.Random(seed)

    def create(self, body: Mapping[str, Any], headers: Mapping[str, str], response_id: str | None = None) -> Record:
        """Store a new response for a create body; `response_id` forces the id."""
        record = Record(
            id=response_id or self.profile.new_id(self._rng),
            background=body.get("background") is True,
            created_at=self.clock.now(),
            model=self.profile.model(body, headers),
            words=tuple(self._rng.choice(ANSWERS).split()),
            message_id=self.profile.item_id(self._rng),
            input_tokens=max(1, count_words(body.get("input")) + count_words(body.get("instructions"))),
            echo=self.profile.echo(body),
        )
        self.records[record.id] = record
        return record

    def cancelled_now(self, response_id: str) -> Record:
        """A background response with this id that started and was cancelled just now."""
        record = self.create({"background": True}, {}, response_id)
        record.created_at -= self.queued_seconds
        record.cancelled_at = self.clock.now()
        return record

    def view(self, record: Record, consistent: bool = True) -> View:
        """The record now; with `consistent=False` a cancel is ignored, as if it had never happened."""
        total = len(record.words)
        if not record.background:
            return View("completed", total, record.created_at)
        queued, working = self.queued_seconds, max(self.in_progress_seconds, 1e-9)
        cancelled_at = record.cancelled_at if consistent else None
        elapsed = (self.clock.now() if cancelled_at is None else cancelled_at) - record.created_at
        if cancelled_at is None and elapsed >= queued + working:
            return View("completed", total, record.created_at + queued + working)
        started = elapsed >= queued
        # Words appear evenly over the in_progress phase; a started response shows at least one.
        shown = min(total, max(1, math.ceil((elapsed - queued) / working * total))) if started else 0
        if cancelled_at is not None:
            return View("cancelled", shown, cancelled_at)
        return View("in_progress" if started else "queued", shown, None)
