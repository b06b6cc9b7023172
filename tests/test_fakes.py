"""The vendor fakes: every route and every lifecycle state, each answer checked against the provider's spec."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from contracts.cli import main
from contracts.errors import ConfigError
from contracts.fakes import DEFAULT_TEST_KEY, Fake, ManualClock, make_fake, serve
from contracts.fakes.server import DropConnection, describe_key
from contracts.specs import Spec, load_spec

KEY = "sk-test-fake-0001"
ROOT = {"yandex": "/responses", "mka1": "/api/v1/llm/responses"}
PROVIDERS = pytest.mark.parametrize("provider", ["yandex", "mka1"])


@functools.cache
def spec(provider: str) -> Spec:
    return load_spec(provider)


def top_level_fields(spec: Spec, node: Any) -> set[str]:
    """Property names an object schema documents at its top level, through `$ref` and `allOf`."""
    node = spec.deref(node)
    names = set(node.get("properties", {}))
    for branch in node.get("allOf", []):
        names |= top_level_fields(spec, branch)
    return names


def assert_conforms(provider: str, operation: str | None, response: httpx.Response) -> Any:
    """Status documented for the operation (404/405 when unrouted), JSON media type, body valid for that status."""
    assert response.headers["content-type"] == "application/json"
    if operation is None:
        assert response.status_code in (404, 405)
        pointer = "/components/schemas/Error"
    else:
        assert str(response.status_code) in spec(provider).operation(operation).statuses
        pointer = spec(provider).response_body_pointer(operation, response.status_code) or ""
    body = response.json()
    assert [error.message for error in spec(provider).validator(pointer).iter_errors(body)] == []
    return body


class Api:
    """A client for one fake that validates every answer it gets."""

    def __init__(self, provider: str, clock: ManualClock | None = None, **options: Any) -> None:
        self.provider = provider
        self.clock = clock or ManualClock()
        self.fake: Fake = make_fake(provider, api_key=KEY, clock=self.clock, **options)
        self.client = httpx.Client(
            transport=httpx.MockTransport(self.fake.handle),
            base_url=self.fake.base_url,
            headers={"Authorization": f"Bearer {KEY}"},
        )

    def send(self, operation: str | None, method: str, path: str, **options: Any) -> httpx.Response:
        return self.send_to(operation, method, ROOT[self.provider] + path, **options)

    def send_to(self, operation: str | None, method: str, path: str, **options: Any) -> httpx.Response:
        response = self.client.request(method, path, **options)
        assert_conforms(self.provider, operation, response)
        return response

    def create(self, background: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"model": "yandexgpt-lite", "input": "Tell me a story", "background": background, **fields}
        response = self.send("createResponse", "POST", "", json=body)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    def get(self, response_id: str, **options: Any) -> httpx.Response:
        return self.send("getResponse", "GET", f"/{response_id}", **options)

    def cancel(self, response_id: str, **options: Any) -> httpx.Response:
        return self.send("cancelResponse", "POST", f"/{response_id}/cancel", **options)


def error_message(provider: str, response: httpx.Response) -> str:
    body = response.json()
    return str((body["error"] if provider == "mka1" else body)["message"])


@PROVIDERS
def test_background_response_goes_queued_in_progress_completed_on_the_clock(provider: str) -> None:
    api = Api(provider)
    created = api.create()
    assert (created["status"], created["output"]) == ("queued", [])
    api.clock.advance(0.2)
    assert api.get(created["id"]).json()["status"] == "in_progress"
    api.clock.advance(59.0)
    assert api.get(created["id"]).json()["status"] == "in_progress"
    api.clock.advance(1.0)
    done = api.get(created["id"]).json()
    assert (done["status"], done["output"][0]["status"]) == ("completed", "completed")
    assert done["usage"]["total_tokens"] == done["usage"]["input_tokens"] + done["usage"]["output_tokens"]


@PROVIDERS
def test_response_without_background_is_completed_with_one_message(provider: str) -> None:
    created = Api(provider).create(background=False)
    assert (created["status"], created["background"], len(created["output"])) == ("completed", False, 1)
    assert created["output"][0]["content"][0]["text"] == created["output_text"]


@PROVIDERS
def test_cancelling_an_in_progress_response_keeps_its_partial_output(provider: str) -> None:
    api = Api(provider)
    created = api.create()
    api.clock.advance(20.2)
    cancelled = api.cancel(created["id"])
    body = cancelled.json()
    assert (cancelled.status_code, body["status"], body["output"][0]["status"]) == (200, "cancelled", "incomplete")
    assert 0 < body["usage"]["output_tokens"] < len(body["output_text"].split()) * 3
    assert body["usage"]["total_tokens"] == body["usage"]["input_tokens"] + body["usage"]["output_tokens"]
    api.clock.advance(120)
    assert api.get(created["id"]).json() == body


@PROVIDERS
def test_cancelling_a_queued_response_leaves_no_output(provider: str) -> None:
    api = Api(provider)
    created = api.create()
    body = api.cancel(created["id"]).json()
    assert (body["status"], body["output"], body["usage"]["output_tokens"]) == ("cancelled", [], 0)


@PROVIDERS
def test_cancelling_twice_returns_the_same_terminal_object(provider: str) -> None:
    api = Api(provider)
    created = api.create()
    api.clock.advance(5)
    first = api.cancel(created["id"])
    api.clock.advance(5)
    second = api.cancel(created["id"])
    assert (second.status_code, second.json()) == (200, first.json())


@PROVIDERS
def test_cancelling_a_completed_response_returns_it_unchanged(provider: str) -> None:
    api = Api(provider)
    created = api.create()
    api.clock.advance(61)
    completed = api.get(created["id"]).json()
    cancelled = api.cancel(created["id"])
    assert (cancelled.status_code, cancelled.json()) == (200, completed)
    assert completed["status"] == "completed"


@PROVIDERS
def test_cancelling_a_response_created_without_background_is_400(provider: str) -> None:
    api = Api(provider)
    created = api.create(background=False)
    response = api.cancel(created["id"])
    assert response.status_code == 400
    assert error_message(provider, response) == (
        "Responses can only be cancelled if they were created with background=true."
    )


@PROVIDERS
def test_an_unknown_id_is_404_for_cancel_and_retrieve(provider: str) -> None:
    api = Api(provider)
    unknown = "resp_unknown0" if provider == "mka1" else "00000000-0000-4000-8000-000000000000"
    for response in (api.cancel(unknown), api.get(unknown)):
        assert response.status_code == 404
        assert error_message(provider, response) == f"Response with id {unknown!r} not found."


def test_an_mka1_id_outside_the_pattern_is_400_for_cancel_and_retrieve() -> None:
    api = Api("mka1")
    for response in (api.cancel("1e5ee267-2d01"), api.get("resp.1")):
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "response_id"
    assert error_message("mka1", api.get("resp.1")) == (
        "Invalid response_id 'resp.1': expected 'resp_' or 'resp-' followed by letters and digits."
    )


def test_a_yandex_id_of_any_shape_is_looked_up_and_not_rejected() -> None:
    assert Api("yandex").cancel("resp_abc").status_code == 404


@PROVIDERS
def test_a_create_body_that_is_not_json_or_breaks_the_schema_is_400(provider: str) -> None:
    api = Api(provider)
    not_json = api.send("createResponse", "POST", "", content=b"{model:", headers={"content-type": "application/json"})
    no_input = api.send("createResponse", "POST", "", json={"model": "m", "background": True})
    wrong_type = api.send("createResponse", "POST", "", json={"model": "m", "input": "x", "background": "yes"})
    assert [r.status_code for r in (not_json, no_input, wrong_type)] == [400, 400, 400]
    assert error_message(provider, not_json) == "Invalid request body: not valid JSON."
    assert error_message(provider, no_input) == "Invalid request body: 'input' is a required property."
    assert (no_input.json().get("error") or no_input.json())["param"] == "input"


@PROVIDERS
def test_missing_or_wrong_credentials_are_401_on_every_operation(provider: str) -> None:
    api = Api(provider)
    created = api.create()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}):
        api.client.headers.pop("Authorization", None)
        api.client.headers.update(headers)
        for response in (api.cancel(created["id"]), api.get(created["id"])):
            assert response.status_code == 401
        assert api.send("createResponse", "POST", "", json={"model": "m", "input": "x"}).status_code == 401
    api.client.headers["Authorization"] = "Bearer wrong"
    assert error_message(provider, api.get(created["id"])) == "Invalid API key."


def test_yandex_accepts_api_key_and_bearer_schemes() -> None:
    api = Api("yandex")
    created = api.create()
    assert api.get(created["id"], headers={"Authorization": f"Api-Key {KEY}"}).status_code == 200
    assert api.get(created["id"], headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_mka1_accepts_on_behalf_of_and_rejects_the_api_key_scheme() -> None:
    api = Api("mka1")
    created = api.create()
    assert api.get(created["id"], headers={"X-On-Behalf-Of": "user-42"}).status_code == 200
    assert api.get(created["id"], headers={"Authorization": f"Api-Key {KEY}"}).status_code == 401


@PROVIDERS
def test_an_unrouted_path_is_404_in_the_provider_envelope_even_without_credentials(provider: str) -> None:
    api = Api(provider)
    api.client.headers.pop("Authorization")
    for path in ("/nope", f"{ROOT[provider]}/abc/cancel/again", f"{ROOT[provider]}//cancel", f"{ROOT[provider]}/"):
        response = api.send_to(None, "POST", path)
        assert response.status_code == 404
        assert error_message(provider, response) == f"No route for POST {urlsplit(str(response.url)).path}."


@PROVIDERS
def test_a_wrong_method_is_405_with_allow_after_the_credentials_check(provider: str) -> None:
    api = Api(provider)
    for method, path, allow in (("GET", "", "POST"), ("DELETE", "/x", "GET"), ("GET", "/x/cancel", "POST")):
        response = api.send(None, method, path)
        assert (response.status_code, response.headers["allow"]) == (405, allow)
        assert error_message(provider, response) == f"Method {method} is not allowed here; use {allow}."
    api.client.headers.pop("Authorization")
    assert api.send("getResponse", "DELETE", "/x").status_code == 401


@PROVIDERS
def test_base_url_and_routes_are_the_specs(provider: str) -> None:
    fake = make_fake(provider, api_key=KEY)
    assert fake.base_url == spec(provider).base_url
    prefix = urlsplit(fake.base_url).path
    paths = {
        op: prefix + spec(provider).operation(op).path for op in ("createResponse", "getResponse", "cancelResponse")
    }
    root = prefix + ROOT[provider]
    assert paths == {
        "createResponse": root,
        "getResponse": root + "/{response_id}",
        "cancelResponse": root + "/{response_id}/cancel",
    }


def test_yandex_bodies_carry_every_documented_field_and_uuid_ids() -> None:
    body = Api("yandex").create()
    assert set(body) == top_level_fields(spec("yandex"), {"$ref": "#/components/schemas/Response"})
    assert len(body["id"]) == 36 and body["id"][14] == "4"
    assert (body["metadata"], body["service_tier"], body["truncation"]) == (None, None, None)
    assert isinstance(body["created_at"], int)


def test_mka1_bodies_carry_every_required_field_and_resp_ids() -> None:
    body = Api("mka1").create()
    response_schema = spec("mka1").document["components"]["schemas"]["Response"]
    assert set(response_schema["required"]) <= set(body) <= set(response_schema["properties"])
    assert body["id"].startswith("resp_") and body["model"] == "yandexgpt-lite"
    assert (body["completed_at"], isinstance(body["created_at"], int)) == (None, True)


def test_yandex_model_uses_the_project_folder_or_echoes_a_gpt_uri() -> None:
    api = Api("yandex")
    assert api.create()["model"] == "gpt://b1gfakefolder0000000/yandexgpt-lite/latest"
    headers = {"OpenAI-Project": "b1gmyfolder"}
    body = api.send("createResponse", "POST", "", json={"model": "x", "input": "hi"}, headers=headers).json()
    assert body["model"] == "gpt://b1gmyfolder/yandexgpt-lite/latest"
    assert api.create(model="gpt://b1gother/llama/rc")["model"] == "gpt://b1gother/llama/rc"


def test_mka1_model_is_echoed() -> None:
    assert Api("mka1").create(model="meetkai:functionary-urdu-mini-pak")["model"] == "meetkai:functionary-urdu-mini-pak"


@PROVIDERS
def test_ids_and_text_are_deterministic_for_a_seed(provider: str) -> None:
    def run(seed: int) -> list[Any]:
        api = Api(provider, seed=seed)
        return [api.create(background=False) for _ in range(3)]

    assert run(7) == run(7)
    assert [b["id"] for b in run(7)] != [b["id"] for b in run(8)]


@PROVIDERS
def test_lifecycle_durations_are_configurable(provider: str) -> None:
    api = Api(provider, queued_seconds=0, in_progress_seconds=2)
    created = api.create()
    assert created["status"] == "in_progress"
    api.clock.advance(2)
    assert api.get(created["id"]).json()["status"] == "completed"


@PROVIDERS
def test_the_api_key_comes_from_the_argument_then_the_environment_then_the_test_key(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = {"yandex": "YANDEX_API_KEY", "mka1": "MKA1_API_KEY"}[provider]
    monkeypatch.delenv(variable, raising=False)
    assert (make_fake(provider).api_key, make_fake(provider).api_key_source) == (DEFAULT_TEST_KEY, "default")
    monkeypatch.setenv(variable, "from-env")
    assert (make_fake(provider).api_key, make_fake(provider).api_key_source) == ("from-env", f"env:{variable}")
    assert make_fake(provider, api_key="given").api_key == "given"


def test_an_unknown_drift_name_is_a_one_line_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        make_fake("mka1", drift=("no-such-drift",))
    assert str(raised.value) == (
        "error: unknown drift 'no-such-drift' for provider mka1; "
        "list the valid names with `contracts mock --list-drift`"
    )
    with pytest.raises(ConfigError, match="unknown drift 'mka1-cancel-missing-store' for provider yandex"):
        make_fake("yandex", drift=("mka1-cancel-missing-store",))


@PROVIDERS
def test_the_loopback_server_answers_like_the_in_process_fake(provider: str) -> None:
    fake = make_fake(provider, api_key=KEY, clock=ManualClock())
    with serve(fake) as base_url:
        assert base_url.endswith(urlsplit(fake.base_url).path)
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}) as client:
            created = client.post(ROOT[provider], json={"model": "m", "input": "hi", "background": True})
            cancelled = client.post(f"{ROOT[provider]}/{created.json()['id']}/cancel")
            unrouted = client.request("PATCH", "/elsewhere")
    assert_conforms(provider, "createResponse", created)
    assert (assert_conforms(provider, "cancelResponse", cancelled)["status"], unrouted.status_code) == (
        "cancelled",
        404,
    )
    assert_conforms(provider, None, unrouted)


def test_mock_without_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock"]) == 2
    assert capsys.readouterr().err == (
        "error: `contracts mock` needs --provider; pass --provider mka1 or openai or yandex, or use --list-drift\n"
    )


def test_mock_serves_until_ctrl_c_and_never_prints_a_given_key() -> None:
    environment = {**os.environ, "MKA1_API_KEY": "secret-from-env"}
    command = [sys.executable, "-m", "contracts.cli", "mock", "--provider", "mka1", "--drift", "cancel-usage-null"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    assert process.stdout is not None
    first = process.stdout.readline()
    base_url = first.removeprefix("serving the mka1 fake at ").strip()
    answer = httpx.get(f"{base_url}/api/v1/llm/responses/resp_x", headers={"Authorization": "Bearer secret-from-env"})
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    out, err = process.stdout.read(), process.stderr.read() if process.stderr else None
    assert (err, answer.status_code) == ("", 404)
    assert json.loads(answer.text)["error"]["message"] == "Response with id 'resp_x' not found."
    assert first.startswith("serving the mka1 fake at http://127.0.0.1:")
    assert out == (
        "accepting the key in $MKA1_API_KEY (not shown)\ndrift: cancel-usage-null\npress Ctrl-C to stop\nstopped\n"
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_mock_stops_cleanly_on_ctrl_c_or_kill(stop: signal.Signals) -> None:
    command = [sys.executable, "-m", "contracts.cli", "mock", "--provider", "yandex"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("serving the yandex fake at http://127.0.0.1:")
    process.send_signal(stop)
    assert process.wait(timeout=10) == 0
    assert (process.stdout.read().splitlines()[-1], process.stderr.read()) == ("stopped", "")


def test_mock_on_a_port_in_use_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    before = signal.getsignal(signal.SIGTERM)
    with serve(make_fake("mka1", api_key=KEY)) as base_url:
        port = base_url.rsplit(":", 1)[1]
        assert main(["mock", "--provider", "mka1", "--port", port]) == 2
    assert capsys.readouterr().err == (
        f"error: cannot listen on 127.0.0.1:{port} (Address already in use);"
        " pick another --port, or 0 for any free one\n"
    )
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_loopback_server_answers_any_method_with_the_fakes_json_405() -> None:
    fake = make_fake("yandex", api_key=KEY)
    with serve(fake) as base_url:
        response = httpx.request("TRACE", f"{base_url}/responses", headers={"Authorization": f"Bearer {KEY}"})
    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert_conforms("yandex", None, response)


def test_a_wrapper_around_the_served_handler_can_answer_for_it_or_drop_the_connection() -> None:
    def wrap(handle: Callable[[httpx.Request], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
        def faulty(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/cancel"):
                raise DropConnection
            if request.method == "GET":
                return httpx.Response(503, json=fake.error_body(503, "Overloaded."), headers={"Retry-After": "1"})
            return handle(request)

        return faulty

    fake = make_fake("mka1", api_key=KEY)
    with serve(fake, wrap=wrap) as base_url, httpx.Client(base_url=base_url) as client:
        client.headers["Authorization"] = f"Bearer {KEY}"
        created = client.post(ROOT["mka1"], json={"model": "m", "input": "hi", "background": True})
        overloaded = client.get(f"{ROOT['mka1']}/{created.json()['id']}")
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(f"{ROOT['mka1']}/{created.json()['id']}/cancel")
    assert (created.status_code, overloaded.status_code, overloaded.headers["retry-after"]) == (200, 503, "1")
    assert_conforms("mka1", "getResponse", overloaded)


def test_streaming_is_refused_with_a_400_naming_the_parameter() -> None:
    response = Api("mka1").send("createResponse", "POST", "", json={"model": "m", "input": "hi", "stream": True})
    assert (response.status_code, response.json()["error"]["param"]) == (400, "stream")
    assert error_message("mka1", response) == "stream=true is not supported by this fake."


def test_mock_names_where_the_key_came_from_and_prints_only_the_fixed_test_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YANDEX_API_KEY", raising=False)
    assert describe_key(make_fake("yandex")) == "the fixed test key 'contracts-test-key'"
    assert describe_key(make_fake("yandex", api_key="sk-given")) == "the key given with --api-key (not shown)"
    monkeypatch.setenv("YANDEX_API_KEY", "sk-env")
    assert describe_key(make_fake("yandex")) == "the key in $YANDEX_API_KEY (not shown)"
