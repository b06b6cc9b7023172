"""Run settings from the command line or pytest options (`contracts.options`), validated once into a frozen object."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from contracts.checks import check_names
from contracts.client import MAX_BODY_BYTES
from contracts.errors import ConfigError
from contracts.impact import Consumer, load_consumer
from contracts.model import FailOn
from contracts.providers import get, parse

TARGETS = ("mock", "live", "replay")
FORMATS = ("text", "github")
MOCK_MAX_EXAMPLES = 25
LIVE_BUDGET = 60
LIVE_CREATE_BUDGET = 3
DEFAULT_DEADLINE = 600.0
LIVE_RETRIES = 4
LIVE_TIMEOUT = 30.0
BACKOFF = 0.5
MAX_BACKOFF = 30.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Settings:
    """Everything a contract run needs to know before it starts."""

    providers: tuple[str, ...]
    target: str = "mock"
    base_url: str | None = None
    report_dir: Path | None = None
    seed: int = 0
    max_examples: int = MOCK_MAX_EXAMPLES
    budget: int | None = None
    create_budget: int | None = None
    deadline: float = DEFAULT_DEADLINE
    drift: tuple[str, ...] = ()
    require_live: bool = False
    baseline_dir: Path | None = None
    history: Path | None = None
    spec_dir: Path | None = None
    request_timeout: float = LIVE_TIMEOUT
    retries: int = LIVE_RETRIES
    backoff: float = BACKOFF
    max_backoff: float = MAX_BACKOFF
    exclude_checks: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    consumers: tuple[Consumer, ...] = ()
    fail_on: FailOn = FailOn.ERROR
    # The self-test asks only whether each planted drift is caught: it skips the SDK judges' start-up per worker.
    judge_impact: bool = True
    record_dir: Path | None = None
    replay_dir: Path | None = None
    output_format: str = "text"
    # When the run began (monotonic): the deadline covers the whole run, not each provider on its own.
    started: float | None = field(default=None, compare=False)


def _positive_int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0 or str(value).strip() != str(number):
        raise ConfigError(f"--{name} must be a whole number above 0, got {value!r}", f"pass e.g. --{name} 60")
    return number


def body_cap(value: Any) -> int:
    """`--max-body-bytes`: the decoded bytes kept of one answer (default 16 MiB)."""
    return _positive_int("max-body-bytes", value) or MAX_BODY_BYTES


def _seconds(name: str, value: Any, default: float, *, zero: bool = False) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        above = "0 or more" if zero else "above 0"
        raise ConfigError(
            f"--{name} must be a number of seconds {above}, got {value!r}", f"pass e.g. --{name} {default:g}"
        )
    return number


def _count(name: str, value: Any, default: int) -> int:
    text = str(value).strip() if value is not None else ""
    if value is None:
        return default
    if not text.isdigit():
        raise ConfigError(f"--{name} must be a whole number, 0 or more, got {value!r}", f"pass e.g. --{name} 4")
    return int(text)


def checked_base_url(url: str, source: str) -> str:
    """An http(s) base URL without credentials; plain http only on loopback. `source` names where it came from."""
    try:
        parts = urlsplit(url.strip())
        host, _ = parts.hostname, parts.port
    except ValueError:
        parts, host = urlsplit(""), None
    if parts.username is not None or parts.password is not None:
        # The URL itself is not echoed: whatever sits before the `@` (or in a query) is likely a key.
        raise ConfigError(f"{source} has credentials in it", "set the key in its environment variable instead")
    if parts.query or parts.fragment:
        raise ConfigError(f"{source} has a query or fragment", "pass only scheme, host, port and path")
    if parts.scheme not in {"http", "https"} or not host:
        raise ConfigError(f"{source} {url!r} is not an http(s) URL", "pass e.g. --base-url https://host/v1")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"{source} {url} uses plain http:// for a host that is not loopback", "use https:// for remote hosts"
        )
    return url.strip().rstrip("/")


def consumers_from(paths: Iterable[str] | None) -> tuple[Consumer, ...]:
    """The `--consumer` files, each read and checked against its schema (a bad one is one `ConfigError` line)."""
    return tuple(load_consumer(Path(path)) for path in paths or ())


def fail_on_rule(value: Any, providers: tuple[str, ...]) -> FailOn:
    """The `--fail-on` rule; one that asks the SDKs needs them installed, or every run would pass unjudged."""
    if value is None:
        return FailOn.ERROR
    if value not in set(FailOn):
        choices = ", ".join(str(rule) for rule in FailOn)
        raise ConfigError(f"unknown --fail-on {value!r}", f"use one of: {choices}")
    judges = [get(name).sdk_judge for name in providers]
    missing = sorted({judge.distribution for judge in judges if judge is not None and not judge.available()})
    if missing and value != FailOn.ERROR:
        raise ConfigError(
            f"--fail-on {value} needs the vendor SDKs, and {', '.join(missing)} is not installed",
            "pip install 'cancel-contracts[sdk]', or drop --fail-on",
        )
    return FailOn(value)


def settings_from_options(options: dict[str, Any], *, default_seed: int) -> Settings:
    """Validate raw option values (strings or None) into `Settings`; any problem is one `ConfigError` line."""
    target = options.get("target") or "mock"
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}", "use --target mock, live or replay")
    drift = tuple(options.get("drift") or ())
    if drift and target != "mock":
        raise ConfigError("--drift applies only to the mock target", "drop --drift or use --target mock")
    seed = options.get("seed")
    # Any whole number is a seed (hypothesis and the fakes take them all); only text that is not one is refused.
    if seed is not None and not str(seed).strip().removeprefix("-").isdigit():
        raise ConfigError(f"--seed must be a whole number, got {seed!r}", "pass e.g. --seed 42")
    deadline_value = _seconds("deadline", options.get("deadline"), DEFAULT_DEADLINE)
    budget = _positive_int("budget", options.get("budget"))
    create_budget = _positive_int("create-budget", options.get("create_budget"))
    if target in ("live", "replay"):  # a replay stops where the live run it recorded stopped
        budget = budget or LIVE_BUDGET
        create_budget = create_budget or LIVE_CREATE_BUDGET
    providers = parse(options.get("provider"))
    base_url = options.get("base_url") or None
    if base_url is not None:
        if target != "live":
            raise ConfigError("--base-url applies only to the live target", "drop --base-url or use --target live")
        if len(providers) != 1:
            raise ConfigError(
                "--base-url needs a single --provider (the vendors' paths differ)",
                "pass one --provider, or set each provider's <NAME>_BASE_URL variable",
            )
        base_url = checked_base_url(str(base_url), "--base-url")
    paths = {
        name: Path(options[name]) if options.get(name) else None
        for name in ("report_dir", "baseline_dir", "history", "spec_dir", "record", "from")
    }
    _check_recording(target, paths["record"], paths["from"])
    if paths["spec_dir"] is not None and not paths["spec_dir"].is_dir():
        raise ConfigError(f"--spec-dir {paths['spec_dir']} is not a folder", "pass a folder of <provider>/openapi.yaml")
    # GitHub sets GITHUB_ACTIONS=true in every workflow step: annotations are then what a reader of the run sees.
    output_format = options.get("format") or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if output_format not in FORMATS:
        raise ConfigError(f"unknown --format {output_format!r}", "use --format text or --format github")
    excluded = tuple(options.get("exclude_check") or ())
    check_names(excluded)
    consumers = consumers_from(options.get("consumer"))
    return Settings(
        providers=providers,
        target=target,
        base_url=base_url,
        report_dir=paths["report_dir"],
        seed=int(str(seed).strip()) if seed is not None else default_seed,
        max_examples=_positive_int("max-examples", options.get("max_examples")) or MOCK_MAX_EXAMPLES,
        budget=budget,
        create_budget=create_budget,
        deadline=deadline_value,
        drift=drift,
        require_live=bool(options.get("require_live")),
        baseline_dir=paths["baseline_dir"],
        history=paths["history"],
        spec_dir=paths["spec_dir"],
        request_timeout=_seconds("request-timeout", options.get("request_timeout"), LIVE_TIMEOUT),
        retries=_count("retries", options.get("retries"), LIVE_RETRIES),
        backoff=_seconds("backoff", options.get("backoff"), BACKOFF, zero=True),
        max_backoff=_seconds("max-backoff", options.get("max_backoff"), MAX_BACKOFF, zero=True),
        exclude_checks=excluded,
        max_body_bytes=body_cap(options.get("max_body_bytes")),
        consumers=consumers,
        fail_on=fail_on_rule(options.get("fail_on"), providers),
        record_dir=paths["record"],
        replay_dir=paths["from"],
        output_format=output_format,
        started=time.monotonic(),
    )


def _check_recording(target: str, record: Path | None, source: Path | None) -> None:
    """`--from` goes with the replay target, and only with it; a replay sends nothing, so it records nothing."""
    if target == "replay" and source is None:
        raise ConfigError("--target replay needs --from DIR", "pass the folder a `--record DIR` run wrote")
    if target != "replay" and source is not None:
        raise ConfigError("--from applies only to --target replay", "add --target replay or drop --from")
    if target == "replay" and record is not None:
        raise ConfigError("--record does not apply to --target replay", "a replay sends nothing; drop --record")
    if source is not None and not source.is_dir():
        raise ConfigError(f"--from {source} is not a folder", "pass the folder a `--record DIR` run wrote")
