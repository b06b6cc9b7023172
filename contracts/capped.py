"""A body decoded from its content-encoding no further than a cap, so a gzip bomb costs the cap, not gigabytes.

The client reads a vendor's answer through it as the answer streams in; the proxy decodes the raw answer it
relays through it before judging. Both then mark a body cut at the cap (`client.truncated_at`), and the checks
report it instead of judging a part as if it were the whole.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

# The encodings decoded here, with zlib's window bits. Others (brotli, zstd) have no decoder installed with httpx
# here, so their bytes are read as they are, as httpx itself does.
DECOMPRESSORS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class EncodingError(ValueError):
    """The bytes are not valid in the content-encoding their headers claim."""


def encoding_of(headers: Iterable[tuple[str, str]]) -> str:
    """The content-encoding a response declares (`identity` when none), lower-cased."""
    for name, value in headers:
        if name.lower() == "content-encoding":
            return value.strip().lower()
    return "identity"


def decode_capped(chunks: Iterable[bytes], encoding: str, cap: int, *, whole: bool = False) -> tuple[bytes, bool]:
    """The body the raw `chunks` decode to, up to `cap` bytes, and whether it was cut there.

    Decompression asks zlib for at most the room left, so no chunk ever expands past the cap in memory. With
    `whole`, a compressed stream that ends early is an `EncodingError` (a recording cut short); without it, the
    part that came is the body (an answer cut on the wire, judged as what arrived).
    """
    wbits = DECOMPRESSORS.get(encoding)
    inflate = zlib.decompressobj(wbits) if wbits is not None else None
    body = bytearray()
    for data in chunks:
        pending = data
        while pending:
            room = cap + 1 - len(body)
            if inflate is None:
                piece, pending = pending[:room], b""
            else:
                try:
                    piece = inflate.decompress(pending, room)
                except zlib.error:
                    raise EncodingError(f"the body is not valid {encoding}") from None
                pending = inflate.unconsumed_tail
            body += piece
            if len(body) > cap:
                del body[cap:]
                return bytes(body), True
            if not piece:
                break
    if whole and inflate is not None and not inflate.eof:
        raise EncodingError(f"the body ends before its {encoding} stream does")
    return bytes(body), False
