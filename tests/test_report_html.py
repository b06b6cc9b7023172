"""report.html in a real browser: headless Chromium renders it without console errors, with the right counts,
and its filters (preset from `location.hash`) hide exactly the rows that do not match.

Chromium comes from Debian's `chromium` package; the session fixture installs it when it is missing and we are
root, and skips with the reason only when it cannot be had.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from contracts.report.document import read_report
from contracts.report.history import read_history
from contracts.report.html import render_html

CASES = Path(__file__).parent / "cases" / "reports"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000")  # fmt: skip
INSTALL = "apt-get update -qq && apt-get install -y -qq chromium"


# One xdist worker runs the whole module (`--dist loadgroup`), so Chromium is started for the module's pages once.
pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary, installed from Debian's package on first use when we can."""
    found = shutil.which("chromium")
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("chromium is not installed and cannot be installed here (needs apt-get as root)")
    try:
        subprocess.run(["sh", "-c", INSTALL], check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"chromium could not be installed with `{INSTALL}`: {exc}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip(f"`{INSTALL}` finished but no chromium binary is on PATH")
    return found


@dataclass
class Page(HTMLParser):
    """What the dumped DOM shows: each drift row (visible or not) and each section's shown/total counts."""

    rows: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    counts: dict[str, tuple[str, str]] = field(default_factory=dict)
    overview: dict[str, list[str]] = field(default_factory=dict)
    points: int = 0

    def __post_init__(self) -> None:
        super().__init__()
        self._section = ""
        self._capture: str | None = None
        self._shown = ""
        self._row: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        classes = (attr.get("class") or "").split()
        if tag == "section" and "provider" in classes:
            self._section = attr["data-provider"] or ""
            self.rows[self._section] = []
        elif tag == "tbody" and "drift-item" in classes:
            self.rows[self._section].append((attr["data-fingerprint"] or "", "hidden" not in attr))
        elif tag == "span" and classes in (["shown"], ["total"]):
            self._capture = classes[0]
        elif tag == "tr" and attr.get("data-provider"):
            self._row = attr["data-provider"]
            self.overview[self._row] = []
        elif tag == "td" and self._row is not None:
            self._capture = "cell"
        elif tag == "circle" and "point" in classes:
            self.points += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._capture == "shown":
            self._shown = data
        elif self._capture == "total":
            self.counts[self._section] = (self._shown, data)
        elif self._capture == "cell" and self._row is not None:
            self.overview[self._row].append(data)
        self._capture = None


def browse(chromium: str, page: Path, fragment: str, profile: Path) -> tuple[Page, list[str]]:
    """Load `page#fragment`, let its script run, and return the resulting DOM and any console messages."""
    command = [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", f"{page.as_uri()}{fragment}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    parsed = Page()
    parsed.feed(done.stdout)
    return parsed, console


FILTERS = {
    "#filter=/status": ["090dac71406e56cc", "7dcc089aed724a7a", "05fe0ca80bbd6092"],
    "#filter=canceled%20enum": ["7dcc089aed724a7a"],
    "#kind=behavior&baseline=new": ["090dac71406e56cc", "05fe0ca80bbd6092"],
    "#kind=missing-field": [],
}


@pytest.fixture(scope="module")
def mixed_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = read_report(CASES / "mixed.json")
    page = tmp_path_factory.mktemp("html") / "report.html"
    page.write_text(render_html(report, read_history(CASES / "history")), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def loaded(
    chromium: str, mixed_page: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Page, list[str]]]:
    """The mixed report loaded plain and with each filter, in parallel browsers to keep the tests quick."""
    fragments = ["", *FILTERS]
    profiles = [tmp_path_factory.mktemp("profile") for _ in fragments]
    with ThreadPoolExecutor(max_workers=len(fragments)) as pool:
        results = pool.map(lambda args: browse(chromium, mixed_page, *args), zip(fragments, profiles, strict=True))
        return dict(zip(fragments, results, strict=True))


def test_the_report_renders_with_no_console_errors_and_the_expected_counts(
    loaded: dict[str, tuple[Page, list[str]]],
) -> None:
    page, console = loaded[""]
    assert console == []
    assert page.overview == {
        "yandex": ["yandex", "UNAVAILABLE", "0", "0", "0", "0", "0", "0", "1"],
        "mka1": ["mka1", "FAIL", "5", "1", "3", "2", "1", "1", "60"],
    }
    assert page.counts == {"mka1": ("6", "6")}
    assert [visible for _, visible in page.rows["mka1"]] == [True] * 6
    assert page.rows["yandex"] == []
    # Three earlier runs for mka1 minus one skipped, two for yandex (one run skipped both).
    assert page.points == 4


@pytest.mark.parametrize("fragment", list(FILTERS))
def test_a_filter_in_the_url_shows_only_matching_rows(loaded: dict[str, tuple[Page, list[str]]], fragment: str) -> None:
    page, console = loaded[fragment]
    visible = FILTERS[fragment]
    assert console == []
    assert [fingerprint for fingerprint, shown in page.rows["mka1"] if shown] == visible
    assert page.counts == {"mka1": (str(len(visible)), "6")}


def test_console_errors_would_be_caught(chromium: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><title>x</title><script>missingFunction();</script>", encoding="utf-8")
    _, console = browse(chromium, broken, "", tmp_path / "profile")
    assert len(console) == 1
    assert "Uncaught ReferenceError: missingFunction is not defined" in console[0]


def test_the_page_loads_nothing_from_elsewhere(mixed_page: Path) -> None:
    text = mixed_page.read_text(encoding="utf-8")
    assert "<link" not in text
    assert " src=" not in text
    assert (
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"" in text
    )
