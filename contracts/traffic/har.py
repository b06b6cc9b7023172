"""HAR 1.2: write every exchange of a run (credentials removed, retried attempts marked) and read HAR files back.

Writing (used by `contracts check --record` and by the proxy's `--record`)::

    writer = HarWriter(Path("out/yandex.har"), secrets=("the-api-key", "the-folder-id"), extra={"seed": 3})
    writer.add(request, response)                  # an httpx.Request and the httpx.Response it got
    writer.add(request, response, retried=True)    # an attempt the client retried (a 503, say)
    writer.add(request, None, retried=True, error="ConnectError")  # an attempt that got no answer
    writer.write()                                 # the whole file, atomically; safe to call again after more adds

`add` redacts at once, so nothing secret is kept even in memory: every header that carries a credential or a
tenant id (`contracts.redact.is_secret_header`: Authorization, `X-On-Behalf-Of`, folder and project ids) becomes
`[REDACTED]`, and every form of every secret in the URL, the other headers and both bodies is replaced through
`contracts.redact.redact`, the same function the reports use. Bodies are stored decoded (the client inflates
gzip), as text when they are UTF-8 and as `encoding: base64` otherwise. Custom fields, which HAR 1.2 allows with a
leading underscore: `_retried` (true on an attempt that was retried), `_truncated` (the body was cut at the
client's size cap), `_error` (the attempt got no answer; the response status is then 0).

`extra` becomes custom `log` fields (`_seed`, ...), redacted too; `read_log(path)` gives them back.

Reading: `read_har(path) -> list[Recorded]`, one per entry in file order, bodies decoded (base64, gzip), with
`not_judged` set for truncated or streamed bodies. A file that is not a HAR raises `TrafficError` (one line
naming the file and the entry, exit 2).
"""

from __future__ import annotations

import base64
import datetime
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx

from contracts.client import truncated_at
from contracts.loader import load_json
from contracts.redact import REDACTED, WIRE_HEADERS, is_secret_header, redact, redact_tree
from contracts.traffic.recorded import (
    MALFORMED,
    TRUNCATED,
    Recorded,
    TrafficError,
    bad_entry,
    decode_body,
    entry_problem,
    judgement,
)

FIX = "check that it is a whole HAR 1.2 file"
CREATOR = {"name": "cancel-contracts", "version": "1"}
# HAR files from browsers reach tens of MiB; a HAR is read whole, so a cap still applies.
MAX_HAR_BYTES = 256 * 1024 * 1024


