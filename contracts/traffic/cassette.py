"""VCR cassettes: VCR.py's YAML (`interactions`, as vcrpy and pytest-recording write them) and schemathesis'
`--report vcr` (`http_interactions`), each read into `Recorded` exchanges in file order.

vcrpy's own YAML serializer loads with PyYAML's full loader, which builds arbitrary Python objects from tags; a
cassette is user input, so it goes through `contracts.loader.load_yaml` instead (safe loader, size and depth
capped, no aliases). The safe loader still understands `!!binary`, which vcrpy uses for non-UTF-8 bodies, and the
shapes below follow vcrpy's serializers (`vcr/serializers/compat.py`) and schemathesis' cassette writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts.loader import load_yaml
from contracts.traffic.recorded import (
    MALFORMED,
    Recorded,
    TrafficError,
    bad_entry,
    decode_body,
    entry_problem,
    judgement,
)

MAX_CASSETTE_BYTES = 256 * 1024 * 1024
FIX = "check that it is a whole VCR.py or schemathesis cassette"


def is_cassette(path: Path) -> bool:
    """Whether a file is named like a cassette (YAML); everything else is read as HAR."""
    return path.suffix.lower() in {".yaml", ".yml"}


def read_cassette(path: Path) -> list[Recorded]:
    """Every interaction of a cassette, in order; `TrafficError` for a file that is not one."""
    document = load_yaml(path, "cassette", FIX, error=TrafficError, max_bytes=MAX_CASSETTE_BYTES)
    if isinstance(document, dict) and isinstance(document.get("interactions"), list):
        return [_vcrpy(path, i, item) for i, item in enumerate(document["interactions"])]
    if isinstance(document, dict) and isinstance(document.get("http_interactions"), list):
        return [_schemathesis(path, i, item) for i, item in enumerate(document["http_interactions"])]
    raise bad_entry(path, None, "is not a cassette: it has no interactions (VCR.py) or http_interactions list", FIX)


def _vcrpy(path: Path, index: int, item: Any) -> Recorded:
    try:
        request, response = item["request"], item["response"]
        request_headers = _headers(request.get("headers") or {})
        response_headers = _headers(response.get("headers") or {})
        body = response.get("body") or {}
        raw = body.get("string", b"") if isinstance(body, dict) else body
        return _recorded(path, index, request, request_headers, _bytes(_request_body(request.get("body"))),
                         int(response["status"]["code"]), response_headers, _bytes(raw))  # fmt: skip
    except MALFORMED as exc:
        raise _malformed(path, index, exc) from None


def _schemathesis(path: Path, index: int, item: Any) -> Recorded:
    try:
        request, response = item["request"], item.get("response")
        if response is None:  # st records a request that got no answer (a timeout, a refused connection)
            raise bad_entry(path, index, "has no response: the request got no answer when it was recorded", FIX)
        request_headers = _headers(request.get("headers") or {})
        response_headers = _headers(response.get("headers") or {})
        return _recorded(path, index, request, request_headers, _st_body(request.get("body")),
                         int(response["status"]["code"]), response_headers, _st_body(response.get("body")))  # fmt: skip
    except MALFORMED as exc:
        raise _malformed(path, index, exc) from None


def _recorded(path: Path, index: int, request: Mapping[str, Any], request_headers: tuple[tuple[str, str], ...],
              request_body: bytes, status: int, response_headers: tuple[tuple[str, str], ...],
              raw: bytes) -> Recorded:  # fmt: skip
    lowered = {name.lower(): value for name, value in reversed(response_headers)}
    body, cut_at = decode_body(raw, None, lowered.get("content-encoding"))
    length = lowered.get("content-length", "")
    # A Content-Length describes the bytes on the wire: only an uncompressed body can be compared with it.
    declared = int(length) if length.isdigit() and "content-encoding" not in lowered else None
    return Recorded(
        source=str(path),
        index=index,
        method=str(request["method"]).upper(),
        url=str(request["uri"]),
        request_headers=request_headers,
        request_body=request_body,
        status=status,
        response_headers=response_headers,
        response_body=body,
        not_judged=judgement(lowered.get("content-type"), declared, body, cut_at=cut_at),
        cut_at=cut_at,
    )


def _headers(headers: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """`{name: [value, ...]}` (both formats) as ordered pairs."""
    pairs = []
    for name, values in headers.items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((str(name), str(value)))
    return tuple(pairs)


def _request_body(body: Any) -> Any:
    return body.get("string", b"") if isinstance(body, dict) else body


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    raise TypeError("a body is neither text nor bytes")


def _st_body(body: Any) -> bytes:
    """schemathesis writes `{encoding, string}`, or `{base64_string}` with `--report-preserve-bytes`."""
    if body is None:
        return b""
    if "base64_string" in body:
        return decode_body(_bytes(body["base64_string"]), "base64", None)[0]
    return _bytes(body.get("string", ""))


def _malformed(path: Path, index: int, exc: Exception) -> TrafficError:
    if isinstance(exc, TrafficError):
        return exc
    return bad_entry(path, index, entry_problem(exc, "a cassette interaction"), FIX)
