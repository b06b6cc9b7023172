"""The sample application's tests, against the vendors' faithful fakes served by the installed plugin."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from cancel_app import stop_with_mka1_sdk, stop_with_openai_sdk
from mka1 import SDK


def client(fake: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)


def test_stopping_a_job_on_openai_cancels_it(openai_fake: Any) -> None:
    assert stop_with_openai_sdk(client(openai_fake), openai_fake.model, "Tell me").stopped


def test_stopping_a_job_on_yandex_through_the_openai_sdk_cancels_it(yandex_fake: Any) -> None:
    assert stop_with_openai_sdk(client(yandex_fake), yandex_fake.model, "Tell me").stopped


def test_stopping_a_job_on_mka1_cancels_it(mka1_fake: Any) -> None:
    with SDK(bearer_auth=mka1_fake.api_key, server_url=mka1_fake.base_url) as sdk:
        assert stop_with_mka1_sdk(sdk, mka1_fake.model, "Tell me").stopped


@pytest.mark.vendor_drift("timestamps-in-milliseconds", "cancel-missing-cached-tokens")
def test_the_app_survives_timestamps_in_milliseconds_and_missing_token_details(openai_fake: Any) -> None:
    assert stop_with_openai_sdk(client(openai_fake), openai_fake.model, "Tell me").stopped


@pytest.mark.vendor_drift("mka1-cancel-adds-resolved-model")
def test_the_app_survives_an_undocumented_field_from_mka1(mka1_fake: Any) -> None:
    with SDK(bearer_auth=mka1_fake.api_key, server_url=mka1_fake.base_url) as sdk:
        assert stop_with_mka1_sdk(sdk, mka1_fake.model, "Tell me").stopped
