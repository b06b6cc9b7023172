"""The drift catalogue: named, data-driven deviations a fake can be told to make, and the code that applies them."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from contracts.drift import KINDS
from contracts.errors import ConfigError
from contracts.loader import package_path
from contracts.providers import get, names
from contracts.specs import OPERATION_IDS

CATALOGUE_PATH = package_path("fakes", "catalogue.yaml")
# What `switch_off` can turn off in the fake's logic (see core.Fake); each is scoped to the entry's operation.
BEHAVIOURS = (
    "auth",
    "cancellation",
    "idempotency",
    "id-validation",
    "background-check",
    "body-validation",
    "retrieve-consistency",
    "unix-seconds",
    "usage-sum",
)
ACTIONS = ("remove", "set", "rename", "envelope", "status", "content_type", "raw_body", "switch_off")
LIST_HINT = "list the valid names with `contracts mock --list-drift`"


@dataclass(frozen=True)
class Reply:
    """What a fake is about to send, before it becomes an `httpx.Response`; drift rewrites it."""

    operation: str | None
    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"
    raw: bytes | None = None


@dataclass(frozen=True)
class DriftEntry:
    """One catalogued deviation: how the contract run will report it, and the action that produces it.

    `action` is one of ACTIONS and `target` its argument (a JSON pointer, a status, a media type, a raw body,
    an envelope form or a behaviour); `value` is the value for `set`, the new key for `rename` and the error
    message for `status`. The entry rewrites replies of `operation` whose status is `on_status`.
    """

    name: str
    providers: tuple[str, ...]
    description: str
    kind: str
    operation: str
    status_code: int
    location: str
    action: str
    target: Any
    value: Any = None
    on_status: int = 200
    once: bool = False


def load_catalogue(provider: str | None = None) -> list[DriftEntry]:
    """Every catalogue entry, or only those defined for `provider`, in file order."""
    if provider is not None:
        get(provider)
    return [entry for entry in _read(CATALOGUE_PATH) if provider is None or provider in entry.providers]


@functools.lru_cache(maxsize=4)
def _read(path: Path) -> tuple[DriftEntry, ...]:
    # Parsed once per process: every fake built in a test run would otherwise re-read the YAML.
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = tuple(_entry(item, path) for item in raw["entries"])
    names = [entry.name for entry in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"drift catalogue repeats {', '.join(duplicates)}", f"rename them in {path}")
    return entries


def select(provider: str, names: Iterable[str]) -> tuple[DriftEntry, ...]:
    """The named entries for one provider; an unknown name is a one-line ConfigError."""
    available = {entry.name: entry for entry in load_catalogue(provider)}
    chosen = []
    for name in names:
        if name not in available:
            raise ConfigError(f"unknown drift {name!r} for provider {provider}", LIST_HINT)
        chosen.append(available[name])
    return tuple(chosen)


def _entry(item: dict[str, Any], path: Path) -> DriftEntry:
    apply = dict(item.get("apply") or {})
    actions = [key for key in apply if key in ACTIONS]
    problem = _problem(item, apply, actions)
    if problem:
        raise ConfigError(f"drift catalogue entry {item.get('name', '?')!r} {problem}", f"fix {path}")
    action = actions[0]
    return DriftEntry(
        name=str(item["name"]),
        providers=tuple(item["providers"]),
        description=" ".join(str(item["description"]).split()),
        kind=item["kind"],
        operation=item["operation"],
        status_code=int(item["status"]),
        location=str(item["location"]),
        action=action,
        target=apply[action],
        value=apply.get("value", apply.get("to", apply.get("message"))),
        on_status=int(apply.get("replaces", item["status"])),
        once=bool(apply.get("once", False)),
    )


def _problem(item: dict[str, Any], apply: dict[str, Any], actions: list[str]) -> str | None:
    required = ("name", "providers", "description", "kind", "operation", "status", "location", "apply")
    missing = [key for key in required if key not in item]
    if missing:
        return f"lacks {', '.join(missing)}"
    if item["kind"] not in KINDS:
        return f"has kind {item['kind']!r}, which docs/drift.md does not define"
    if item["operation"] not in OPERATION_IDS:
        return f"names unknown operation {item['operation']!r}"
    if not item["providers"] or not set(item["providers"]) <= set(names()):
        return f"names providers {item['providers']}; use {', '.join(names())}"
    if len(actions) != 1:
        return f"needs exactly one action of {', '.join(ACTIONS)}"
    if actions[0] == "switch_off" and apply["switch_off"] not in BEHAVIOURS:
        return f"switches off unknown behaviour {apply['switch_off']!r}"
    if actions[0] == "status" and (apply["status"] != item["status"] or "replaces" not in apply):
        return f"must answer its declared status {item['status']} in place of `replaces: <status>`"
    return None


@dataclass
class Drift:
    """The drift one fake applies: behaviour switches for its logic, and rewrites of its replies."""

    entries: tuple[DriftEntry, ...]
    envelope: Callable[[int, str], Any]
    spent: set[str] = field(default_factory=set)

    def off(self, behaviour: str, operation: str) -> bool:
        """Whether a `switch_off` entry disables `behaviour` for `operation`."""
        return any(
            e.action == "switch_off" and e.target == behaviour and e.operation == operation for e in self.entries
        )

    def rewrite(self, reply: Reply) -> Reply:
        """Apply every matching entry, in catalogue order, to a reply about to be sent."""
        for entry in self.entries:
            if entry.action == "switch_off" or entry.operation != reply.operation or entry.on_status != reply.status:
                continue
            if entry.once:
                if entry.name in self.spent:
                    continue
                self.spent.add(entry.name)
            reply = _apply(entry, reply, self.envelope)
        return reply


def _apply(entry: DriftEntry, reply: Reply, envelope: Callable[[int, str], Any]) -> Reply:
    if entry.action == "status":
        message = entry.value or f"Request failed with status {entry.target}."
        return replace(reply, status=int(entry.target), body=envelope(int(entry.target), message), headers=())
    if entry.action == "content_type":
        return replace(reply, content_type=str(entry.target))
    if entry.action == "raw_body":
        return replace(reply, raw=str(entry.target).encode())
    if entry.action == "envelope":
        body = reply.body
        wrapped = {"error": body} if entry.target == "wrapped" else body.get("error", body)
        return replace(reply, body=wrapped)
    return replace(reply, body=edit(reply.body, entry.action, str(entry.target), entry.value))


def edit(body: Any, action: str, pointer: str, value: Any = None) -> Any:
    """A copy of `body` with the node at `pointer` removed, set or renamed; a path that does not exist is left alone."""
    if pointer == "":
        return copy.deepcopy(value) if action == "set" else body
    body = copy.deepcopy(body)
    *parents, last = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    node = body
    for token in parents:
        node = _child(node, token)
        if node is None:
            return body
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        if action == "remove":
            del node[int(last)]
        elif action == "set":
            node[int(last)] = copy.deepcopy(value)
    elif isinstance(node, dict):
        if action == "set":
            node[last] = copy.deepcopy(value)
        elif last in node:
            moved = node.pop(last)
            if action == "rename":
                node[str(value)] = moved
    return body


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return None
