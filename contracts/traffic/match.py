"""Which provider and operation a recorded exchange belongs to, through the provider profiles and spec paths.

An exchange belongs to a provider when its host is the profile's real host (`Profile.base_url`), or, for any other
host (a fake on loopback, a proxy), when its path ends in one of the spec's path templates below the spec's base
path; two providers that share a path layout (OpenAI-compatible ones) are told apart only by host, or by the
`--provider` the user names. Exchanges that match nothing are counted and listed, never errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from contracts.providers import get
from contracts.specs import Operation, Spec
from contracts.traffic.recorded import Recorded

_PARAMETER = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Matched:
    """An exchange with its provider, operation and the path parameters read from its URL."""

    recorded: Recorded
    provider: str
    operation: Operation
    path_params: Mapping[str, str]


@dataclass(frozen=True)
class _Route:
    provider: str
    host: str
    operation: Operation
    pattern: re.Pattern[str]


def _pattern(base_path: str, template: str) -> re.Pattern[str]:
    """`.../v1/responses/{response_id}/cancel` as a regex anchored at the end; any mount path may come before."""
    parts, last = [], 0
    for found in _PARAMETER.finditer(template):
        parts += [re.escape(template[last : found.start()]), f"(?P<{found.group(1)}>[^/]+)"]
        last = found.end()
    parts.append(re.escape(template[last:]))
    return re.compile(f"(?:^|.*?){re.escape(base_path)}{''.join(parts)}/?$")


class Matcher:
    """Routes for the chosen providers' specs; `match` gives each exchange its provider and operation or None."""

    def __init__(self, specs: Mapping[str, Spec]) -> None:
        self.routes: list[_Route] = []
        for provider, spec in specs.items():
            base_path = urlsplit(spec.base_url).path.rstrip("/")
            host = (urlsplit(get(provider).base_url).hostname or "").lower()
            # Longer templates first, so `/responses/{id}/cancel` wins over `/responses/{id}`.
            for operation in sorted(spec.operations.values(), key=lambda op: -len(op.path)):
                self.routes.append(_Route(provider, host, operation, _pattern(base_path, operation.path)))

    def match(self, recorded: Recorded) -> Matched | None:
        """The provider and operation of one exchange, or None when none (or more than one provider) fits."""
        url = urlsplit(recorded.url)
        host, path = (url.hostname or "").lower(), url.path
        found: dict[str, Matched] = {}
        for route in self.routes:
            if route.provider in found or route.operation.method.upper() != recorded.method:
                continue
            hit = route.pattern.match(path)
            if hit is not None:
                params = {name: unquote(value) for name, value in hit.groupdict().items()}
                found[route.provider] = Matched(recorded, route.provider, route.operation, params)
        by_host = [matched for provider, matched in found.items() if self._host(provider) == host]
        if by_host:
            return by_host[0]
        return next(iter(found.values())) if len(found) == 1 else None

    def _host(self, provider: str) -> str:
        return next(route.host for route in self.routes if route.provider == provider)


def split(matcher: Matcher, exchanges: Iterable[Recorded]) -> tuple[list[Matched], list[Recorded]]:
    """The exchanges that belong to a provider, and those that match nothing (or are ambiguous)."""
    matched, unmatched = [], []
    for recorded in exchanges:
        found = matcher.match(recorded)
        if found is None:
            unmatched.append(recorded)
        else:
            matched.append(found)
    return matched, unmatched
