"""Fixtures for application teams: each registered provider's faithful fake on loopback, with drift per test.

Any project with this package installed gets one fixture per provider, named `<provider>_fake` after the
registry (`contracts.providers.names()`), and the `vendor_drift(*names)` marker that switches catalogue drift
on for one test (the README shows both). Nothing here changes what a project collects: a fake is only served
while a test that asks for it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from contracts.errors import ContractsError
from contracts.fakes import DEFAULT_TEST_KEY, Fake, load_catalogue, make_fake, serve
from contracts.providers import get, names

MARKER = "vendor_drift"
MARKER_HELP = (
    f"{MARKER}(*names): the <provider>_fake fixtures of this test serve these drift catalogue entries"
    " (`contracts mock --list-drift`); each name must apply to at least one of the test's fakes"
)
SUFFIX = "_fake"


@dataclass(frozen=True)
class VendorFake:
    """A provider's fake, served on loopback for one test: hand `base_url` and `api_key` to the vendor's SDK."""

    provider: str
    base_url: str
    api_key: str
    model: str
    drift: tuple[str, ...]
    fake: Fake


def requested_drift(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The drift names of every `vendor_drift` marker on the test (closest first, each once)."""
    found: list[str] = []
    for marker in request.node.iter_markers(MARKER):
        if marker.kwargs or not all(isinstance(name, str) for name in marker.args):
            pytest.fail(f"{MARKER} takes drift names only, got {marker.args!r} {marker.kwargs!r}", pytrace=False)
        found += [name for name in marker.args if name not in found]
    return tuple(found)


def _drift_for(provider: str, request: pytest.FixtureRequest) -> tuple[str, ...]:
    wanted = requested_drift(request)
    used = [name.removesuffix(SUFFIX) for name in request.fixturenames if name.removesuffix(SUFFIX) in names()]
    applies = {entry.name: set(entry.providers) for entry in load_catalogue() if entry.name in wanted}
    for name in wanted:
        if not applies.get(name, set()) & set(used):
            where = f"defined for {', '.join(sorted(applies[name]))}" if name in applies else "not in the catalogue"
            pytest.fail(
                f"vendor_drift {name!r} is {where}, and this test uses {', '.join(used) or 'no fake'}; "
                "see `contracts mock --list-drift`",
                pytrace=False,
            )
    return tuple(name for name in wanted if provider in applies[name])


def fake_fixture(provider: str) -> Callable[..., Iterator[VendorFake]]:
    """The `<provider>_fake` fixture: a fresh fake per test, so no state or drift leaks between tests."""

    def serve_fake(request: pytest.FixtureRequest) -> Iterator[VendorFake]:
        drift = _drift_for(provider, request)
        try:
            # The fixed test key, never `$<PROVIDER>_API_KEY`: a real key in CI must not become the fake's.
            fake = make_fake(provider, api_key=DEFAULT_TEST_KEY, drift=drift)
        except ContractsError as exc:
            pytest.fail(str(exc), pytrace=False)
        with serve(fake) as base_url:
            yield VendorFake(provider, base_url, DEFAULT_TEST_KEY, get(provider).mock_model, drift, fake)

    serve_fake.__doc__ = f"The {get(provider).title} fake on loopback for one test (see `{MARKER}`)."
    return pytest.fixture(name=provider + SUFFIX)(serve_fake)


def fixtures() -> dict[str, Callable[..., Iterator[VendorFake]]]:
    """One fixture per registered provider, keyed by the module attribute pytest will find it under."""
    return {f"{provider}{SUFFIX}_fixture": fake_fixture(provider) for provider in names()}
