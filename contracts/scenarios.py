"""Deterministic flows every run executes once, for semantics generated requests rarely reach."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import httpx

from contracts.checks.passive import status_basis
from contracts.model import Basis, Kind, Layer
from contracts.providers import get
from contracts.run import ProviderRun
from contracts.specs import escape, resolve_pointer

LAYER = Layer.SCENARIO
TERMINAL = frozenset({"completed", "failed", "incomplete", "cancelled"})
# The fields that define a response's state; retrieve and a repeated cancel must agree on them.
STATE_FIELDS = ("id", "status", "created_at", "completed_at", "output", "usage", "error", "incomplete_details")
Scenario = Callable[[ProviderRun], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(function: Scenario) -> Scenario:
    """Register a scenario under its function name."""
    SCENARIOS[function.__name__] = function
    return function


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """The JSON pointer of the first place two values differ, or None when they agree.

    Only keys both objects have are compared: a key missing on one side is the schema checks' finding, not a
    disagreement between two answers.
    """
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) & set(right)):
            found = first_difference(left[key], right[key], f"{path}/{escape(key)}")
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}/{index}")
            if found is not None:
                return found
        return None
    return None if left == right else path


def state_difference(left: Any, right: Any) -> str | None:
    """The first state field (in `STATE_FIELDS` order, so `status` before its consequences) where two differ.

    A body that is not an object was already reported by the passive checks, so it is not compared.
    """
    if not isinstance(left, dict) or not isinstance(right, dict):
        return None
    for name in STATE_FIELDS:
        if name in left and name in right:
            found = first_difference(left[name], right[name], f"/{escape(name)}")
            if found is not None:
                return found
    return None


def unknown_id(run: ProviderRun) -> str:
    """An id in the provider's documented format that no response has."""
    return get(run.provider).unknown_id(run.seed)


def expected_basis(run: ProviderRun, operation_id: str, status: int) -> Basis:
    """The basis of a scenario's expectation: that of the spec's response for the status it expects."""
    return status_basis(run.spec, run.spec.operation(operation_id), status)


class Cancelled(NamedTuple):
    """A background response cancelled once: its id, and the cancel's answer and parsed body."""

    response_id: str
    body: dict[str, Any]
    answer: httpx.Response


def cancelled(run: ProviderRun) -> Cancelled | None:
    """The shared cancelled background response, created and cancelled on first use."""
    if "cancelled" not in run.shared:
        run.shared["cancelled"] = None
        response, body = run.call("createResponse", layer=LAYER, json=dict(run.create_body, background=True))
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id"), str):
            run.note(f"create(background) answered {response.status_code}; cancel scenarios had nothing to cancel")
            return None
        response, cancel = run.call("cancelResponse", layer=LAYER, path_params={"response_id": body["id"]})
        if response.status_code == 200 and isinstance(cancel, dict):
            run.shared["cancelled"] = Cancelled(body["id"], cancel, response)
        else:
            run.note(f"the first cancel answered {response.status_code}; later cancel scenarios were not run")
    found: Cancelled | None = run.shared["cancelled"]
    return found


@scenario
def cancel_in_progress_cancels(run: ProviderRun) -> None:
    """Cancelling a response still in progress leaves it `cancelled`; one that already finished is a race."""
    found = cancelled(run)
    if found is None:
        return
    response_id, body = found.response_id, found.body
    status = body.get("status")
    if status in TERMINAL - {"cancelled"}:
        run.note(f"response {response_id} was already {status} when the cancel arrived (race, not drift)")
    elif status in {"queued", "in_progress"}:  # any other value is the schema checks' finding
        run.drift(
            "cancelResponse",
            found.answer,
            LAYER,
            kind=Kind.BEHAVIOR,
            location="/status",
            expected="cancelled",
            actual=status,
            message="cancelling an in-progress response did not cancel it",
        )


@scenario
def second_cancel_is_idempotent(run: ProviderRun) -> None:
    """A second cancel answers 200 with the same terminal object."""
    found = cancelled(run)
    if found is None:
        return
    response_id, first = found.response_id, found.body
    response, again = run.call("cancelResponse", layer=LAYER, path_params={"response_id": response_id})
    location = "" if response.status_code != 200 else state_difference(first, again)
    if location is not None:
        run.drift(
            "cancelResponse",
            response,
            LAYER,
            kind=Kind.BEHAVIOR,
            location=location,
            expected="200 with the same terminal object",
            actual=f"{response.status_code}" if not location else value_at(again, location),
            message="a second cancel is not idempotent",
            basis=Basis.ASSUMED,
        )


