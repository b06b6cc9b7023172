"""One recorded exchange as every traffic format reads it: the request, the answer and where it came from."""

from __future__ import annotations

import base64
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import ContractsError

# The reasons an answer's body is counted but not judged.
TRUNCATED = "the recording holds only part of the body"
STREAMED = "a streamed (text/event-stream) body is not judged"
NOT_RECORDED = "the recording holds no body"


# What reading a malformed entry raises: a missing key, a wrong type, bad base64, gzip or deflate.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OSError, EOFError, zlib.error)


class TrafficError(ContractsError):
    """A traffic file that cannot be read: malformed, truncated, or holding no exchange for any provider."""


@dataclass(frozen=True)
class Recorded:
    """A request and its answer as recorded; headers in order, bodies as decoded bytes.

    `index` is the entry's position in its file (0-based), `retried` marks an attempt the client retried, and
    `not_judged` says why the body cannot be judged (truncated, streamed, absent), or is empty when it can."""

    source: str
    index: int
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    retried: bool = False
    not_judged: str = ""
    started: str = ""
    elapsed_ms: float = 0.0

    def header(self, name: str) -> str | None:
        """The first answer header of this name (case-insensitive), or None."""
        lowered = name.lower()
        return next((value for key, value in self.response_headers if key.lower() == lowered), None)

    @property
    def where(self) -> str:
        """`file entry N`, the way bad input and repros name an exchange."""
        return f"{self.source} entry {self.index}"


def bad_entry(path: Path | str, index: int | None, problem: str, fix: str) -> TrafficError:
    """The one-line error for a file (and entry) that cannot be read."""
    at = f" entry {index}" if index is not None else ""
    return TrafficError(f"{path}{at} {problem}", fix)


def decode_body(data: bytes, encoding: str | None, content_encoding: str | None) -> bytes:
    """A recorded body as the client saw it: base64 undone, then gzip or deflate undone when the header says so
    and the bytes are still compressed (most tools store them already decoded)."""
    if encoding is not None and encoding.lower() == "base64":
        data = base64.b64decode(data, validate=False)
    coding = (content_encoding or "").strip().lower()
    if coding in {"gzip", "x-gzip"} and data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if coding == "deflate" and data:
        try:
            return zlib.decompress(data)
        except zlib.error:
            return data  # already inflated by the tool that recorded it
    return data


def judgement(media_type: str | None, declared_size: int | None, body: bytes, has_body: bool = True) -> str:
    """Why a body is not judged, or "" when it is."""
    if media_type and media_type.split(";")[0].strip().lower() == "text/event-stream":
        return STREAMED
    if not has_body:
        return NOT_RECORDED
    if declared_size is not None and declared_size > len(body):
        return f"{TRUNCATED} ({len(body):,} of {declared_size:,} bytes)"
    return ""
