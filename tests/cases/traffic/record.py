"""Make the traffic recordings under this folder with the real tools, against `contracts mock` on loopback.

Run once from the repository root (see README.md here): `python tests/cases/traffic/record.py [MITMDUMP]`.
Needs the project's .venv (schemathesis' `st`, `openai`, `meetkai-mka1`, `vcrpy`) and, for the mitmproxy HAR,
a `mitmdump` 11 (installed apart from the project: it is not a test dependency). Tests only read the files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import vcr
from mka1 import SDK

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ROOT = HERE.parents[2]
KEY = "sk-recording-key-0001"
MODEL_MKA1 = "meetkai:functionary-urdu-mini-pak"
MODEL_YANDEX = "gpt://b1grecordfolder/yandexgpt-lite"


@contextlib.contextmanager
def mock(provider: str, port: int, drift: str | None = None) -> Iterator[str]:
    """`contracts mock` in a subprocess; yields its base URL."""
    argv = [str(BIN / "contracts"), "mock", "--provider", provider, "--port", str(port), "--api-key", KEY]
    argv += ["--drift", drift] if drift else []
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(10)


def schemathesis(provider: str, base_url: str, name: str, *extra: str) -> None:
    """`st run --report har,vcr` over the provider's spec (examples and fuzzing, fixed seed). Paths are relative
    to the repository root, because st writes its command line into the cassette."""
    spec, here = Path("specs") / provider / "openapi.yaml", HERE.relative_to(ROOT)
    subprocess.run([str(BIN / "st"), "run", str(spec), "--url", base_url, "-H", f"Authorization: Bearer {KEY}",
                    "--report", "har,vcr", "--report-har-path", str(here / f"{name}.har"),
                    "--report-vcr-path", str(here / f"{name}.yaml"), "--phases", "examples,fuzzing",
                    "--max-examples", "4", "--seed", "7", "--no-shrink", *extra], check=False,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def yandex_calls(base_url: str) -> None:
    """What an app does with the openai SDK: create in the background, cancel, cancel again, retrieve."""
    client = openai.OpenAI(api_key=KEY, base_url=base_url, project="b1grecordfolder", max_retries=0)
    created = client.responses.create(model=MODEL_YANDEX, input="Count to ten", background=True)
    for call in (client.responses.cancel, client.responses.cancel, client.responses.retrieve):
        with contextlib.suppress(openai.APIError):
            call(created.id)


def mka1_calls(base_url: str) -> None:
    """The same with MKA1's SDK."""
    with SDK(bearer_auth=KEY, server_url=base_url) as sdk:
        created = sdk.llm.responses.create(model=MODEL_MKA1, input="Count to ten", background=True, retries=None)
        for call in (sdk.llm.responses.cancel, sdk.llm.responses.cancel, sdk.llm.responses.get):
            with contextlib.suppress(Exception):  # the SDK raises on drift; the cassette keeps the answer
                call(response_id=created.id, retries=None)


def cassette(name: str, calls: Callable[[str], None], base_url: str) -> None:
    """vcrpy around an SDK; the key is filtered out as an app's test suite would."""
    path = HERE / f"{name}.yaml"
    path.unlink(missing_ok=True)
    recorder = vcr.VCR(filter_headers=[("authorization", "[FILTERED]")], record_mode="all")
    with recorder.use_cassette(str(path)):
        calls(base_url)


def mitmproxy(mitmdump: str, base_url: str, name: str, port: int) -> None:
    """mitmdump as a reverse proxy in front of the fake, writing a HAR (`hardump`); the openai SDK drives it."""
    upstream = base_url.rsplit("/v1", 1)[0]
    har = HERE / f"{name}.har"
    har.unlink(missing_ok=True)
    process = subprocess.Popen([mitmdump, "--mode", f"reverse:{upstream}", "--listen-host", "127.0.0.1",
                                "--listen-port", str(port), "--set", f"hardump={har}", "-q"])  # fmt: skip
    try:
        time.sleep(3)
        yandex_calls(f"http://127.0.0.1:{port}/v1")
    finally:
        process.terminate()
        process.wait(20)


def main() -> None:
    os.chdir(ROOT)
    mitmdump = sys.argv[1] if len(sys.argv) > 1 else shutil.which("mitmdump")
    with mock("yandex", 18501) as url:
        schemathesis("yandex", url, "st-yandex-clean")
    with mock("yandex", 18501, "not-found-text-html") as url:
        # Bodies kept as exact bytes, base64-encoded in the cassette.
        schemathesis("yandex", url, "st-yandex-not-found-text-html", "--report-preserve-bytes")
    for drift, suffix in ((None, "clean"), ("retrieve-disagrees-with-cancel", "retrieve-disagrees-with-cancel")):
        with mock("yandex", 18502, drift) as url:
            cassette(f"vcrpy-openai-yandex-{suffix}", yandex_calls, url)
    for drift, suffix in ((None, "clean"), ("cancel-not-idempotent", "cancel-not-idempotent")):
        with mock("mka1", 18503, drift) as url:
            cassette(f"vcrpy-mka1-{suffix}", mka1_calls, url)
    if mitmdump:
        for drift, suffix in ((None, "clean"), ("cancel-status-canceled", "cancel-status-canceled")):
            with mock("yandex", 18504, drift) as url:
                mitmproxy(mitmdump, url, f"mitmproxy-yandex-{suffix}", 18505)


if __name__ == "__main__":
    main()
