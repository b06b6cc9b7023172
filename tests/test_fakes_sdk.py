"""The vendors' own SDKs against the fakes served on loopback: they parse every body and raise the right errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from mka1 import SDK, errors, models

from contracts.fakes import ManualClock, make_fake, serve

KEY = "sk-test-sdk-0001"
MODEL = "meetkai:functionary-urdu-mini-pak"


@pytest.fixture
def yandex() -> Iterator[openai.OpenAI]:
    with serve(make_fake("yandex", api_key=KEY)) as base_url:
        yield openai.OpenAI(api_key=KEY, base_url=base_url, project="b1gsdkfolder", max_retries=0)


@pytest.fixture
def mka1() -> Iterator[SDK]:
    with serve(make_fake("mka1", api_key=KEY)) as base_url, SDK(bearer_auth=KEY, server_url=base_url) as sdk:
        yield sdk


def test_openai_sdk_creates_cancels_and_retrieves_a_yandex_background_response(yandex: openai.OpenAI) -> None:
    created = yandex.responses.create(model="gpt://b1gsdkfolder/yandexgpt-lite", input="Tell me", background=True)
    cancelled = yandex.responses.cancel(created.id)
    retrieved = yandex.responses.retrieve(created.id)
    assert (created.status, cancelled.status, retrieved.status) == ("queued", "cancelled", "cancelled")
    assert retrieved.id == cancelled.id == created.id
    assert retrieved.model == "gpt://b1gsdkfolder/yandexgpt-lite"


def test_openai_sdk_raises_not_found_for_an_unknown_yandex_id(yandex: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        yandex.responses.cancel("00000000-0000-4000-8000-000000000000")
    assert (raised.value.status_code, raised.value.type) == (404, "invalid_request_error")
    assert raised.value.message.endswith("Response with id '00000000-0000-4000-8000-000000000000' not found.")


def test_openai_sdk_raises_authentication_error_for_a_wrong_key(yandex: openai.OpenAI) -> None:
    wrong = yandex.with_options(api_key="sk-wrong")
    with pytest.raises(openai.AuthenticationError) as raised:
        wrong.responses.retrieve("00000000-0000-4000-8000-000000000000")
    assert (raised.value.status_code, raised.value.body) == (
        401,
        {"code": "invalid_api_key", "message": "Invalid API key.", "param": None, "type": "authentication_error"},
    )


def test_mka1_sdk_creates_cancels_and_retrieves_a_background_response(mka1: SDK) -> None:
    created = mka1.llm.responses.create(model=MODEL, input="Tell me", background=True, retries=None)
    cancelled = mka1.llm.responses.cancel(response_id=created.id, retries=None)
    retrieved = mka1.llm.responses.get(response_id=created.id, retries=None)
    assert (created.status, cancelled.status, retrieved.status) == ("queued", "cancelled", "cancelled")
    assert retrieved.id == cancelled.id == created.id
    assert (retrieved.model, retrieved.completed_at) == (MODEL, cancelled.completed_at)


def test_mka1_sdk_raises_its_default_error_with_404_for_an_unknown_id(mka1: SDK) -> None:
    with pytest.raises(errors.SDKDefaultError) as raised:
        mka1.llm.responses.cancel(response_id="resp_unknown0", retries=None)
    assert raised.value.status_code == 404
    assert raised.value.body == (
        '{"error": {"message": "Response with id \'resp_unknown0\' not found.", '
        '"type": "invalid_request_error", "param": "response_id", "code": null}}'
    )


def test_mka1_sdk_models_accept_every_state_the_fake_sends() -> None:
    clock = ManualClock()
    fake = make_fake("mka1", api_key=KEY, clock=clock)
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(transport=httpx.MockTransport(fake.handle), base_url=fake.base_url, headers=headers) as client:
        root = "/api/v1/llm/responses"
        bodies = [client.post(root, json={"model": MODEL, "input": "Tell me", "background": True}).json()]
        response_id = bodies[0]["id"]
        clock.advance(10)
        bodies.append(client.get(f"{root}/{response_id}").json())
        bodies.append(client.post(f"{root}/{response_id}/cancel").json())
        bodies.append(client.post(root, json={"model": MODEL, "input": "Tell me"}).json())
    parsed = [models.ResponseObject.model_validate(body) for body in bodies]
    assert [p.status for p in parsed] == ["queued", "in_progress", "cancelled", "completed"]
    assert [len(p.output) for p in parsed] == [0, 1, 1, 1]
