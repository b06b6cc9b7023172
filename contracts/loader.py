"""The one safe way to read a YAML or JSON file the tool is given: size cap, depth cap, no YAML aliases, UTF-8 only.

Specs, baselines, severities tables, drift.json reports and history entries are all user-supplied files. Without
limits a 0.8 KB YAML alias bomb grows to gigabytes, a 2,000-deep document raises RecursionError in PyYAML's
composer, and a binary file gives a traceback. Here every such file either loads or raises the caller's
`ContractsError` subclass with one line naming the file, the problem and the fix (exit 2).

Depth and aliases are checked on the parser's event stream, which is flat (no recursion), before PyYAML composes
anything; JSON goes through `contracts.body.parse_json`, which measures depth before parsing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from contracts.body import parse_json
from contracts.errors import ConfigError, ContractsError

# Far above any spec, baseline or report we write (the largest packaged spec is well under 1 MiB).
MAX_BYTES = 16 * 1024 * 1024
# OpenAPI specs nest about 25 levels; PyYAML composes with a few Python frames per level, so 100 stays far
# from the interpreter's 1000-frame limit.
MAX_DEPTH = 100
# The C event parser when PyYAML was built with libyaml: the pre-scan is then a small fraction of the load.
_EVENT_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def package_path(*parts: str) -> Path:
    """A file or folder shipped inside the `contracts` package, found with importlib.resources.

    The wheel is installed unpacked (it is not zip-safe), so the resource is a real path that specs and
    readers can hold; a zipped install is refused by name rather than failing later on a missing file.
    """
    found = resources.files("contracts").joinpath(*parts)
    if not isinstance(found, Path):
        raise ConfigError(f"the contracts package is not installed as files ({found})", "install it with pip")
    return found


class DatesAsStrings(yaml.SafeLoader):
    """Safe YAML that keeps `2026-01-31` a string, so a bad date is reported by its reader, not by PyYAML."""


DatesAsStrings.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_capped(
    path: Path, what: str, fix: str, *, error: type[ContractsError] = ConfigError, max_bytes: int = MAX_BYTES,
    read_fix: str | None = None,
) -> bytes:  # fmt: skip
    """The file's bytes, refusing one larger than `max_bytes` before reading it all."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise error(f"cannot read {_name(what, path)}: {reason}", read_fix or fix) from None
    if len(data) > max_bytes:
        raise error(f"{_name(what, path)} is larger than {max_bytes:,} bytes", "check that it is the right file")
    return data


def load_yaml(
    path: Path, what: str, fix: str, *, error: type[ContractsError] = ConfigError, max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH, loader: type[yaml.SafeLoader] = yaml.SafeLoader, read_fix: str | None = None,
) -> Any:  # fmt: skip
    """A YAML file's value; `what` names the file in messages (`"spec file"`), `fix` says what to do about it."""
    data = read_capped(path, what, fix, error=error, max_bytes=max_bytes, read_fix=read_fix)
    name = _name(what, path)
    text = _utf8(data, name, fix, error)
    try:
        _check_events(text, max_depth)
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass
    except _Refused as exc:
        raise error(f"{name} {exc}", fix) from None
    except yaml.YAMLError as exc:
        raise error(f"{name} is not valid YAML{_where(exc)}", fix) from None


def load_json(
    path: Path, what: str, fix: str, *, error: type[ContractsError] = ConfigError, max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH, read_fix: str | None = None,
) -> Any:  # fmt: skip
    """A JSON file's value under the same limits; NaN and Infinity are refused, as RFC 8259 says."""
    data = read_capped(path, what, fix, error=error, max_bytes=max_bytes, read_fix=read_fix)
    _utf8(data, _name(what, path), fix, error)
    parsed = parse_json(data, max_depth)
    if not parsed.ok:
        raise error(f"{_name(what, path)} is {parsed.detail}", fix)
    return parsed.value


class _Refused(Exception):
    """A YAML document the loader will not compose: too deep, or using aliases."""


def _check_events(text: str, max_depth: int) -> None:
    try:
        _scan_events(text, max_depth, _EVENT_LOADER)
    except yaml.YAMLError:
        # libyaml words errors differently (and stops at its own depth limit): rescan in PyYAML's words.
        _scan_events(text, max_depth, yaml.SafeLoader)


def _scan_events(text: str, max_depth: int, loader: type[Any]) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise _Refused(f"nests deeper than {max_depth} levels{_line(event)}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            # Aliases are how a few hundred bytes expand to gigabytes; none of our files needs them.
            raise _Refused(f"uses a YAML alias (*{event.anchor}){_line(event)}, which is not accepted")


def _utf8(data: bytes, name: str, fix: str, error: type[ContractsError]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{name} is not UTF-8 text (byte {exc.start}; a binary file?)", fix) from None


def _name(what: str, path: Path) -> str:
    return f"{what} {path}" if what else str(path)


def _line(event: yaml.Event) -> str:
    mark = event.start_mark
    return f" at line {mark.line + 1}" if mark is not None else ""


def _where(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
    return f": {problem}{at}" if problem else at