@scenario
def retrieve_agrees_with_cancel(run: ProviderRun) -> None:
    """Retrieving a cancelled response shows the state the cancel returned."""
    found = cancelled(run)
    if found is None:
        return
    response_id, cancel = found.response_id, found.body
    response, body = run.call("getResponse", layer=LAYER, path_params={"response_id": response_id})
    if response.status_code != 200:
        return
    location = state_difference(cancel, body)
    if location is not None:
        run.drift(
            "getResponse",
            response,
            LAYER,
            kind=Kind.BEHAVIOR,
            location=location,
            expected=value_at(cancel, location),
            actual=value_at(body, location),
            message="retrieve disagrees with the cancel it follows",
            basis=Basis.ASSUMED,
        )


@scenario
def unknown_id_is_not_found(run: ProviderRun) -> None:
    """Cancel and retrieve of an id nobody created answer the documented 404."""
    for operation_id in ("cancelResponse", "getResponse"):
        response, _ = run.call(operation_id, layer=LAYER, path_params={"response_id": unknown_id(run)})
        if response.status_code != 404 and response.status_code < 500:
            run.drift(
                operation_id,
                response,
                LAYER,
                kind=Kind.BEHAVIOR,
                location="",
                expected=404,
                actual=response.status_code,
                message="an unknown id is not answered 404",
                basis=expected_basis(run, operation_id, 404),
            )


@scenario
def non_background_cancel_is_rejected(run: ProviderRun) -> None:
    """Only background responses can be cancelled: anything else gets a 4xx."""
    response, body = run.call("createResponse", layer=LAYER, json=dict(run.create_body, background=False))
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id"), str):
        run.note(f"create(background=false) answered {response.status_code}; nothing to cancel")
        return
    response, _ = run.call("cancelResponse", layer=LAYER, path_params={"response_id": body["id"]})
    if 200 <= response.status_code < 300:
        run.drift(
            "cancelResponse",
            response,
            LAYER,
            kind=Kind.BEHAVIOR,
            location="",
            expected="a 4xx: only background responses can be cancelled",
            actual=response.status_code,
            message="a non-background response was cancelled",
            basis=expected_basis(run, "cancelResponse", 400),
        )


@scenario
def malformed_create_is_rejected(run: ProviderRun) -> None:
    """A create body that breaks the documented request schema gets a 4xx, so nothing is billed."""
    response, _ = run.call("createResponse", layer=LAYER, json={"background": "yes", "max_output_tokens": 0})
    if 200 <= response.status_code < 300:
        run.drift(
            "createResponse",
            response,
            LAYER,
            kind=Kind.INVALID_INPUT_ACCEPTED,
            location="",
            expected="a 4xx for a body without model and input",
            actual=response.status_code,
            message="a create body that breaks the documented schema was accepted",
            basis=Basis.ASSUMED,
        )


@scenario
def invalid_id_is_rejected(run: ProviderRun) -> None:
    """An id outside the documented pattern gets a 4xx (only where the spec documents a pattern)."""
    operation = run.spec.operation("cancelResponse")
    parameter = next(p for _, p in operation.parameters(run.spec.document) if p["name"] == "response_id")
    if "pattern" not in parameter.get("schema", {}):
        return
    response, _ = run.call("cancelResponse", layer=LAYER, path_params={"response_id": "not.a.valid.id"})
    if 200 <= response.status_code < 300:
        run.drift(
            "cancelResponse",
            response,
            LAYER,
            kind=Kind.INVALID_INPUT_ACCEPTED,
            location="response_id",
            expected=f"a 4xx for an id not matching {parameter['schema']['pattern']}",
            actual=response.status_code,
            message="an id outside the documented pattern was accepted",
        )


@scenario
def missing_credentials_are_refused(run: ProviderRun) -> None:
    """A request without credentials gets 401."""
    _expect_401(run, "none")


@scenario
def wrong_credentials_are_refused(run: ProviderRun) -> None:
    """A request with a wrong key gets 401."""
    _expect_401(run, "wrong")


def _expect_401(run: ProviderRun, auth: str) -> None:
    # A real id makes an unenforced check visible as a 200, and costs no extra create.
    found = cancelled(run)
    response_id = found.response_id if found else unknown_id(run)
    response, _ = run.call("cancelResponse", layer=LAYER, path_params={"response_id": response_id}, auth=auth)
    if response.status_code != 401 and response.status_code < 500:
        run.drift(
            "cancelResponse",
            response,
            LAYER,
            kind=Kind.AUTH_NOT_ENFORCED,
            location="Authorization",
            expected=401,
            actual=response.status_code,
            message=f"a request with {'no' if auth == 'none' else 'a wrong'} key was not refused",
            basis=expected_basis(run, "cancelResponse", 401),
        )


def value_at(body: Any, location: str) -> Any:
    """The value at a JSON pointer of a body, or None where it has none (shared with `contracts verify`)."""
    try:
        return resolve_pointer(body, location)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
