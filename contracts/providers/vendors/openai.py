"""OpenAI: the Responses API the other vendors copy; `resp_` ids, `{"error": {...}}` envelopes, Bearer keys."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from contracts.providers.bodies import JsonObject, Record, View, output_items, output_text, seconds, usage
from contracts.providers.profile import Profile
from contracts.providers.sdk import (
    REPLAY_ID,
    REPLAY_KEY,
    REPLAY_URL,
    Answer,
    SdkJudge,
    SdkReading,
    failure,
    load,
    strict_errors,
)


class OpenAISdk(SdkJudge):
    """The `openai` SDK's `client.responses.cancel`, as Yandex's and OpenAI's users call it.

    The SDK builds `Response` without validating: a mistyped value passes its parser and fails later in the
    caller's code, so a body it returns is also checked against the types `Response` declares. Enums stay open
    and absent fields stay unset, as the SDK leaves them (its newest `usage` requires `cache_write_tokens`,
    which no other vendor sends; that must not make every Yandex answer "break" the SDK its users parse with).
    """

    module = "openai"
    distribution = "openai"

    def read(self, answer: Answer) -> SdkReading:
        openai = load("openai")
        # The transport package the SDK's own client is built on (httpx2 for openai 3.x).
        wire = load(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])

        def replay(request: Any) -> Any:
            return wire.Response(answer.status, headers=answer.replay_headers(), content=answer.content)

        http = openai.DefaultHttpxClient(transport=wire.MockTransport(replay))
        client = openai.OpenAI(api_key=REPLAY_KEY, base_url=f"{REPLAY_URL}/v1", max_retries=0, http_client=http)
        try:
            parsed = client.responses.cancel(REPLAY_ID)
        except openai.APIStatusError as exc:
            return SdkReading(type(exc).__name__, str(exc), raised=True)
        except Exception as exc:  # noqa: BLE001 - whatever escapes the SDK is what the caller's code would see
            return failure(exc)
        finally:
            client.close()
        model = load("openai.types.responses").Response
        if not isinstance(parsed, model):
            return SdkReading(type(parsed).__name__, f"the SDK returned {type(parsed).__name__}, not Response",
                              broken=True)  # fmt: skip
        problem = strict_errors(model, json.loads(answer.content), frozenset({"missing"}))  # it returned a model: JSON
        return SdkReading("Response", problem or "parsed as Response", broken=problem is not None)


OPENAI_SDK = OpenAISdk()


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
    sdk_judge = OPENAI_SDK

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
