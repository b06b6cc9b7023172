"""One recorded exchange as every traffic format reads it: the request, the answer and where it came from."""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from pathlib import Path

from contracts.capped import EncodingError, decode_capped
from contracts.client import MAX_BODY_BYTES
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
    # The body decoded to more than this many bytes and was cut there, as a live run cuts it (a drift).
    cut_at: int | None = None
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


def entry_problem(exc: Exception, what: str) -> str:
    """Why an entry cannot be read, for `bad_entry`: a missing key, a body its Content-Encoding does not decode, or
    any other malformed value."""
    if isinstance(exc, KeyError):
        return f"lacks {exc}: not {what}"
    if isinstance(exc, EncodingError):
        return f"holds an answer whose body is not what its Content-Encoding says ({exc})"
    return f"is malformed ({type(exc).__name__}): not {what}"


def decode_body(
    data: bytes, encoding: str | None, content_encoding: str | None, cap: int = MAX_BODY_BYTES
) -> tuple[bytes, int | None]:
    """A recorded body as the client saw it, and the cap it was cut at (None when whole): base64 undone, then gzip or
    deflate undone when the header says so and the bytes are still compressed (most tools store them already
    decoded). As in a live run, no body decodes past `cap`: a 1 MB gzip bomb in a HAR costs 16 MiB, not 1 GB."""
    if encoding is not None and encoding.lower() == "base64":
        data = base64.b64decode(data, validate=False)
    coding = (content_encoding or "").strip().lower()
    if coding in {"gzip", "x-gzip"} and data[:2] == b"\x1f\x8b":
        body, cut = decode_capped([data], "gzip", cap, whole=True)
    elif coding == "deflate" and data:
        try:
            body, cut = decode_capped([data], "deflate", cap, whole=True)
        except EncodingError:  # already inflated by the tool that recorded it
            body, cut = decode_capped([data], "identity", cap)
    else:
        body, cut = decode_capped([data], "identity", cap)
    return body, cap if cut else None


def judgement(
    media_type: str | None, declared_size: int | None, body: bytes, has_body: bool = True, cut_at: int | None = None
) -> str:
    """Why a body is not judged, or "" when it is. A body cut here at `cut_at` was whole in the recording (it is
    judged as drift, as a live run judges it), so its declared size says nothing about the recorder."""
    if media_type and media_type.split(";")[0].strip().lower() == "text/event-stream":
        return STREAMED
    if not has_body:
        return NOT_RECORDED
    if cut_at is None and declared_size is not None and declared_size > len(body):
        return f"{TRUNCATED} ({len(body):,} of {declared_size:,} bytes)"
    return ""
