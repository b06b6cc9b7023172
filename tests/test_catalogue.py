"""The drift catalogue: well-formed entries, and each one visibly changes what the fake sends, where it says."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.cli import main
from contracts.errors import ConfigError
from contracts.fakes import DriftEntry, ManualClock, load_catalogue, make_fake
from contracts.fakes import catalogue as catalogue_module
from contracts.specs import Spec, load_spec, pointer, resolve_pointer
from tests.test_fakes import top_level_fields

KEY = "sk-test-catalogue"
ROOT = {"yandex": "/responses", "mka1": "/api/v1/llm/responses"}
DRIFT_DOC = Path(__file__).resolve().parent.parent / "docs" / "drift.md"
SCHEMA_KINDS = {"type": "type-mismatch", "enum": "enum-violation", "const": "enum-violation"}
CASES = [(provider, entry) for provider in ("yandex", "mka1") for entry in load_catalogue(provider)]


@functools.cache
def spec(provider: str) -> Spec:
    return load_spec(provider)


def documented_kinds() -> list[str]:
    """The `kind` column of the table in docs/drift.md."""
    return re.findall(r"^\| `([a-z-]+)` \|", DRIFT_DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)


@dataclass(frozen=True)
class Step:
    """One request of the tour and what came back."""

    label: str
    operation: str
    status: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@functools.cache
def tour(provider: str, drift: tuple[str, ...]) -> tuple[Step, ...]:
    """The flows the contract run drives (contracts/scenarios.py): cancel, cancel again, retrieve, non-background,
    unknown and bad ids, a bad create body, and a cancel without or with a wrong key."""
    fake = make_fake(provider, api_key=KEY, drift=drift, clock=ManualClock(), seed=3)
    root, steps = ROOT[provider], []
    client = httpx.Client(transport=httpx.MockTransport(fake.handle), base_url=fake.base_url)
    auth = {"Authorization": f"Bearer {KEY}"}

    def send(label: str, operation: str, method: str, path: str, **options: Any) -> Any:
        options["headers"] = {**auth, **options.get("headers", {})}
        response = client.request(method, root + path, **options)
        steps.append(Step(label, operation, response.status_code, response.headers, response.content))
        return response

    story = {"model": "m", "input": "Tell me a story"}
    first = send("create", "createResponse", "POST", "", json={**story, "background": True}).json()["id"]
    # Like the contract run: the cancel follows the create at once, on a clock that never moves.
    send("cancel", "cancelResponse", "POST", f"/{first}/cancel")
    send("cancel-again", "cancelResponse", "POST", f"/{first}/cancel")
    send("retrieve", "getResponse", "GET", f"/{first}")
    direct = send("create-direct", "createResponse", "POST", "", json=story).json()["id"]
    send("cancel-direct", "cancelResponse", "POST", f"/{direct}/cancel")
    unknown = "resp_unknown0" if provider == "mka1" else "00000000-0000-4000-8000-000000000000"
    send("unknown", "cancelResponse", "POST", f"/{unknown}/cancel")
    send("bad-id", "cancelResponse", "POST", "/not.an-id/cancel")
    send("no-auth", "cancelResponse", "POST", f"/{first}/cancel", headers={"Authorization": ""})
    send("wrong-key", "cancelResponse", "POST", f"/{first}/cancel", headers={"Authorization": "Bearer wrong"})
    send("bad-body", "createResponse", "POST", "", json={"background": "yes", "max_output_tokens": 0})
    return tuple(steps)


@functools.cache
def validator(provider: str, operation: str, status: int) -> Any:
    body_pointer = spec(provider).response_body_pointer(operation, status)
    assert body_pointer is not None
    return spec(provider).validator(body_pointer)


def schema_findings(provider: str, step: Step) -> set[tuple[str, str]]:
    """(kind, location) of every schema error in a step's body, named as docs/drift.md names them."""
    found, pending = set(), list(validator(provider, step.operation, step.status).iter_errors(step.json()))
    while pending:
        error = pending.pop()
        pending.extend(error.context or [])
        where = pointer(error.absolute_path)
        if error.validator == "required":
            found |= {
                ("missing-field", f"{where}/{name}") for name in error.validator_value if name not in error.instance
            }
        elif not error.context:
            found.add((SCHEMA_KINDS.get(str(error.validator), "constraint-violation"), where))
    return found


