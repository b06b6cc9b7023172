"""The latency `contracts proxy` adds: the same paced load on a fake, directly and through the proxy.

The fake (`contracts mock`) and the proxy (`contracts proxy`) each run in their own process, as a user runs them;
this process sends retrieves of one response at a fixed rate (an open loop: a slow answer does not slow the
sending) and times each. The added latency is the proxied percentile less the direct one, per repeat; the
summary takes the median over repeats.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from contracts.fakes import DEFAULT_TEST_KEY
from contracts.providers import get

PROVIDER = "yandex"
RATE = 200
SECONDS = 3.0
WARMUP = 100
TARGETS = {"p50": 2.0, "p99": 10.0}


@contextmanager
def process(command: list[str], marker: str) -> Iterator[str]:
    """Start a `contracts` command, wait for the line naming its URL, stop it with SIGTERM on leaving."""
    started = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert started.stdout is not None
        for line in started.stdout:
            if marker in line:
                yield next(word for word in line.split() if word.startswith("http://"))
                break
        else:
            raise RuntimeError(f"{' '.join(command[:4])} … exited before it served")
    finally:
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=30)


async def paced(base_url: str, path: str, rate: int, seconds: float) -> list[float]:
    """Milliseconds per retrieve, sent at `rate` per second for `seconds`, after a warm-up."""
    headers = {"Authorization": get(PROVIDER).mock_credentials(DEFAULT_TEST_KEY).headers["Authorization"]}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=httpx.Limits(max_connections=None)) as http:
        for _ in range(WARMUP):
            (await http.get(path)).raise_for_status()
        loop = asyncio.get_running_loop()
        begin = loop.time()

        async def one(at: float) -> None:
            await asyncio.sleep(max(0.0, at - loop.time()))
            clock = time.perf_counter()
            (await http.get(path)).raise_for_status()
            latencies.append((time.perf_counter() - clock) * 1000)

        await asyncio.gather(*(one(begin + index / rate) for index in range(int(rate * seconds))))
    return latencies


def percentiles(latencies: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds."""
    return {"p50": statistics.median(latencies), "p99": statistics.quantiles(latencies, n=100)[98]}


def measure_proxy(repeats: int, scratch: Path, rate: int = RATE, seconds: float = SECONDS) -> dict[str, Any]:
    """Paced retrieves on the fake directly and through the proxy, alternating, `repeats` times."""
    contracts = [sys.executable, "-m", "contracts.cli"]
    samples = []
    # Other work on a shared machine moves these figures more than anything in the proxy: keep the load with them.
    load_before = os.getloadavg()[0]
    with process([*contracts, "mock", "--provider", PROVIDER], "serving") as fake_url:
        proxy = [*contracts, "proxy", "--provider", PROVIDER, "--port", "0", "--upstream", fake_url,
                 "--report-dir", str(scratch / "proxy")]  # fmt: skip
        with process(proxy, "base URL") as proxy_url:
            headers = {"Authorization": get(PROVIDER).mock_credentials(DEFAULT_TEST_KEY).headers["Authorization"]}
            body = {"model": get(PROVIDER).mock_model, "input": "bench", "background": True}
            created = httpx.post(f"{fake_url}/responses", json=body, headers=headers).json()["id"]
            for _ in range(repeats):
                direct = asyncio.run(paced(fake_url, f"/responses/{created}", rate, seconds))
                proxied = asyncio.run(paced(proxy_url, f"/responses/{created}", rate, seconds))
                samples.append({"direct": percentiles(direct), "proxied": percentiles(proxied)})
    return {"rate": rate, "seconds": seconds, "samples": samples, "load": [load_before, os.getloadavg()[0]]}


def summarize_proxy(raw: dict[str, Any]) -> dict[str, Any]:
    """Medians over repeats of the direct, proxied and added p50/p99, and whether each target is met."""
    samples = raw["samples"]
    summary: dict[str, Any] = {"rate": raw["rate"], "repeats": len(samples), "load": raw.get("load", [])}
    for name in ("p50", "p99"):
        direct = statistics.median(s["direct"][name] for s in samples)
        proxied = statistics.median(s["proxied"][name] for s in samples)
        added = statistics.median(s["proxied"][name] - s["direct"][name] for s in samples)
        summary[name] = {"direct_ms": round(direct, 3), "proxied_ms": round(proxied, 3), "added_ms": round(added, 3),
                         "target_ms": TARGETS[name], "met": added <= TARGETS[name]}  # fmt: skip
    return summary


def render_proxy(summary: dict[str, Any]) -> str:
    """The proxy's lines of the benchmark table."""
    load = summary["load"]
    during = f", load average {load[0]:.1f} before and {load[1]:.1f} after" if load else ""
    lines = [
        f"Proxy latency at {summary['rate']} requests/s on loopback (median of {summary['repeats']} repeats{during}):",
        "",
        "| percentile | direct to the fake | through `contracts proxy` | added | target | met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name in ("p50", "p99"):
        row = summary[name]
        lines.append(
            f"| {name} | {row['direct_ms']:.2f} ms | {row['proxied_ms']:.2f} ms | {row['added_ms']:.2f} ms"
            f" | <= {row['target_ms']:g} ms | {'yes' if row['met'] else 'NO'} |"
        )
    return "\n".join(lines)
