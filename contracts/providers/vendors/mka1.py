"""MKA1: `resp_` ids checked against a pattern, echoed model names, `{"error": {...}}` envelopes, tenant header."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping
from typing import Any

from contracts.client import Credentials
from contracts.providers.bodies import JsonObject, Record, View, echoed, output_items, output_text, seconds, usage
from contracts.providers.profile import WRONG_KEY, LiveConfig, Profile, Read

ALNUM = string.ascii_lowercase + string.digits


class Mka1(Profile):
    """MKA1's Responses API behind its API gateway."""

    name = "mka1"
    title = "MKA1"
    colour = "#1d4ed8"
    base_url = "https://apigw.mka1.com"
    prefix = "/api/v1/llm/responses"
    key_env = "MKA1_API_KEY"
    env = ("MKA1_API_KEY", "MKA1_ON_BEHALF_OF", "MKA1_BASE_URL", "MKA1_MODEL")
    auth_hint = "send 'Authorization: Bearer <mka1-api-key>'"
    id_pattern = re.compile(r"^resp[-_][a-zA-Z0-9]+$")
    id_hint = "expected 'resp_' or 'resp-' followed by letters and digits"
    mock_model = "meetkai:functionary-urdu-mini-pak"

    def live_config(self, read: Read, base_url: str) -> LiveConfig | str:
        key = read("MKA1_API_KEY")
        if not key:
            return "MKA1_API_KEY is not set"
        headers = {"Authorization": f"Bearer {key}"}
        placeholders = {"authorization": "Bearer $MKA1_API_KEY"}
        on_behalf_of = read("MKA1_ON_BEHALF_OF")
        if on_behalf_of:
            headers["X-On-Behalf-Of"] = on_behalf_of
            placeholders["x-on-behalf-of"] = "$MKA1_ON_BEHALF_OF"
        credentials = Credentials(headers, placeholders, {"Authorization": f"Bearer {WRONG_KEY}"})
        model = read("MKA1_MODEL") or self.mock_model
        return LiveConfig(base_url, credentials, model, tuple(s for s in (key, on_behalf_of) if s))

    def new_id(self, rng: random.Random) -> str:
        return "resp_" + "".join(rng.choice(ALNUM) for _ in range(24))

    def item_id(self, rng: random.Random) -> str:
        return "msg_" + "".join(rng.choice(ALNUM) for _ in range(24))

    def echo(self, body: Mapping[str, Any]) -> JsonObject:
        metadata = body.get("metadata")
        valid_metadata = isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
        store = echoed(body, "store", bool)
        return {**super().echo(body), "metadata": metadata if valid_metadata else {}, "store": store is not False}

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
            "output_text": output_text(output) or "",
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


PROFILE = Mka1()
