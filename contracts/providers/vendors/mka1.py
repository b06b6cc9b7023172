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
from contracts.providers.sdk import REPLAY_ID, REPLAY_KEY, REPLAY_URL, Answer, SdkJudge, SdkReading, failure, load

ALNUM = string.ascii_lowercase + string.digits


class Mka1Sdk(SdkJudge):
    """The `meetkai-mka1` SDK's `sdk.llm.responses.cancel`: pydantic-validated `ResponseObject`, open enums.

    Any 4XX/5XX raises its `SDKDefaultError`; a 200 body that fails validation raises `ResponseValidationError`.
    """

    module = "mka1"
    distribution = "meetkai-mka1"

    def __init__(self) -> None:
        self.answer = Answer(500, (), b"")  # replaced before every call
        self.responses: Any = None

    def read(self, answer: Answer) -> SdkReading:
        sdk_module = load("mka1")
        self.answer = answer
        try:
            parsed = self.cancel(response_id=REPLAY_ID, retries=None)
        except sdk_module.errors.SDKDefaultError as exc:
            # The SDK's one error class for every 4XX/5XX; other statuses reach it as "Unexpected response".
            return SdkReading(type(exc).__name__, str(exc), raised=answer.status >= 400, broken=answer.status < 400)
        except Exception as exc:  # noqa: BLE001 - whatever escapes the SDK is what the caller's code would see
            return failure(exc)
        return SdkReading(type(parsed).__name__, f"parsed as {type(parsed).__name__}")

    @property
    def cancel(self) -> Any:
        """`sdk.llm.responses.cancel`, built once (about 50 ms) and fed each answer through `self.answer`."""
        if self.responses is None:
            sdk_module, wire = load("mka1"), load("httpx")

            def replay(request: Any) -> Any:
                return wire.Response(
                    self.answer.status, headers=self.answer.replay_headers(), content=self.answer.content
                )

            client = wire.Client(transport=wire.MockTransport(replay))
            sdk = sdk_module.SDK(bearer_auth=REPLAY_KEY, server_url=REPLAY_URL, client=client)
            # `sdk.llm.responses` itself, built directly: `sdk.llm` first loads twenty unrelated sub-SDKs (seconds).
            self.responses = load("meetkai_mka1.responses").Responses(sdk.sdk_configuration, parent_ref=sdk)
        return self.responses.cancel


MKA1_SDK = Mka1Sdk()


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
    sdk_judge = MKA1_SDK

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
