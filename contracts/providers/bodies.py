"""What a fake stores for one response and how a moment of its life looks, plus the body parts vendors share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]


@dataclass
class Record:
    """One stored response; its status is computed from the clock each time it is read."""

    id: str
    background: bool
    created_at: float
    model: str
    words: tuple[str, ...]
    message_id: str
    input_tokens: int
    echo: dict[str, Any] = field(default_factory=dict)
    cancelled_at: float | None = None


@dataclass(frozen=True)
class View:
    """A record as seen at one moment: its status, how many answer words exist yet, and when it finished."""

    status: str
    shown: int
    finished_at: float | None


def output_items(record: Record, view: View) -> list[JsonObject]:
    """The output array: one assistant message holding the words produced so far (none while queued)."""
    if view.shown == 0:
        return []
    item_status = {"completed": "completed", "in_progress": "in_progress"}.get(view.status, "incomplete")
    text = " ".join(record.words[: view.shown])
    content = [{"type": "output_text", "text": text, "annotations": []}]
    return [
        {"id": record.message_id, "type": "message", "role": "assistant", "status": item_status, "content": content}
    ]


def output_text(output: list[JsonObject]) -> str | None:
    """The text of the first output message, as the `output_text` convenience field shows it."""
    return str(output[0]["content"][0]["text"]) if output else None


def usage(record: Record, view: View) -> JsonObject:
    """Token usage, one token per word, with the total equal to input plus output."""
    return {
        "input_tokens": record.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": view.shown,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": record.input_tokens + view.shown,
    }


def seconds(timestamp: float | None) -> int | None:
    """Unix seconds as an integer, the way the vendors print them."""
    return None if timestamp is None else int(timestamp)


def echoed(body: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """A create-body value repeated in the response, only when it has the documented type (junk never leaks)."""
    value = body.get(name)
    # bool is an int subclass: a `true` must not pass for a number
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        return None
    return value if isinstance(value, kind) else None


def common_echo(body: Mapping[str, Any]) -> JsonObject:
    """Create-body fields every vendor's response object repeats back."""
    return {
        "instructions": echoed(body, "instructions", str),
        "max_output_tokens": echoed(body, "max_output_tokens", int),
        "previous_response_id": echoed(body, "previous_response_id", str),
        "temperature": echoed(body, "temperature", (int, float)),
    }