class HarWriter:
    """Collects redacted entries and writes them as one HAR 1.2 document."""

    def __init__(
        self, path: Path, secrets: Iterable[str] = (), *, comment: str = "", extra: Mapping[str, Any] | None = None
    ) -> None:
        self.path = path
        self.secrets = tuple(secrets)
        self.comment = comment
        # Custom `log` fields (HAR 1.2 allows them with a leading underscore), such as the run's seed.
        self.extra = {f"_{name.lstrip('_')}": value for name, value in (extra or {}).items()}
        self.entries: list[dict[str, Any]] = []

    def add(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        *,
        retried: bool = False,
        error: str = "",
        started: datetime.datetime | None = None,
    ) -> None:
        """Keep one attempt, redacted now."""
        started = started or datetime.datetime.now(datetime.UTC)
        elapsed = 0.0
        if response is not None:
            try:
                elapsed = response.elapsed.total_seconds() * 1000
            except RuntimeError:  # a transport that never timed the exchange
                elapsed = 0.0
        entry: dict[str, Any] = {
            "startedDateTime": started.isoformat(),
            "time": round(elapsed, 3),
            "request": self._request(request),
            "response": self._response(response),
            "cache": {},
            "timings": {"send": 0, "wait": round(elapsed, 3), "receive": 0},
        }
        if retried:
            entry["_retried"] = True
            entry["comment"] = "retried: the client sent this request again"
        if error:
            entry["_error"] = redact(error, self.secrets)
        self.entries.append(entry)

    def document(self) -> dict[str, Any]:
        """The HAR document of every entry so far."""
        log: dict[str, Any] = {"version": "1.2", "creator": CREATOR, **redact_tree(self.extra, self.secrets)}
        log["entries"] = self.entries
        if self.comment:
            log["comment"] = redact(self.comment, self.secrets)
        return {"log": log}

    def write(self) -> Path:
        """Write the file whole (to a temporary name, then renamed), so a reader never sees half of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self.document(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, self.path)
        return self.path

    def _headers(self, headers: httpx.Headers) -> list[dict[str, str]]:
        return [
            {"name": name, "value": REDACTED if is_secret_header(name) else redact(value, self.secrets)}
            for name, value in headers.multi_items()
            if name.lower() not in WIRE_HEADERS
        ]

    def _content(self, data: bytes, media_type: str) -> dict[str, Any]:
        # Latin-1 maps bytes to characters one to one, so redaction keeps binary bodies byte-exact elsewhere.
        clean = redact(data.decode("latin-1"), self.secrets).encode("latin-1")
        content: dict[str, Any] = {"size": len(clean), "mimeType": media_type}
        try:
            content["text"] = clean.decode("utf-8")
        except UnicodeDecodeError:
            content["text"], content["encoding"] = base64.b64encode(clean).decode("ascii"), "base64"
        return content

    def _request(self, request: httpx.Request) -> dict[str, Any]:
        url = redact(str(request.url), self.secrets)
        body = request.content if isinstance(request.stream, httpx.ByteStream) else b""
        har: dict[str, Any] = {
            "method": request.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": self._headers(request.headers),
            "queryString": [{"name": name, "value": value} for name, value in httpx.URL(url).params.multi_items()],
            "headersSize": -1,
            "bodySize": len(body),
        }
        if body:
            content = self._content(body, request.headers.get("content-type", "application/octet-stream"))
            har["postData"] = {"mimeType": content["mimeType"], "text": content["text"]}
            if "encoding" in content:
                har["postData"]["encoding"] = content["encoding"]
        return har

    def _response(self, response: httpx.Response | None) -> dict[str, Any]:
        if response is None:
            empty: dict[str, Any] = {"size": 0, "mimeType": ""}
            return {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [], "content": empty,
                    "redirectURL": "", "headersSize": -1, "bodySize": -1}  # fmt: skip
        media_type = response.headers.get("content-type", "")
        content = self._content(response.content, media_type)
        har: dict[str, Any] = {
            "status": response.status_code,
            "statusText": response.reason_phrase,
            "httpVersion": response.http_version,
            "cookies": [],
            "headers": self._headers(response.headers),
            "content": content,
            "redirectURL": response.headers.get("location", ""),
            "headersSize": -1,
            "bodySize": content["size"],
        }
        cap = truncated_at(response)
        if cap is not None:
            har["_truncated"] = cap
            content["comment"] = f"cut at the client's cap of {cap:,} bytes"
        return har


def read_har(path: Path) -> list[Recorded]:
    """Every entry of a HAR file, in order; `TrafficError` for anything that is not a HAR 1.2 document."""
    log = read_log(path)
    return [_entry(path, index, entry) for index, entry in enumerate(log["entries"])]


def read_log(path: Path) -> dict[str, Any]:
    """The `log` object of a HAR file, its entries a list; `TrafficError` for anything else."""
    try:
        document = load_json(path, "HAR file", FIX, error=TrafficError,
                             max_bytes=MAX_HAR_BYTES)  # fmt: skip
    except TrafficError as exc:
        broken = _broken_entry(path)
        if broken is None:
            raise
        raise TrafficError(f"{exc.cause} (inside entry {broken})", exc.fix) from None
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(log, dict) or not isinstance(entries, list):
        raise bad_entry(path, None, "is not a HAR file: it has no log.entries list", FIX)
    return log


def _entry(path: Path, index: int, entry: Any) -> Recorded:
    try:
        request, response = entry["request"], entry["response"]
        request_headers = _pairs(request.get("headers", []))
        response_headers = _pairs(response.get("headers", []))
        posted = request.get("postData") or {}
        request_body = _text(posted.get("text", ""), posted.get("encoding"))
        content = response.get("content") or {}
        coding = next((v for k, v in response_headers if k.lower() == "content-encoding"), None)
        body, cut_at = decode_body(_text(content.get("text", ""), None), content.get("encoding"), coding)
        size = content.get("size")
        declared = size if isinstance(size, int) and size > 0 else None
        reason = judgement(content.get("mimeType"), declared, body, "text" in content or not declared, cut_at)
        if response.get("_truncated") and not reason:
            reason = TRUNCATED
        return Recorded(
            source=str(path),
            index=index,
            method=str(request["method"]).upper(),
            url=str(request["url"]),
            request_headers=request_headers,
            request_body=request_body,
            status=int(response["status"]),
            response_headers=response_headers,
            response_body=body,
            retried=bool(entry.get("_retried", False)),
            not_judged=reason,
            cut_at=cut_at,
            started=str(entry.get("startedDateTime", "")),
            elapsed_ms=float(entry.get("time") or 0.0),
        )
    except MALFORMED as exc:
        raise bad_entry(path, index, entry_problem(exc, "a HAR 1.2 entry"), FIX) from None


def _broken_entry(path: Path) -> int | None:
    """The index of the first entry that does not parse (a file cut short), found entry by entry; None if the
    entries list itself cannot be found. Only called once a file has already failed to parse."""
    text = path.read_bytes()[:MAX_HAR_BYTES].decode("utf-8", "replace")
    start = text.find('"entries"')
    position = text.find("[", start) + 1 if start >= 0 else 0
    if position <= 0:
        return None
    decoder, index = json.JSONDecoder(), 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return None if position < len(text) else index
        try:
            _, position = decoder.raw_decode(text, position)
        except ValueError:
            return index
        index += 1


def _pairs(headers: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(header["name"]), str(header["value"])) for header in headers)


def _text(text: Any, encoding: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError("body text is not a string")
    if isinstance(encoding, str) and encoding.lower() == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8", "surrogatepass")
