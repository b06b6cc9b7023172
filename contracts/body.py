"""Strict JSON for vendor bodies: RFC 8259 only (no NaN, no Infinity), UTF-8, nesting capped without recursion.

`json.loads` accepts `NaN` and `Infinity`, and a body nested 100,000 deep makes it (and every recursive walker
after it: jsonschema, the undocumented-field walker, redaction, `copy.deepcopy`) raise RecursionError. Here the
depth is measured first by a flat scan, so nothing deeper than the cap ever reaches a recursive parser, and
every way a body can fail is a typed `BodyProblem`, never an exception.

Lone surrogate escapes (`"\\ud83d"`) are valid JSON text by the grammar, so they parse; the strings they give
cannot be encoded as UTF-8, which is why every renderer goes through `contracts.escape`.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Any

# Real responses nest fewer than 20 levels. jsonschema with a recursive schema overflows between 200 and 300 levels
# (measured), so 128 leaves every recursive walker room under the interpreter's 1000-frame limit.
MAX_DEPTH = 128
# A JSON string (escapes included) or one bracket: brackets inside strings do not nest anything.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENERS = frozenset(b"[{")


class BodyProblem(enum.Enum):
    """Why a body is not JSON the checks can judge."""

    NOT_UTF8 = "not-utf8"
    NOT_JSON = "not-json"
    NON_FINITE = "non-finite-number"
    TOO_LONG_NUMBER = "too-long-number"
    TOO_DEEP = "too-deep"


@dataclass(frozen=True)
class Parsed:
    """A parsed body: the value when `problem` is None, else the problem and a detail that reads after "is"."""

    value: Any = None
    problem: BodyProblem | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the body parsed (its value may still be JSON `null`)."""
        return self.problem is None


class _NonFinite(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


def scan_depth(content: bytes, limit: int | None = None) -> int:
    """The deepest nesting of arrays and objects in JSON text, without recursion; stops once past `limit`."""
    depth = deepest = 0
    for match in _TOKENS.finditer(content):
        token = match.group()
        if len(token) != 1:
            continue
        if token[0] in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if limit is not None and deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


def value_depth(value: Any) -> int:
    """The nesting depth of an already parsed value (a scalar is 0), measured without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list | tuple):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in node)
    return deepest


def parse_json(content: bytes, max_depth: int = MAX_DEPTH) -> Parsed:
    """The body's value, or why it is not strict JSON nested at most `max_depth` deep."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Parsed(problem=BodyProblem.NOT_UTF8, detail=f"not UTF-8 (byte {exc.start})")
    # The cheap bound first: a body with few brackets cannot be deep.
    if content.count(b"[") + content.count(b"{") > max_depth:
        depth = scan_depth(content, max_depth)
        if depth > max_depth:
            return Parsed(problem=BodyProblem.TOO_DEEP, detail=f"nested more than {max_depth} levels deep")
    try:
        return Parsed(json.loads(text, parse_constant=_reject_constant))
    except _NonFinite as exc:
        return Parsed(
            problem=BodyProblem.NON_FINITE, detail=f"not JSON: it holds {exc.name}, which RFC 8259 does not allow"
        )
    except json.JSONDecodeError as exc:
        return Parsed(
            problem=BodyProblem.NOT_JSON, detail=f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        )
    except ValueError:
        # The only other ValueError json.loads raises: an integer longer than sys.get_int_max_str_digits().
        return Parsed(
            problem=BodyProblem.TOO_LONG_NUMBER, detail="not usable JSON: it holds a number too long to convert"
        )
