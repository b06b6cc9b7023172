"""Yandex AI Studio: UUID-like ids, `gpt://` model URIs, flat errors, `Api-Key` or IAM `Bearer` credentials."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from typing import Any

from contracts.client import Credentials
from contracts.providers.bodies import JsonObject, Record, View, output_items, output_text, seconds, usage
from contracts.providers.profile import WRONG_KEY, LiveConfig, Profile, Read
from contracts.providers.vendors.openai import OPENAI_SDK

FAKE_FOLDER = "b1gfakefolder0000000"


class Yandex(Profile):
    """Yandex AI Studio's Responses API."""

    name = "yandex"
    title = "Yandex AI Studio"
    colour = "#c2410c"
    base_url = "https://ai.api.cloud.yandex.net/v1"
    prefix = "/v1/responses"
    key_env = "YANDEX_API_KEY"
    env = ("YANDEX_API_KEY", "YANDEX_IAM_TOKEN", "YANDEX_FOLDER_ID", "YANDEX_BASE_URL", "YANDEX_MODEL")
    schemes = ("api-key", "bearer")
    auth_hint = "send 'Authorization: Api-Key <API key>' or 'Authorization: Bearer <IAM token>'"
    mock_model = f"gpt://{FAKE_FOLDER}/yandexgpt-lite/latest"
    # Yandex documents OpenAI compatibility, and its Responses guides use the `openai` SDK.
    sdk_judge = OPENAI_SDK

    def mock_credentials(self, key: str) -> Credentials:
        return Credentials(
            {"Authorization": f"Api-Key {key}"},
            {"authorization": "Api-Key $YANDEX_API_KEY"},
            {"Authorization": f"Api-Key {WRONG_KEY}"},
        )

    def live_config(self, read: Read, base_url: str) -> LiveConfig | str:
        key, iam, folder = read("YANDEX_API_KEY"), read("YANDEX_IAM_TOKEN"), read("YANDEX_FOLDER_ID")
        model = read("YANDEX_MODEL") or (f"gpt://{folder}/yandexgpt-lite/latest" if folder else "")
        if not (key or iam):
            return "YANDEX_API_KEY (or YANDEX_IAM_TOKEN) is not set"
        if not model:
            return "YANDEX_FOLDER_ID is not set (needed for the model URI)"
        scheme, name, secret = ("Api-Key", "YANDEX_API_KEY", key) if key else ("Bearer", "YANDEX_IAM_TOKEN", iam)
        credentials = Credentials(
            headers={"Authorization": f"{scheme} {secret}"},
            placeholders={"authorization": f"{scheme} ${name}"},
            wrong={"Authorization": f"{scheme} {WRONG_KEY}"},
        )
        # The folder id names the tenant (it sits in the model URI of every create): reports and recordings drop it.
        return LiveConfig(base_url, credentials, model, tuple(s for s in (secret, folder) if s))

    def unknown_id(self, seed: int) -> str:
        return str(uuid.UUID(int=(seed + 1) % 2**128))

    def new_id(self, rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def item_id(self, rng: random.Random) -> str:
        return self.new_id(rng)

    def model(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
        requested = body.get("model")
        if isinstance(requested, str) and requested.startswith("gpt://"):
            return requested
        folder = headers.get("openai-project") or FAKE_FOLDER
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
            "user": None,
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
            "output_text": output_text(output),
            "usage": usage(record, view),
            "parallel_tool_calls": True,
            "conversation": None,
        }


PROFILE = Yandex()
