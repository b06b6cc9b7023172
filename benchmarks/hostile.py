"""`make bench-hostile`: wall time, exit code and peak memory of whole runs against each hostile vendor and file.

Each case runs in its own process (so its peak RSS is its own, read with `os.wait4`), as `contracts` would run in
a nightly job: a live run of the mka1 provider against the hostile loopback server of `tests/hostile.py`, or a
CLI command on a hostile file. The table goes to stdout and `reports/bench/hostile.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "MKA1_API_KEY"


def _live(rule: dict[str, object] | None, *args: str) -> Callable[[Path], int]:
    def case(folder: Path) -> int:
        from contracts.cli import main
        from contracts.fakes import make_fake
        from tests.hostile import Rule, serve_hostile

        rules = [Rule(**rule)] if rule is not None else []  # type: ignore[arg-type]
        with serve_hostile(make_fake("mka1", api_key=os.environ[KEY_ENV]), rules) as server:
            return main(["check", "--target", "live", "--provider", "mka1", "--seed", "3", "--base-url", server.url,
                         "--report-dir", str(folder), "--baseline-dir", str(folder), *args])  # fmt: skip

    return case


def _proxied(rule: dict[str, object]) -> Callable[[Path], int]:
    """An application's create and cancel through `contracts proxy` in front of the hostile server; judging runs
    in this process (not the proxy's child), so this process's peak is the judging's."""

    def case(folder: Path) -> int:
        import httpx

        from contracts.fakes import make_fake
        from contracts.proxy.server import build
        from tests.hostile import Rule, serve_hostile

        key = os.environ[KEY_ENV]
        with serve_hostile(make_fake("mka1", api_key=key), [Rule(**rule)]) as server:  # type: ignore[arg-type]
            proxy = build("mka1", server.url, say=lambda line: None, offload=False)
            with proxy.background() as base_url, httpx.Client(base_url=base_url, timeout=300) as client:
                headers = {"Authorization": f"Bearer {key}"}
                body = {"model": "meetkai:functionary-urdu-mini-pak", "input": "Hi", "background": True}
                created = client.post("/api/v1/llm/responses", json=body, headers=headers).json()
                with client.stream("POST", f"/api/v1/llm/responses/{created['id']}/cancel", headers=headers) as sent:
                    for _ in sent.iter_raw():
                        pass
        return proxy.finish().exit_code()

    return case


def _command(*words: str, setup: Callable[[Path], None] | None = None) -> Callable[[Path], int]:
    def case(folder: Path) -> int:
        from contracts.cli import main

        if setup is not None:
            setup(folder)
        return main([word.replace("{dir}", str(folder)) for word in words])

    return case


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text, encoding="utf-8") and None


ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
DEEP_JSON = "[" * 100_000 + "]" * 100_000
# The same live run against the same server with no hostile rule: the memory every other row is compared with.
CLEAN = "0 clean live run (the baseline)"
CASES: dict[str, Callable[[Path], int]] = {
    CLEAN: _live(None),
    "1 body trickling 1 byte/s, --deadline 10": _live(
        {"kind": "trickle-body", "interval": 1.0, "size": 1000}, "--deadline", "10"
    ),  # fmt: skip
    "2 cancel body nested 100,000 deep": _live({"kind": "deep", "size": 100_000}),
    "2 --seed -5 on the fake": _command("check", "--provider", "mka1", "--seed", "-5", "--report-dir", "{dir}"),
    "2 --seed 2**200 on the fake": _command(
        "check", "--provider", "mka1", "--seed", str(2**200), "--report-dir", "{dir}"
    ),  # fmt: skip
    "3 cancel that never answers, --deadline 30": _live({"kind": "hang"}, "--deadline", "30"),
    "3 cancel answering 503 forever": _live({"kind": "unavailable"}),
    "3 huge Retry-After, --deadline 30": _live({"kind": "unavailable", "seconds": 86400}, "--deadline", "30"),
    "4,6,8 hostile vendor text (surrogate, controls, ANSI, Markdown, HTML)": _live({"kind": "vendor-text"}),
    "5 key echoed in every encoding": _live({"kind": "echo-key"}),
    "7 1 GB gzip bomb on cancel": _live({"kind": "gzip-bomb", "size": 1 << 30}),
    "7 1 GB gzip bomb through contracts proxy": _proxied({"kind": "gzip-bomb", "size": 1 << 30}),
    "7 200 MB body on cancel": _live({"kind": "huge", "size": 200 << 20}),
    "9 spec-diff on a YAML alias bomb": _command(
        "spec-diff", "{dir}/bomb.yaml", "{dir}/bomb.yaml", setup=_write("bomb.yaml", ALIAS_BOMB)
    ),  # fmt: skip
    "9 report diff on a 100,000-deep drift.json": _command(
        "report", "diff", "{dir}/deep.json", "{dir}/deep.json", setup=_write("deep.json", DEEP_JSON)
    ),  # fmt: skip
    "10 NaN and Infinity in a cancel body": _live({"kind": "non-finite"}),
    "10 a 51 MB baseline": _command(
        "check",
        "--provider",
        "mka1",
        "--baseline-dir",
        "{dir}",
        "--report-dir",
        "{dir}/r",
        setup=_write("mka1.yaml", "# " + "x" * (51 << 20)),
    ),  # fmt: skip
}


def run_one(name: str) -> int:
    """Run one case in this process; the parent measures it."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    return CASES[name](folder)


def measure(name: str) -> dict[str, object]:
    """Run one case in a child process: its wall time, exit code and peak RSS."""
    env = os.environ | {KEY_ENV: f"sk-bench-{secrets.token_hex(16)}", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.hostile", "--one", name], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stderr is not None
    last = (child.stderr.read().decode(errors="replace").strip().splitlines() or [""])[-1]
    return {"case": name, "seconds": round(wall, 1), "exit": os.waitstatus_to_exitcode(status),
            "max_rss_mb": round(usage.ru_maxrss / 1024), "stderr": last[:120]}  # fmt: skip


def main() -> int:
    """Measure every case (or `--one NAME` runs a single case in this process, for the parent to measure)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench"))
    args = parser.parse_args()
    if args.one is not None:
        return run_one(args.one)
    rows = [measure(name) for name in CASES]
    clean = int(str(rows[0]["max_rss_mb"]))
    for row in rows:
        row["over_clean_mb"] = int(str(row["max_rss_mb"])) - clean
    lines = ["| case | wall s | exit | max RSS MB | over the clean run MB |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['case']} | {r['seconds']} | {r['exit']} | {r['max_rss_mb']} | {r['over_clean_mb']:+d} |" for r in rows
    ]
    worst = max(rows, key=lambda r: int(str(r["over_clean_mb"])))
    largest = f"Largest peak over the clean run: {worst['over_clean_mb']:+d} MB ({worst['case']})"
    lines += ["", f"{largest}; target <= +100 MB."]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "hostile.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
