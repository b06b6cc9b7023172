"""The test suite's conftest: keeps every test on loopback.

It lives in tests/, not at the root, so that the contract suite (contracts/suite.py) collected from any folder never
meets it: a live `pytest --provider …` must reach the vendor."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from typing import Any

import pytest

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# Sample projects are run by tests of their own (with pytester), never collected as part of this suite.
collect_ignore_glob = ["cases/*"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first: xdist hands tests out in this order, so two workers then finish together instead of
    one running the self-test alone at the end while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Exempt what import and collection built from garbage collection: each worker holds schemathesis' and
    hypothesis' large object graphs, and scanning them again in every full collection cost about a fifth of the
    suite's CPU time (measured: 120 s of user time before, 98 s after)."""
    gc.freeze()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection to a host other than loopback, naming the host."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in LOOPBACK and self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"tests run without network access; refused a connection to {host}")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield
