"""`contracts proxy` as a user runs it: a process stopped by SIGTERM writes reports and HAR, with no key anywhere."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.fakes import make_fake, serve
from contracts.model import Kind, Layer, Target
from contracts.report.document import read_report
from contracts.traffic.har import read_har
from tests.test_proxy import KEY, TENANT, mka1_session

DRIFT = "mka1-cancel-temperature-out-of-range"


def lines_of(process: subprocess.Popen[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """The process's stdout, line by line, readable with a timeout; the reader ends with the output."""
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return found, reader


def wait_for(lines: queue.Queue[str], start: str, seen: list[str]) -> str:
    """Read lines (keeping them in `seen`) up to the first one starting with `start`."""
    while not (line := lines.get(timeout=30)).startswith(start):
        seen.append(line)
    seen.append(line)
    return line


def test_a_proxy_stopped_by_sigterm_writes_its_reports_and_recording_without_any_key(tmp_path: Path) -> None:
    reports, recording = tmp_path / "reports", tmp_path / "har"
    with serve(make_fake("mka1", api_key=KEY, drift=(DRIFT,))) as upstream:
        command = [sys.executable, "-m", "contracts.cli", "proxy", "--provider", "mka1", "--port", "0",
                   "--upstream", upstream, "--report-dir", str(reports), "--record", str(recording),
                   # The consumer file crosses into the child process that judges the answers.
                   "--consumer", str(Path(__file__).parents[1] / "consumers" / "example.yaml")]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        (lines, reader), seen = lines_of(process), []
        base_url = wait_for(lines, "  base URL", seen).split()[2]
        answers = mka1_session(base_url)
        drift_line = wait_for(lines, "drift:", seen)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 1
    assert process.stderr is not None
    stderr = process.stderr.read()
    reader.join(timeout=10)
    while not lines.empty():
        seen.append(lines.get())
    report = read_report(reports / "drift.json")
    result = report.providers[0]
    assert (report.target, result.target, result.requests) == (Target.PROXY, Target.PROXY, len(answers))
    assert [(r.kind, r.location, r.layer) for r in result.drift] == [
        (Kind.CONSTRAINT_VIOLATION, "/temperature", Layer.TRAFFIC)
    ]
    message = result.drift[0].message
    assert (
        drift_line
        == f"drift: mka1 cancelResponse 200 constraint-violation /temperature (error, sdk-accepts): {message}"
    )
    assert (
        "mka1: FAIL (1 drift (1 error, 0 warnings): 1 new, 0 known, 0 expired; 1 fails the run) | impact: 1 sdk-accepts"
        in seen
    )
    assert [line for line in seen if line.startswith("note: ")] == [
        'note: consumer-spec mismatch: example expects status to be one of ["cancelled", "completed", "failed"], but'
        ' a createResponse 200 answer that follows the spec has "queued" at /status; the vendor documents it'
        " differently from what example reads"
    ]
    assert sorted(p.name for p in reports.iterdir()) == ["drift.json", "drift.md", "junit.xml", "report.html"]
    entries = read_har(recording / "mka1.har")
    assert [(e.method, e.status) for e in entries] == [("POST", 200), ("POST", 200), ("GET", 200)]
    assert {(k, v) for k, v in entries[0].request_headers if k.lower() in {"authorization", "x-on-behalf-of"}} == {
        ("authorization", "[REDACTED]"),
        ("x-on-behalf-of", "[REDACTED]"),
    }
    assert result.drift[0].reproduce.count("$MKA1_API_KEY") == 1
    outputs = ["\n".join(seen), stderr, *(p.read_text() for p in [*reports.iterdir(), *recording.iterdir()])]
    assert [text for text in outputs if KEY in text or TENANT in text or KEY[:12] in text] == []


def _taken_port() -> tuple[socket.socket, int]:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    return taken, taken.getsockname()[1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--provider", "nope"], "error: unknown provider 'nope'; use one of: mka1, openai, yandex"),
        (
            ["--provider", "yandex", "--upstream", "not a url"],
            "error: --upstream 'not a url' is not an http(s) URL; pass e.g. --upstream https://ai.api.cloud.yandex.net/v1",
        ),
        (
            ["--provider", "yandex", "--upstream", "http://vendor.example/v1"],
            "error: --upstream http://vendor.example/v1 uses plain http:// for a host that is not loopback;"
            " pass e.g. --upstream https://ai.api.cloud.yandex.net/v1",
        ),
        (
            ["--provider", "yandex", "--timeout", "0"],
            "error: --timeout must be a number of seconds above 0, got '0'; pass e.g. --timeout 120",
        ),
        (
            ["--provider", "yandex", "--port", "70000"],
            "error: cannot listen on 127.0.0.1:70000 (not a port number); pick another --port, or 0 for any free one",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    options: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["proxy", "--report-dir", str(tmp_path), *options]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message + "\n")


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken, port = _taken_port()
    with taken:
        code = main(["proxy", "--provider", "yandex", "--port", str(port), "--report-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        f"error: cannot listen on 127.0.0.1:{port} (Address already in use);"
        " pick another --port, or 0 for any free one\n"
    )


def test_without_the_proxy_extra_the_command_is_one_line_naming_the_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delitem(sys.modules, "contracts.proxy.server", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["proxy", "--provider", "yandex", "--report-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "error: `contracts proxy` needs uvicorn, which is not installed; pip install 'cancel-contracts[proxy]'\n"
    )
