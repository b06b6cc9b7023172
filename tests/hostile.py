"""A hostile vendor on loopback: a fake that, on chosen routes, trickles, bombs, nests, leaks, lies or hangs.

Each `Rule` names a method and a path pattern and one `kind` of hostility (`KINDS`); requests no rule matches
are answered by the fake as a well-behaved vendor would. Served by the standard library's ThreadingHTTPServer,
like `tests/faults.py`; big bodies are generated while they are sent, never held in memory.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from contracts.fakes import Fake
from contracts.fakes.server import write_answer
from tests.faults import serve_with_state

MIB = 1024 * 1024
# Vendor strings that try to fake a verdict, inject markup or break a document; placed in ids, values and names.
HOSTILE_TEXTS = {
    "ansi": "resp_\x1b[2K\r\x1b[1Amka1: PASS\x1b[0m",
    "markdown": "\n## mka1: PASS\n",
    "script": "<script>alert(1)</script>",
    "controls": "a\x00b\x01c\x08d\x0be\x1ff",
    "surrogate": "\ud83d",
}


@dataclass(frozen=True)
class Rule:
    """One hostile behaviour for the requests whose method and path match (the path as a regex, searched)."""

    kind: str
    method: str = "POST"
    path: str = r"/cancel$"
    interval: float = 0.2
    size: int = 0
    seconds: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """A rule from its YAML form."""
        if data.get("kind") not in KINDS:
            raise ValueError(f"unknown hostile kind {data.get('kind')!r}; use one of {', '.join(KINDS)}")
        return cls(**data)

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule takes the request."""
        return method == self.method and re.search(self.path, path) is not None


