"""A vendor SDK as a second judge: what the SDK a client reads answers with makes of the answer behind a drift.

A profile names its judge (`Profile.sdk_judge`); the judge replays one recorded answer into the SDK's own cancel
call through a mock transport, so the SDK's real parsing and error handling decide, not an imitation of them.
The SDKs are an optional extra (`cancel-contracts[sdk]`): they are imported only when a judge reads an answer,
and `available()` says whether they are installed at all.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

# Pydantic error types of a closed value set. The SDKs pass values they do not know through (openai builds its
# models without validation; meetkai-mka1 types every enum as `Literal[...] | UnrecognizedStr`), so a value
# outside an enum never makes the SDK itself fail: only code comparing against it breaks (`--consumer`).
OPEN_VALUE_ERRORS = frozenset({"literal_error", "enum", "union_tag_invalid"})
REPLAY_URL = "http://127.0.0.1"
REPLAY_ID = "resp_sdkjudge"
REPLAY_KEY = "sdk-judge-placeholder"
# Transfer headers describe bytes the client already decoded; replaying them would make the SDK decode twice.
TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@dataclass(frozen=True)
class Answer:
    """One recorded answer as the wire delivered it (decoded body, status, headers)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    def replay_headers(self) -> list[tuple[str, str]]:
        """The headers to replay into an SDK's transport."""
        return [(name, value) for name, value in self.headers if name.lower() not in TRANSFER_HEADERS]


@dataclass(frozen=True)
class SdkReading:
    """What the SDK did with an answer: returned its model, raised its typed API error, or failed to read it."""

    outcome: str  # the class the SDK returned or raised, e.g. `Response`, `NotFoundError`
    message: str  # the SDK's own words
    raised: bool = False  # the SDK raised its typed error for an error status: its normal error path
    broken: bool = False  # the SDK could not read the answer into what its signature promises


class SdkJudge:
    """One SDK's cancel call, fed a recorded answer. A subclass per SDK lives with the profile that uses it."""

    # The module imported to use the SDK, and the extra that installs it.
    module: str
    distribution: str

    def available(self) -> bool:
        """Whether the SDK is installed (without importing it)."""
        return importlib.util.find_spec(self.module) is not None

    def read(self, answer: Answer) -> SdkReading:
        """Replay the answer into the SDK's cancel call and say what the SDK did."""
        raise NotImplementedError


def load(name: str) -> Any:
    """Import an SDK module lazily (typed as Any: the SDKs are optional and partly untyped)."""
    return importlib.import_module(name)


def strict_errors(model: Any, body: Any, also_open: frozenset[str] = frozenset()) -> str | None:
    """Validate a body against an SDK's pydantic model; the first error that is not an open enum, in its words.

    `also_open` names further pydantic error types the SDK itself lets through.
    """
    pydantic = load("pydantic")
    try:
        model.model_validate(body)
    except pydantic.ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] not in OPEN_VALUE_ERRORS | also_open:
                where = ".".join(str(part) for part in error["loc"]) or "body"
                return f"{model.__name__} validation failed: {where}: {error['msg']} [type={error['type']}]"
    return None


def failure(exc: Exception) -> SdkReading:
    """An exception the SDK let through while reading an answer: the SDK cannot read it."""
    return SdkReading(type(exc).__name__, str(exc), broken=True)
