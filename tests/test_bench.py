"""The benchmark's outputs: medians, ratios and targets from raw samples, and the Markdown table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench import served, st_counts
from benchmarks.render import render, summarize
from contracts.fakes import DEFAULT_TEST_KEY

CASES = Path(__file__).parent / "cases" / "bench"


def raw() -> Any:
    return json.loads((CASES / "raw.json").read_text(encoding="utf-8"))


def test_the_summary_takes_medians_sums_providers_and_judges_each_target() -> None:
    bench = summarize(raw())

    assert bench["check"] == {
        "wall_seconds": 5.0,
        "engine_seconds": 0.0,
        "cases": 400.0,
        "requests": 400.0,
        "cases_per_second": 80.0,
        "requests_per_second": 80.0,
        "engine_cases_per_second": 0.0,
    }
    assert (bench["loopback"]["ours"]["wall_seconds"], bench["loopback"]["st"]["wall_seconds"]) == (5.0, 11.0)
    assert bench["loopback"]["ratio"] == {
        "cases_per_second": 1.66,
        "requests_per_second": 1.64,
        "engine_cases_per_second": 2.26,
    }
    assert bench["validation"] == {
        "responses": 400,
        "median_batch_seconds": 0.1,
        "per_response_ms": 0.25,
        "responses_per_second": 4000,
    }
    assert bench["drift"] == {
        "default": {"caught": 3, "total": 3, "median_requests": 10.0, "max_requests": 11},
        "live-budget": {"caught": 2, "total": 3, "median_requests": 6.0, "max_requests": 10},
    }
    assert [(t["measured"], t["met"]) for t in bench["targets"]] == [
        ("5.00 s", True),
        ("1.66x", True),
        ("2/3", False),
        ("0.250 ms", True),
        ("2,222/s (4.50 s for 10,000)", True),
    ]
    assert bench["verify"] == {
        "exchanges": 10000,
        "wall_seconds": 4.5,
        "cpu_seconds": 3.2,
        "exchanges_per_second": 2222,
        "exchanges_per_cpu_second": 3125,
    }


def test_the_markdown_table_shows_the_runs_side_by_side_then_the_targets() -> None:
    assert render(summarize(raw())) + "\n" == (CASES / "bench.md").read_text(encoding="utf-8")


def test_st_cases_and_engine_time_come_from_its_json_report() -> None:
    report = {"running_time": 3.99, "test_cases": {"generated": 127, "with_failures": 2}}

    assert st_counts(report) == {"cases": 127, "engine": 3.99}


def test_the_served_fake_counts_every_request_it_answers() -> None:
    with served("mka1", seed=5) as (base_url, counter):
        headers = {"Authorization": f"Bearer {DEFAULT_TEST_KEY}"}
        first = httpx.get(f"{base_url}/api/v1/llm/responses/resp_unknown0", headers=headers)
        second = httpx.post(f"{base_url}/api/v1/llm/responses/resp_unknown0/cancel")

    assert (first.status_code, second.status_code, counter.count) == (404, 401, 2)


def test_the_proxy_summary_takes_medians_of_repeats_of_the_added_latency_and_judges_each_target() -> None:
    from benchmarks.proxy import render_proxy, summarize_proxy

    samples = [
        {"direct": {"p50": 1.0, "p99": 4.0}, "proxied": {"p50": 2.5, "p99": 9.0}},
        {"direct": {"p50": 1.2, "p99": 5.0}, "proxied": {"p50": 4.0, "p99": 20.0}},
        {"direct": {"p50": 0.8, "p99": 3.0}, "proxied": {"p50": 2.0, "p99": 10.0}},
    ]
    summary = summarize_proxy({"rate": 200, "seconds": 3.0, "samples": samples})
    assert summary["p50"] == {"direct_ms": 1.0, "proxied_ms": 2.5, "added_ms": 1.5, "target_ms": 2.0, "met": True}
    assert summary["p99"] == {"direct_ms": 4.0, "proxied_ms": 10.0, "added_ms": 7.0, "target_ms": 10.0, "met": True}
    summary["p99"]["met"] = False
    assert render_proxy(summary).splitlines()[-2:] == [
        "| p50 | 1.00 ms | 2.50 ms | 1.50 ms | <= 2 ms | yes |",
        "| p99 | 4.00 ms | 10.00 ms | 7.00 ms | <= 10 ms | NO |",
    ]
