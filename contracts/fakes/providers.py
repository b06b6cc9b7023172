"""What differs between the vendor fakes: base URLs, credentials, ids, models, error envelopes and body shapes."""

from __future__ import annotations

import random
import re
import string
import uuid
from collections.abc import Mapping
from typing import Any

from contracts.fakes.lifecycle import Record, View

JsonObject = dict[str, Any]

ALNUM = string.ascii_lowercase + string.digits


def output_items(record: Record, view: View) -> list[JsonObject]:
    """The output array: one assistant message holding the words produced so far (none while queued)."""
    if view.shown == 0:
        return []
    item_status = {"completed": "completed", "in_progress": "in_progress"}.get(view.status, "incomplete")
    text = " ".join(record.words[: view.shown])
    content = [{"type": "output_text", "text": text, "annotations": []}]
    return [
        {"id": record.message_id, "type": "message", "role": "assistant", "status": item_status, "content": content}
    ]


def usage(record: Record, view: View) -> JsonObject:
    """Token usage, one token per word, with the total equal to input plus output."""
    return {
        "input_tokens": record.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": view.shown,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": record.input_tokens + view.shown,
    }


def seconds(timestamp: float | None) -> int | None:
    """Unix seconds as an integer, the way both vendors print them."""
    return None if timestamp is None else int(timestamp)


