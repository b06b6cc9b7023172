"""A sample application: start a background job on a Responses API, then let its user cancel it.

It stands for an application team's code; its tests (test_cancel_app.py) use the fixtures the cancel-contracts
pytest plugin installs, as any project with the package installed can.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai
from mka1 import SDK


@dataclass(frozen=True)
class Outcome:
    """What the user is told after pressing "stop"."""

    job_id: str
    stopped: bool


def stop_with_openai_sdk(client: openai.OpenAI, model: str, prompt: str) -> Outcome:
    """Start a background job with the `openai` SDK (OpenAI, or Yandex AI Studio's compatible API) and cancel it."""
    created = client.responses.create(model=model, input=prompt, background=True)
    cancelled = client.responses.cancel(created.id)
    return Outcome(created.id, cancelled.status == "cancelled")


def stop_with_mka1_sdk(sdk: SDK, model: str, prompt: str) -> Outcome:
    """Start a background job with the `meetkai-mka1` SDK and cancel it."""
    created = sdk.llm.responses.create(model=model, input=prompt, background=True, retries=None)
    cancelled = sdk.llm.responses.cancel(response_id=created.id, retries=None)
    return Outcome(created.id, cancelled.status == "cancelled")
