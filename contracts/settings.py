"""Run settings from the command line or pytest options, validated into one frozen object."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from contracts.errors import ConfigError
from contracts.specs import PROVIDERS

TARGETS = ("mock", "live")
MOCK_MAX_EXAMPLES = 25
LIVE_BUDGET = 60
LIVE_CREATE_BUDGET = 3
DEFAULT_DEADLINE = 600.0
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


def parse_providers(value: str | None) -> tuple[str, ...]:
    """`all`, one provider, or a comma-separated list, checked against the known providers."""
    if value in (None, "", "all"):
        return PROVIDERS
    chosen = tuple(part.strip() for part in str(value).split(",") if part.strip())
    unknown = [name for name in chosen if name not in PROVIDERS]
    if unknown or not chosen:
        raise ConfigError(
            f"unknown provider {', '.join(unknown) or value!r}", f"use one of: all, {', '.join(PROVIDERS)}"
        )
    return chosen


def settings_from_options(options: dict[str, Any], *, default_seed: int) -> Settings:
    """Validate raw option values (strings or None) into `Settings`; any problem is one `ConfigError` line."""
    target = options.get("target") or "mock"
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}", "use --target mock or --target live")
    drift = tuple(options.get("drift") or ())
    if drift and target != "mock":
        raise ConfigError("--drift applies only to the mock target", "drop --drift or use --target mock")
    seed = options.get("seed")
    if seed is not None and not str(seed).lstrip("-").isdigit():
        raise ConfigError(f"--seed must be a whole number, got {seed!r}", "pass e.g. --seed 42")
    deadline = options.get("deadline")
    try:
        deadline_value = float(deadline) if deadline is not None else DEFAULT_DEADLINE
    except ValueError:
        deadline_value = 0.0
    if not deadline_value > 0 or not math.isfinite(deadline_value):
        raise ConfigError(
            f"--deadline must be a number of seconds above 0, got {deadline!r}", "pass e.g. --deadline 600"
        )
    budget = _positive_int("budget", options.get("budget"))
    create_budget = _positive_int("create-budget", options.get("create_budget"))
    if target == "live":
        budget = budget or LIVE_BUDGET
        create_budget = create_budget or LIVE_CREATE_BUDGET
    providers = parse_providers(options.get("provider"))
    base_url = options.get("base_url") or None
    if base_url is not None:
        if target != "live":
            raise ConfigError("--base-url applies only to the live target", "drop --base-url or use --target live")
        if len(providers) != 1:
            raise ConfigError(
                "--base-url needs a single --provider (the vendors' paths differ)",
                "pass --provider yandex or --provider mka1, or set YANDEX_BASE_URL and MKA1_BASE_URL",
            )
        base_url = checked_base_url(str(base_url), "--base-url")
    paths = {
        name: Path(options[name]) if options.get(name) else None for name in ("report_dir", "baseline_dir", "history")
    }
    return Settings(
        providers=providers,
        target=target,
        base_url=base_url,
        report_dir=paths["report_dir"],
        seed=int(seed) if seed is not None else default_seed,
        max_examples=_positive_int("max-examples", options.get("max_examples")) or MOCK_MAX_EXAMPLES,
        budget=budget,
        create_budget=create_budget,
        deadline=deadline_value,
        drift=drift,
        require_live=bool(options.get("require_live")),
        baseline_dir=paths["baseline_dir"],
        history=paths["history"],
        started=time.monotonic(),
    )
