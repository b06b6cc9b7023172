"""The generated and stateful layers: schemathesis builds the requests, our client sends them, our checks judge."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import hypothesis.stateful
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import HypothesisException, Unsatisfiable
from hypothesis.internal.conjecture import providers as hypothesis_providers
from hypothesis.internal.constants_ast import Constants
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode

from contracts.body import parse_json
from contracts.client import BudgetExhausted
from contracts.model import Layer
from contracts.run import ProviderRun

GENERATED_OPERATIONS = ("cancelResponse", "getResponse")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Schemathesis marks its own traffic; a vendor has no use for it and it clutters repro commands.
DROPPED_HEADERS = frozenset({"x-schemathesis-testcaseid", "user-agent"})


def load_schema(run: ProviderRun) -> Any:
    """The provider's spec as a schemathesis schema, ignoring any `schemathesis.toml` lying around."""
    if "schema" not in run.shared:
        run.shared["schema"] = schemathesis.openapi.from_dict(run.spec.document, config=schemathesis.Config())
    return run.shared["schema"]


def settings(run: ProviderRun, max_examples: int, **extra: Any) -> hypothesis.settings:
    """Hypothesis settings for a contract run: no shrinking, no deadline, no example database."""
    return hypothesis.settings(
        max_examples=max(max_examples, 1),
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        **extra,
    )


def send_case(run: ProviderRun, case: Any, layer: Layer) -> httpx.Response:
    """Send a schemathesis case through the provider's client, then check it like any other request."""
    kwargs = case.as_transport_kwargs(base_url="")
    operation_id = case.operation.definition.raw.get("operationId", "")
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in DROPPED_HEADERS}
    content = kwargs.get("data")
    response, _ = run.call(
        operation_id,
        layer=layer,
        path_params={name: str(value) for name, value in (case.path_parameters or {}).items()},
        headers=headers,
        json=kwargs.get("json"),
        content=content.encode() if isinstance(content, str) else content,
        params=kwargs.get("params"),
        negated=invalid_parameters(run, operation_id, case),
    )
    return response


def invalid_parameters(run: ProviderRun, operation_id: str, case: Any) -> str | None:
    """The first parameter a case really violates (checked against the spec, not trusted from generation)."""
    operation = run.spec.operation(operation_id)
    values = {"path": case.path_parameters or {}, "header": case.headers or {}, "query": case.query or {}}
    for schema_pointer, parameter in operation.parameters(run.spec.document):
        supplied = {k.lower(): v for k, v in values.get(parameter["in"], {}).items()}
        name: str = parameter["name"]
        if name.lower() not in supplied:
            if parameter.get("required"):
                return name
            continue
        if not run.spec.validator(schema_pointer).is_valid(supplied[name.lower()]):
            return name
    return None


@contextlib.contextmanager
def guarded(run: ProviderRun, layer: str) -> Iterator[None]:
    """Stop a layer quietly when the budget is spent; hypothesis' own complaints become notes, not crashes."""
    try:
        yield
    except BudgetExhausted as exc:
        run.note(f"{layer} layer stopped early: {exc}")
    except Unsatisfiable:
        run.cut_short = f"{layer}: hypothesis could not generate a case"
        run.note(run.cut_short)
    except HypothesisException as exc:
        # FlakyStrategyDefinition and the like: the layer stopped early, so it is skipped with why, never passed.
        run.cut_short = f"{layer} stopped by hypothesis: {type(exc).__name__}"
        run.note(run.cut_short)


@contextlib.contextmanager
def seed_only() -> Iterator[None]:
    """Generate from the seed and the spec alone.

    Hypothesis mixes in string and number literals from every local module imported so far (its "local constants").
    For a contract run that makes one seed send different requests in a checkout, a wheel install, an application's
    pytest, or a process that has already run once; a repro `--seed` must mean the same requests everywhere.
    """
    original = hypothesis_providers._get_local_constants
    hypothesis_providers._get_local_constants = _no_local_constants
    hypothesis_providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        hypothesis_providers._get_local_constants = original
        hypothesis_providers.CONSTANTS_CACHE.cache.clear()


def _no_local_constants() -> Constants:
    return Constants()


def negatable(run: ProviderRun, operation_id: str) -> bool:
    """Whether negative generation can break anything: a required parameter or one with constraints beyond a type."""
    for _, parameter in run.spec.operation(operation_id).parameters(run.spec.document):
        schema = run.spec.deref(parameter.get("schema", {}))
        constraints = {key for key in schema if key not in {"type", "description", "title", "example", "examples"}}
        if (
            constraints - {key for key in schema if key.startswith("x-")}
            or parameter["in"] == "header"
            and parameter.get("required")
        ):
            return True
    return False


def run_generated(run: ProviderRun, operation_id: str, mode: GenerationMode, max_examples: int) -> None:
    """Fuzz one operation in one mode, checking every answer and recording drift instead of raising."""
    if mode.is_negative and not negatable(run, operation_id):
        run.note(f"generated {operation_id} negative: the spec leaves nothing to make invalid, so nothing was sent")
        return
    operation = load_schema(run).find_operation_by_id(operation_id)
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(run, max_examples)
    @hypothesis.seed(run.seed)
    @hypothesis.given(case=strategy)
    def fuzz(case: Any) -> None:
        send_case(run, case, Layer.GENERATED)

    with guarded(run, f"generated {operation_id} {mode.value}"), seed_only():
        fuzz()


def run_stateful(run: ProviderRun, max_examples: int, step_count: int) -> None:
    """Follow the spec's links (create → cancel → retrieve → cancel again) with real ids."""
    base = load_schema(run).as_state_machine()

    class Workflow(base):  # type: ignore[valid-type, misc]
        def call(self, case: Any, **kwargs: Any) -> Response:
            answer = send_case(run, case, Layer.STATEFUL)
            if not parse_json(answer.content).ok:
                # schemathesis reads links from the body with its own (recursive) parser: a body the checks already
                # reported as malformed must not reach it, or a 100,000-deep body would crash the layer. It also
                # reads the answer's timing, which a new response only has once given.
                blank = httpx.Response(answer.status_code, headers=answer.headers, content=b"", request=answer.request)
                blank.elapsed = answer.elapsed
                answer = blank
            return Response.from_httpx(answer, verify=True)

        def validate_response(self, response: Response, case: Any, *args: Any, **kwargs: Any) -> None:
            """Checks already ran in `send_case`; drift is collected, never raised."""

    seeded = hypothesis.seed(run.seed)(Workflow)
    with guarded(run, "stateful"), seed_only():
        hypothesis.stateful.run_state_machine_as_test(
            seeded, settings=settings(run, max_examples, stateful_step_count=step_count)
        )