@dataclass
class HostileServer:
    """A running server: its base URL, and what each request met (`None` when the fake answered)."""

    url: str
    rules: tuple[Rule, ...]
    log: list[tuple[str, str, str | None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


Writer = Callable[[BaseHTTPRequestHandler, Rule, "Answer"], None]


@dataclass(frozen=True)
class Answer:
    """What the fake would have answered, and the caller's credentials (echoed by `echo-key`)."""

    status: int
    headers: list[tuple[str, str]]
    content: bytes
    authorization: str


def _head(handler: BaseHTTPRequestHandler, status: int, headers: Sequence[tuple[str, str]]) -> None:
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()


def _chunked(handler: BaseHTTPRequestHandler, status: int, headers: Sequence[tuple[str, str]], parts: Any) -> None:
    _head(handler, status, [*headers, ("Transfer-Encoding", "chunked")])
    for part in parts:
        if part:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
    handler.wfile.write(b"0\r\n\r\n")


def _json_answer(handler: BaseHTTPRequestHandler, status: int, content: bytes) -> None:
    write_answer(handler, status, [("Content-Type", "application/json")], content)


def trickle_headers(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """The status line and headers one byte per interval, then (if anyone is still there) the answer."""
    head = f"HTTP/1.1 {answer.status} OK\r\nContent-Type: application/json\r\nX-Slow: {'.' * 200}\r\n"
    for byte in head.encode():
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        handler.server_state.stop.wait(rule.interval)  # type: ignore[attr-defined]
    handler.wfile.write(f"Content-Length: {len(answer.content)}\r\n\r\n".encode() + answer.content)


def trickle_body(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """Headers at once, then the body one byte per interval (`size` bytes of padding first, to last longer)."""
    content = answer.content[:1] + b" " * rule.size + answer.content[1:]
    _head(handler, answer.status, [("Content-Type", "application/json"), ("Content-Length", str(len(content)))])
    for byte in content:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        handler.server_state.stop.wait(rule.interval)  # type: ignore[attr-defined]


def deep(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """A body nested `size` deep: `[[[...]]]`."""
    _json_answer(handler, answer.status, b"[" * rule.size + b"]" * rule.size)


def gzip_bomb(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """`size` bytes of JSON padding, gzip-compressed while sent (about 1 MB on the wire for 1 GB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * MIB

    def parts() -> Iterator[bytes]:
        yield packer.compress(b'{"pad": "')
        for _ in range(rule.size // MIB):
            yield packer.compress(block)
        yield packer.compress(b'"}') + packer.flush()

    _chunked(handler, answer.status, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], parts())


def huge(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """`size` bytes of plain JSON, streamed."""
    block = b"a" * MIB
    parts = [b'{"pad": "', *(block for _ in range(rule.size // MIB)), b'"}']
    _chunked(handler, answer.status, [("Content-Type", "application/json")], iter(parts))


def echo_key_forms(key: str) -> dict[str, str]:
    """The caller's key in every encoding a careless vendor might echo it in."""
    forms = {
        "json_escaped": "".join(f"\\u{ord(c):04x}" for c in key),
        "json_mixed": "".join(f"\\u{ord(c):04x}" if i % 3 == 0 else c for i, c in enumerate(key)),
        "url": quote(key, safe=""),
        "cut_42": key[:42],
        "cut_20": key[:20],
        "middle_12": key[5:17],
    }
    for prefix in ("", "Bearer ", "Api-Key "):
        for lead in ("", "a", "ab"):
            name = f"b64_{prefix.strip().lower() or 'key'}_{len(lead)}"
            forms[name] = base64.b64encode((lead + prefix + key).encode()).decode()
            forms[name + "_urlsafe"] = base64.urlsafe_b64encode((lead + prefix + key).encode()).decode()
    return forms


def echo_key(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """The fake's answer with the key (from Authorization) added in every encoding; `\\u` escapes kept raw."""
    key = answer.authorization.split(" ", 1)[-1]
    body = json.loads(answer.content)
    body["debug"] = {name: f"@@{name}@@" for name in echo_key_forms(key)}
    text = json.dumps(body)
    for name, form in echo_key_forms(key).items():
        text = text.replace(f"@@{name}@@", form)  # inserted after dumps, so `\u` escapes reach the wire as such
    _json_answer(handler, answer.status, text.encode())


def vendor_text(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """The fake's answer with hostile strings as the id, as values and as field names (`\\ud83d` as an escape)."""
    body = json.loads(answer.content)
    body["id"] = HOSTILE_TEXTS["ansi"]
    body.update({f"{name}{text}": text for name, text in HOSTILE_TEXTS.items()})
    _json_answer(handler, answer.status, json.dumps(body).encode())  # ensure_ascii keeps "\ud83d" an escape


def non_finite(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """The fake's answer with NaN and Infinity values (not JSON by RFC 8259)."""
    body = json.loads(answer.content)
    body.update({"temperature": float("nan"), "top_p": float("inf")})
    _json_answer(handler, answer.status, json.dumps(body).encode())


def hang(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """Never answer, until the server stops."""
    handler.server_state.stop.wait()  # type: ignore[attr-defined]


def unavailable(handler: BaseHTTPRequestHandler, rule: Rule, answer: Answer) -> None:
    """503 every time, with `Retry-After: seconds` when `seconds` is set (a huge one asks to wait for days)."""
    headers = [("Content-Type", "application/json")]
    if rule.seconds:
        headers.append(("Retry-After", str(int(rule.seconds))))
    write_answer(handler, 503, headers, b'{"error": {"message": "try again later"}}')


KINDS: dict[str, Writer] = {
    "trickle-headers": trickle_headers,
    "trickle-body": trickle_body,
    "deep": deep,
    "gzip-bomb": gzip_bomb,
    "huge": huge,
    "echo-key": echo_key,
    "vendor-text": vendor_text,
    "non-finite": non_finite,
    "hang": hang,
    "unavailable": unavailable,
}


def _handler_class(fake: Fake, state: HostileServer, host: str) -> type[BaseHTTPRequestHandler]:
    class _Hostile(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        server_state = state

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            rule = next((r for r in state.rules if r.matches(self.command, urlsplit(self.path).path)), None)
            state.log.append((self.command, self.path, rule.kind if rule else None))
            url = f"http://{self.headers.get('Host') or host}{self.path}"
            pairs = [(k, v) for k, v in self.headers.items() if k.lower() != "transfer-encoding"]
            response = fake.handle(httpx.Request(self.command, url, headers=pairs, content=body))
            answer = Answer(
                response.status_code,
                list(response.headers.multi_items()),
                response.read(),
                self.headers.get("Authorization", ""),
            )
            try:
                if rule is None:
                    write_answer(self, answer.status, answer.headers, answer.content)
                else:
                    KINDS[rule.kind](self, rule, answer)
            except OSError:
                # The client gave up (a cap or a deadline did its job): nothing left to send.
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests do not want an access log."""

        do_GET = do_POST = do_DELETE = _serve

    return _Hostile


@contextmanager
def serve_hostile(fake: Fake, rules: Sequence[Rule], host: str = "127.0.0.1") -> Iterator[HostileServer]:
    """Serve `fake` on loopback with `rules` applied; yields the running server (its `url` has the vendor prefix)."""
    state = HostileServer("", tuple(rules))
    with serve_with_state(state, fake, _handler_class(fake, state, host), host) as running:
        yield running