def shows(provider: str, entry: DriftEntry, clean: Step, drifted: Step) -> bool:
    """Whether a drifted step carries the evidence the entry's kind and location promise."""
    kind, location = entry.kind, entry.location
    if kind in ("missing-field", "type-mismatch", "enum-violation", "constraint-violation"):
        return (kind, location) in schema_findings(provider, drifted)
    if kind == "undocumented-field":
        schema = resolve_pointer(
            spec(provider).document, spec(provider).response_body_pointer(entry.operation, 200) or ""
        )
        name = location.lstrip("/")
        return name in drifted.json() and name not in top_level_fields(spec(provider), schema)
    checks = {
        "undocumented-status": str(drifted.status) not in spec(provider).operation(entry.operation).statuses,
        "content-type": location == "content-type" and drifted.headers["content-type"] != "application/json",
        "malformed-body": drifted.headers["content-type"] == "application/json" and not _parses(drifted.content),
        "missing-header": drifted.status == 429 and location not in drifted.headers,
        "server-error": drifted.status >= 500,
        "auth-not-enforced": drifted.label in ("no-auth", "wrong-key") and location == "Authorization",
        "invalid-input-accepted": drifted.label in ("bad-id", "bad-body") and drifted.status < 300,
    }
    if kind in checks:
        return checks[kind]
    if location == "":
        return clean.status != drifted.status
    return bool(_value(clean.json(), location) != _value(drifted.json(), location))


def _value(body: Any, location: str) -> Any:
    try:
        return resolve_pointer(body, location)
    except (KeyError, IndexError, TypeError):
        return KeyError


def _parses(content: bytes) -> bool:
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(("provider", "entry"), CASES, ids=[f"{p}:{e.name}" for p, e in CASES])
def test_each_entry_changes_the_reply_it_declares_in_the_way_its_kind_says(provider: str, entry: DriftEntry) -> None:
    clean, drifted = tour(provider, ()), tour(provider, (entry.name,))
    changed = [
        (before, after)
        for before, after in zip(clean, drifted, strict=True)
        if (before.status, before.headers.get("content-type"), before.content)
        != (after.status, after.headers.get("content-type"), after.content)
        and (after.operation, after.status) == (entry.operation, entry.status_code)
    ]
    assert changed, f"{entry.name} never changed a {entry.operation} {entry.status_code} reply"
    assert any(shows(provider, entry, before, after) for before, after in changed)


def test_entries_have_unique_names_kinds_from_docs_drift_and_operations_from_the_spec() -> None:
    entries = load_catalogue()
    assert len({entry.name for entry in entries}) == len(entries)
    assert {entry.kind for entry in entries} <= set(documented_kinds())
    for entry in entries:
        for provider in entry.providers:
            assert entry.operation in spec(provider).operations


def test_the_catalogue_covers_every_kind_and_has_twenty_entries_per_provider() -> None:
    assert set(documented_kinds()) == set(catalogue_module.KINDS)
    assert {entry.kind for entry in load_catalogue()} == set(documented_kinds())
    assert [len(load_catalogue(provider)) >= 20 for provider in ("yandex", "mka1")] == [True, True]


def test_locations_follow_the_rules_of_docs_drift() -> None:
    fixed = {"content-type": "content-type", "auth-not-enforced": "Authorization", "undocumented-status": ""}
    fixed |= {"malformed-body": "", "server-error": "", "missing-header": "Retry-After"}
    for entry in load_catalogue():
        if entry.kind in fixed:
            assert entry.location == fixed[entry.kind], entry.name
        elif entry.kind != "invalid-input-accepted":
            assert entry.location == "" or entry.location.startswith("/"), entry.name


def test_list_drift_prints_an_aligned_table_per_provider(capsys: pytest.CaptureFixture[str]) -> None:
    for provider in ("yandex", "mka1"):
        assert main(["mock", "--list-drift", "--provider", provider]) == 0
        lines = capsys.readouterr().out.splitlines()
        rows = lines[1:-2]
        assert lines[-1] == f"{len(rows)} entries" and len(rows) >= 20
        assert lines[0].split() == ["NAME", "PROVIDERS", "KIND", "OPERATION", "STATUS", "LOCATION", "DESCRIPTION"]
        assert {line.index(" cancelResponse ") for line in rows if " cancelResponse " in line} == {
            lines[0].index("OPERATION") - 1
        }
        assert all(provider in line.split()[1] for line in rows)


def test_list_drift_for_an_unknown_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "--list-drift", "--provider", "nosuch"]) == 2
    assert capsys.readouterr().err == "error: unknown provider 'nosuch'; use one of: mka1, openai, yandex\n"


def test_a_malformed_catalogue_entry_is_a_one_line_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "catalogue.yaml"
    entry = {"name": "x", "providers": ["mka1"], "description": "d", "kind": "typo", "operation": "cancelResponse"}
    broken.write_text(json.dumps({"entries": [{**entry, "status": 200, "location": "", "apply": {"remove": "/id"}}]}))
    monkeypatch.setattr(catalogue_module, "CATALOGUE_PATH", broken)
    with pytest.raises(ConfigError) as raised:
        load_catalogue()
    assert str(raised.value) == (
        f"error: drift catalogue entry 'x' has kind 'typo', which docs/drift.md does not define; fix {broken}"
    )