def _echo(body: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = body.get(name)
    # bool is an int subclass; only echo values of the documented type so junk never reaches a response body
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        return None
    return value if isinstance(value, kind) else None


class Provider:
    """The vendor-specific half of a fake; subclasses fill in the data and the body shape."""

    name = ""
    base_url = ""
    prefix = ""
    key_env = ""
    schemes: tuple[str, ...] = ("bearer",)
    auth_hint = ""
    id_pattern: re.Pattern[str] | None = None
    id_hint = ""

    def new_id(self, rng: random.Random) -> str:
        """A fresh response id."""
        raise NotImplementedError

    def item_id(self, rng: random.Random) -> str:
        """A fresh output item id."""
        raise NotImplementedError

    def model(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
        """The `model` a response reports for this create body."""
        raise NotImplementedError

    def echo(self, body: Mapping[str, Any]) -> JsonObject:
        """Create-body fields the response object repeats back."""
        return {
            "instructions": _echo(body, "instructions", str),
            "max_output_tokens": _echo(body, "max_output_tokens", int),
            "previous_response_id": _echo(body, "previous_response_id", str),
            "temperature": _echo(body, "temperature", (int, float)),
        }

    def error(self, message: str, kind: str, param: str | None = None, code: str | None = None) -> JsonObject:
        """The provider's error envelope."""
        raise NotImplementedError

    def render(self, record: Record, view: View) -> JsonObject:
        """The full response object."""
        raise NotImplementedError


class Yandex(Provider):
    """Yandex AI Studio: UUID-like ids, `gpt://` model URIs, flat errors, `Api-Key` or `Bearer` credentials."""

    name = "yandex"
    base_url = "https://ai.api.cloud.yandex.net/v1"
    prefix = "/v1/responses"
    key_env = "YANDEX_API_KEY"
    schemes = ("api-key", "bearer")
    auth_hint = "send 'Authorization: Api-Key <API key>' or 'Authorization: Bearer <IAM token>'"
    default_folder = "b1gfakefolder0000000"

    def new_id(self, rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def item_id(self, rng: random.Random) -> str:
        return self.new_id(rng)

    def model(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
        requested = body.get("model")
        if isinstance(requested, str) and requested.startswith("gpt://"):
            return requested
        folder = headers.get("openai-project") or self.default_folder
        return f"gpt://{folder}/yandexgpt-lite/latest"

    def error(self, message: str, kind: str, param: str | None = None, code: str | None = None) -> JsonObject:
        return {"code": code, "message": message, "param": param, "type": kind}

    def render(self, record: Record, view: View) -> JsonObject:
        output = output_items(record, view)
        # The three allOf parts of the documented body, in order; "[CURRENTLY NOT SUPPORTED]" fields are null.
        return {
            "metadata": None,
            "top_logprobs": None,
            "temperature": record.echo.get("temperature"),
            "top_p": None,
            "user": "",
            "safety_identifier": None,
            "prompt_cache_key": None,
            "service_tier": None,
            "prompt_cache_retention": None,
            "previous_response_id": record.echo.get("previous_response_id"),
            "model": record.model,
            "reasoning": None,
            "background": record.background,
            "max_output_tokens": record.echo.get("max_output_tokens"),
            "max_tool_calls": None,
            "text": {"format": {"type": "text"}, "verbosity": None},
            "tools": [],
            "tool_choice": "auto",
            "prompt": None,
            "truncation": None,
            "id": record.id,
            "object": "response",
            "status": view.status,
            "created_at": seconds(record.created_at),
            "error": None,
            "incomplete_details": None,
            "output": output,
            "instructions": record.echo.get("instructions"),
            "output_text": output[0]["content"][0]["text"] if output else None,
            "usage": usage(record, view),
            "parallel_tool_calls": True,
            "conversation": None,
        }


class Mka1(Provider):
    """MKA1: `resp_` ids checked against a pattern, echoed model names, `{"error": {...}}` envelopes."""

    name = "mka1"
    base_url = "https://apigw.mka1.com"
    prefix = "/api/v1/llm/responses"
    key_env = "MKA1_API_KEY"
    auth_hint = "send 'Authorization: Bearer <mka1-api-key>'"
    id_pattern = re.compile(r"^resp[-_][a-zA-Z0-9]+$")
    id_hint = "expected 'resp_' or 'resp-' followed by letters and digits"
    default_model = "meetkai:functionary-urdu-mini-pak"

    def new_id(self, rng: random.Random) -> str:
        return "resp_" + "".join(rng.choice(ALNUM) for _ in range(24))

    def item_id(self, rng: random.Random) -> str:
        return "msg_" + "".join(rng.choice(ALNUM) for _ in range(24))

    def model(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
        requested = body.get("model")
        return requested if isinstance(requested, str) and requested else self.default_model

    def echo(self, body: Mapping[str, Any]) -> JsonObject:
        metadata = body.get("metadata")
        valid_metadata = isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
        store = _echo(body, "store", bool)
        return {**super().echo(body), "metadata": metadata if valid_metadata else {}, "store": store is not False}

    def error(self, message: str, kind: str, param: str | None = None, code: str | None = None) -> JsonObject:
        return {"error": {"message": message, "type": kind, "param": param, "code": code}}

    def render(self, record: Record, view: View) -> JsonObject:
        output = output_items(record, view)
        temperature = record.echo.get("temperature")
        return {
            "id": record.id,
            "object": "response",
            "created_at": seconds(record.created_at),
            "completed_at": seconds(view.finished_at),
            "status": view.status,
            "error": None,
            "incomplete_details": None,
            "background": record.background,
            "instructions": record.echo.get("instructions"),
            "max_output_tokens": record.echo.get("max_output_tokens"),
            "max_tool_calls": None,
            "metadata": record.echo.get("metadata", {}),
            "model": record.model,
            "output": output,
            "output_text": output[0]["content"][0]["text"] if output else "",
            "parallel_tool_calls": True,
            "previous_response_id": record.echo.get("previous_response_id"),
            "store": record.echo.get("store", True),
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": "auto",
            "tools": [],
            "truncation": "disabled",
            "usage": usage(record, view),
            "user": None,
            "reasoning": {"effort": None, "summary": None},
            "service_tier": "default",
            "temperature": 1.0 if temperature is None else temperature,
            "top_p": 1.0,
            "top_logprobs": 0,
            "presence_penalty": 0.0,
            "frequency_penalty": 0.0,
        }


PROVIDERS: dict[str, Provider] = {"yandex": Yandex(), "mka1": Mka1()}
