"""Consumer expectations: the fields and values one application reads, from `consumers/<name>.yaml`.

A consumer file (schema `contracts/data/consumer.schema.json`) maps field paths such as `status` or
`output[*].content[*].text` to what the application needs there (a JSON type, a set of values, whether it may
be absent). Each expectation is checked with jsonschema against every value the path reaches in a 2xx body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from contracts.errors import ConfigError
from contracts.loader import load_yaml

FIX = "see consumers/example.yaml and contracts/data/consumer.schema.json"
TOKEN = re.compile(r"([^.\[\]]+)|\[\*\]")
ABSENT: Any = object()
NOT_A_LIST: Any = object()


@cache
def consumer_schema() -> dict[str, Any]:
    """The JSON Schema of a consumer file."""
    text = resources.files("contracts").joinpath("data/consumer.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True)
class Expectation:
    """What a consumer needs at one field path: a JSON Schema fragment, and whether absent (or null) is fine."""

    field: str
    tokens: tuple[str, ...]
    schema: dict[str, Any]
    optional: bool

    @property
    def wanted(self) -> str:
        """The expectation in words, for notes."""
        parts = [f"one of {json.dumps(self.schema['enum'])}" if "enum" in self.schema else ""]
        parts.append(f"of type {json.dumps(self.schema['type'])}" if "type" in self.schema else "")
        return " and ".join(part for part in parts if part) or "present"


@dataclass(frozen=True)
class Violation:
    """A value of a body that a consumer's expectation rejects."""

    expectation: Expectation
    pointer: tuple[str, ...]
    actual: str


@dataclass(frozen=True)
class Consumer:
    """One application's expectations, named after its file (or its `name:`)."""

    name: str
    expectations: tuple[Expectation, ...]

    def violations(self, body: Any) -> list[Violation]:
        """Every value of a 2xx body the application would trip over."""
        found = []
        for expectation in self.expectations:
            validator = jsonschema.Draft202012Validator(expectation.schema)
            for pointer, value in _reach(body, expectation.tokens, ()):
                if value is NOT_A_LIST:
                    found.append(Violation(expectation, pointer, "not an array"))
                    continue
                if value is ABSENT or value is None:
                    if expectation.optional:
                        continue
                    if value is ABSENT:
                        found.append(Violation(expectation, pointer, "absent"))
                        continue
                if not validator.is_valid(value):
                    found.append(Violation(expectation, pointer, json.dumps(value)[:80]))
        return found


def load_consumer(path: Path) -> Consumer:
    """Read and validate one consumer file; a bad one is one line naming the file and the problem (exit 2)."""
    data = load_yaml(path, "consumer file", FIX)
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(consumer_schema()).iter_errors(data))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "the top level"
        raise ConfigError(f"consumer file {path} is not valid at {where}: {problem.message}", FIX)
    expectations = tuple(
        Expectation(
            name,
            tuple("*" if token == "[*]" else token for token in (m.group(0) for m in TOKEN.finditer(name))),
            {key: value for key, value in rule.items() if key in ("type", "enum")},
            bool(rule.get("optional", False)),
        )
        for name, rule in data["fields"].items()
    )
    return Consumer(str(data.get("name") or path.stem), expectations)


def _reach(node: Any, tokens: tuple[str, ...], at: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (pointer, value) a path reaches; ABSENT where a field (or the container it needs) is missing."""
    if not tokens:
        yield at, node
        return
    token, rest = tokens[0], tokens[1:]
    if token == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _reach(item, rest, (*at, str(index)))
        else:
            yield at, None if node is None else NOT_A_LIST
        return
    if isinstance(node, dict) and token in node:
        yield from _reach(node[token], rest, (*at, token))
    elif node is None and at:
        yield at, None
    else:
        yield (*at, token), ABSENT


def touches(location: str, pointer: tuple[str, ...]) -> bool:
    """Whether a drift at a JSON pointer concerns a value at `pointer` (one contains the other)."""
    tokens = tuple(part.replace("~1", "/").replace("~0", "~") for part in location.split("/")[1:]) if location else ()
    shorter = min(len(tokens), len(pointer))
    return tokens[:shorter] == pointer[:shorter]
