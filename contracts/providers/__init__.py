"""The registry of provider profiles: every module in `contracts/providers/vendors/` that defines `PROFILE`.

Everything else in the package asks here for a provider; nothing outside the vendor modules names one.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from contracts.errors import ConfigError
from contracts.providers import vendors
from contracts.providers.profile import LiveConfig, Profile

__all__ = ["LiveConfig", "Profile", "get", "names", "parse", "profiles"]


@functools.cache
def profiles() -> dict[str, Profile]:
    """Every registered profile by name, sorted by name."""
    found: dict[str, Profile] = {}
    for info in pkgutil.iter_modules(vendors.__path__):
        profile = getattr(importlib.import_module(f"{vendors.__name__}.{info.name}"), "PROFILE", None)
        if isinstance(profile, Profile):
            found[profile.name] = profile
    return dict(sorted(found.items()))


def names() -> tuple[str, ...]:
    """The registered provider names, sorted."""
    return tuple(profiles())


def get(name: str) -> Profile:
    """The profile of one provider; an unknown name is one line (exit 2), never a fallback."""
    found = profiles().get(name)
    if found is None:
        raise ConfigError(f"unknown provider {name!r}", f"use one of: {', '.join(names())}")
    return found


def parse(value: str | None) -> tuple[str, ...]:
    """`all` (or nothing), one provider, or a comma-separated list, checked against the registry."""
    if value in (None, "", "all"):
        return names()
    chosen = tuple(dict.fromkeys(part.strip() for part in str(value).split(",") if part.strip()))
    unknown = [name for name in chosen if name not in profiles()]
    if unknown or not chosen:
        listed = ", ".join(repr(name) for name in unknown) or repr(value)
        raise ConfigError(f"unknown provider {listed}", f"use one of: all, {', '.join(names())}")
    return chosen
