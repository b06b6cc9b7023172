"""Turn the benchmark's raw samples into medians, ratios and targets, and render them as a Markdown table."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.proxy import render_proxy, summarize_proxy

CHECK_TARGET_SECONDS = 10.0
VALIDATION_TARGET_MS = 1.0
VERIFY_TARGET_PER_SECOND = 2000
CONFIGURATIONS = ("default", "live-budget")


def _median(samples: list[dict[str, Any]], name: str) -> float:
    return float(statistics.median(sample[name] for sample in samples))


def _rates(wall: float, engine: float, cases: float, requests: float) -> dict[str, float]:
    return {
        "wall_seconds": round(wall, 3),
        "engine_seconds": round(engine, 3),
        "cases": cases,
        "requests": requests,
        "cases_per_second": round(cases / wall, 1) if wall else 0.0,
        "requests_per_second": round(requests / wall, 1) if wall else 0.0,
        "engine_cases_per_second": round(cases / engine, 1) if engine else 0.0,
    }


def _tool(per_provider: dict[str, dict[str, Any]], tool: str) -> dict[str, float]:
    # Providers run one after the other, as `make check` runs them: sum the per-provider medians.
    runs = [samples[tool] for samples in per_provider.values()]
    total = {name: sum(_median(samples, name) for samples in runs) for name in ("wall", "engine", "cases", "requests")}
    return _rates(total["wall"], total["engine"], total["cases"], total["requests"])


def _ratio(ours: float, theirs: float) -> float:
    return round(ours / theirs, 2) if theirs else 0.0


def _drift(entries: list[dict[str, Any]], configuration: str) -> dict[str, Any]:
    runs = [e for e in entries if e["configuration"] == configuration]
    requests = [e["first_request"] for e in runs if e["caught"]]
    return {
        "caught": len(requests),
        "total": len(runs),
        "median_requests": float(statistics.median(requests)) if requests else None,
        "max_requests": max(requests) if requests else None,
    }


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    """Medians, rates, ratios and the four targets, from what `bench.measure` recorded."""
    check = raw["check"]
    check_rates = _rates(*(_median(check, name) for name in ("wall", "engine", "cases", "requests")))
    ours, st = _tool(raw["loopback"], "ours"), _tool(raw["loopback"], "st")
    validation = raw["validation"]
    batch = float(statistics.median(validation["batch_seconds"]))
    per_response_ms = batch / validation["responses"] * 1000 if validation["responses"] else 0.0
    drift = {name: _drift(raw["selftest"]["entries"], name) for name in CONFIGURATIONS}
    ratios = {name: _ratio(ours[name], st[name]) for name in ("cases_per_second", "requests_per_second",
                                                                "engine_cases_per_second")}  # fmt: skip
    verify = _verify(raw["verify"])
    verified = f"{verify['exchanges_per_second']:,}/s ({verify['wall_seconds']:.2f} s for {verify['exchanges']:,})"
    live, wall = drift["live-budget"], check_rates["wall_seconds"]
    targets = [
        {"target": f"mock run of every provider <= {CHECK_TARGET_SECONDS:g} s wall",
         "measured": f"{wall:.2f} s", "met": wall <= CHECK_TARGET_SECONDS},
        {"target": "cases/s >= plain `st run` (same fakes on loopback)",
         "measured": f"{ratios['cases_per_second']:.2f}x", "met": ratios["cases_per_second"] >= 1.0},
        {"target": "live budget (60 requests, 3 creates) catches every catalogue entry",
         "measured": f"{live['caught']}/{live['total']}", "met": live["caught"] == live["total"]},
        {"target": f"validating one response < {VALIDATION_TARGET_MS:g} ms on average",
         "measured": f"{per_response_ms:.3f} ms", "met": per_response_ms < VALIDATION_TARGET_MS},
        {"target": f"`contracts verify` >= {VERIFY_TARGET_PER_SECOND:,} exchanges/s wall",
         "measured": verified,
         "met": verify["exchanges_per_second"] >= VERIFY_TARGET_PER_SECOND},
    ]  # fmt: skip
    return {
        "seed": raw["seed"],
        "max_examples": raw["max_examples"],
        "repeats": raw["repeats"],
        "cpus": raw["cpus"],
        "check": check_rates,
        "loopback": {"ours": ours, "st": st, "ratio": ratios},
        "validation": {
            "responses": validation["responses"],
            "median_batch_seconds": round(batch, 4),
            "per_response_ms": round(per_response_ms, 3),
            "responses_per_second": round(validation["responses"] / batch) if batch else 0,
        },
        "verify": verify,
        "drift": drift,
        "selftest_seconds": round(raw["selftest"]["seconds"], 2),
        "targets": targets,
        # Older raw files (and the test case) predate the proxy.
        **({"proxy": summarize_proxy(raw["proxy"])} if "proxy" in raw else {}),
    }


def _verify(raw: dict[str, Any]) -> dict[str, Any]:
    """Median wall and CPU seconds of `contracts verify`, and exchanges per second of each."""
    wall, cpu = _median(raw["samples"], "wall"), _median(raw["samples"], "cpu")
    return {
        "exchanges": raw["exchanges"],
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "exchanges_per_second": round(raw["exchanges"] / wall) if wall else 0,
        "exchanges_per_cpu_second": round(raw["exchanges"] / cpu) if cpu else 0,
    }


def _row(name: str, rates: dict[str, float]) -> str:
    engine = f"{rates['engine_cases_per_second']:.1f}" if rates["engine_cases_per_second"] else "-"
    return (
        f"| {name} | {rates['wall_seconds']:.2f} | {rates['cases']:g} | {rates['requests']:g} | "
        f"{rates['cases_per_second']:.1f} | {rates['requests_per_second']:.1f} | {engine} |"
    )


def render(bench: dict[str, Any]) -> str:
    """The benchmark as Markdown: the runs side by side, then the targets, then the cost per caught drift."""
    loop, ratio = bench["loopback"], bench["loopback"]["ratio"]
    n = bench["max_examples"]
    lines = [
        f"Benchmark: medians of {bench['repeats']} runs, seed {bench['seed']}, {n} examples, {bench['cpus']} CPUs.",
        "",
        "| run | wall s | cases | requests | cases/s | requests/s | engine cases/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        _row("`contracts check`, every provider, in-process fakes", bench["check"]),
        _row("our engine (every layer), loopback fakes", loop["ours"]),
        _row(f"`st run -n {n} --phases fuzzing,stateful`, loopback fakes", loop["st"]),
        f"| ratio ours / `st run` (loopback) | | | | {ratio['cases_per_second']:.2f}x | "
        f"{ratio['requests_per_second']:.2f}x | {ratio['engine_cases_per_second']:.2f}x |",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'NO'} |" for t in bench["targets"]),
        "",
    ]
    validation = bench["validation"]
    lines.append(
        f"Validation: {validation['responses_per_second']:,} responses/s "
        f"({validation['per_response_ms']:.3f} ms each, median of batches of {validation['responses']})."
    )
    verify = bench["verify"]
    lines.append(
        f"Verify: {verify['exchanges_per_second']:,} exchanges/s ({verify['wall_seconds']:.2f} s wall for a HAR of"
        f" {verify['exchanges']:,}, reports written); {verify['exchanges_per_cpu_second']:,} per CPU-second."
    )
    for name in CONFIGURATIONS:
        d = bench["drift"][name]
        lines.append(
            f"Requests until a drift is caught ({name}): median {d['median_requests'] or 0:g}, max {d['max_requests']} "
            f"({d['caught']}/{d['total']} entries caught)."
        )
    if "proxy" in bench:
        lines += ["", render_proxy(bench["proxy"])]
    return "\n".join(lines)
