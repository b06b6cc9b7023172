"""OpenAI: the Responses API the other vendors copy; `resp_` ids, `{"error": {...}}` envelopes, Bearer keys."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from contracts.providers.bodies import JsonObject, Record, View, output_items, output_text, seconds, usage
from contracts.providers.profile import Profile


class OpenAI(Profile):
    """OpenAI's Responses API (`api.openai.com/v1`)."""

    name = "openai"
    title = "OpenAI"
    colour = "#047857"
    base_url = "https://api.openai.com/v1"
    prefix = "/v1/responses"
    key_env = "OPENAI_API_KEY"
    env = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")
    auth_hint = "send 'Authorization: Bearer <OpenAI API key>'"
    mock_model = "gpt-4o-mini"

    def new_id(self, rng: random.Random) -> str:
        return f"resp_{rng.getrandbits(192):048x}"

    def item_id(self, rng: random.Random) -> str:
        return f"msg_{rng.getrandbits(192):048x}"

    def model(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
        # OpenAI answers with the dated snapshot behind the alias it was asked for.
        requested = super().model(body, headers)
        return f"{requested}-2024-07-18" if requested == self.mock_model else requested

    def echo(self, body: Mapping[str, Any]) -> JsonObject:
        metadata = body.get("metadata")
        valid_metadata = isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
        return {**super().echo(body), "metadata": metadata if valid_metadata else {}}

    def render(self, record: Record, view: View) -> JsonObject:
        output = output_items(record, view)
        spent = usage(record, view)
        spent["input_tokens_details"]["cache_write_tokens"] = 0
        temperature = record.echo.get("temperature")
        return {
            "id": record.id,
            "object": "response",
            "created_at": seconds(record.created_at),
            "status": view.status,
            "background": record.background,
            "completed_at": seconds(view.finished_at) if view.status == "completed" else None,
            "error": None,
            "incomplete_details": None,
            "instructions": record.echo.get("instructions"),
            "max_output_tokens": record.echo.get("max_output_tokens"),
            "max_tool_calls": None,
            "model": record.model,
            "output": output,
            "output_text": output_text(output) or "",
            "parallel_tool_calls": True,
            "previous_response_id": record.echo.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None},
            "service_tier": "default",
            "temperature": 1.0 if temperature is None else temperature,
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": spent,
            "user": None,
            "metadata": record.echo.get("metadata", {}),
        }


PROFILE = OpenAI()
