"""The GitHub workflows: valid against GitHub's workflow schema, and wired the way the nightly run needs."""

from __future__ import annotations

import importlib.resources
import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from contracts.cli import build_parser
from contracts.providers import names, profiles

WORKFLOWS = Path(__file__).parents[1] / ".github" / "workflows"
NIGHTLY_COMMAND = (
    ".venv/bin/contracts check --target live --require-live --provider ${{ matrix.provider }}"
    " --report-dir reports/${{ matrix.provider }} --record reports/${{ matrix.provider }}/traffic"
)


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only, as GitHub reads workflows: `on:` is a key, not `True`."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def workflow(name: str) -> dict[str, Any]:
    """A workflow file as GitHub reads it."""
    loaded: dict[str, Any] = yaml.load((WORKFLOWS / name).read_text(), Loader=_Yaml12Loader)
    return loaded


def github_schema() -> dict[str, Any]:
    """GitHub's workflow schema as vendored by check-jsonschema (no network)."""
    path = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@pytest.mark.parametrize("name", ["nightly.yml", "ci.yml"])
def test_the_workflow_is_valid_against_githubs_workflow_schema(name: str) -> None:
    schema = github_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [error.message for error in validator.iter_errors(workflow(name))] == []


def test_a_broken_workflow_is_caught_by_the_schema() -> None:
    schema = github_schema()
    broken = workflow("ci.yml")
    broken["jobs"]["test"]["runs-on"] = None
    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(broken)


def test_the_nightly_runs_on_a_schedule_and_by_hand() -> None:
    triggers = workflow("nightly.yml")["on"]
    assert sorted(triggers) == ["schedule", "workflow_dispatch"]
    assert [entry["cron"] for entry in triggers["schedule"]] == ["17 3 * * *"]


def test_the_nightly_has_one_job_per_provider_that_does_not_cancel_the_other() -> None:
    job = workflow("nightly.yml")["jobs"]["live"]
    assert job["strategy"] == {"fail-fast": False, "matrix": {"provider": list(names())}}


def test_the_nightly_runs_the_live_check_that_requires_credentials() -> None:
    steps = workflow("nightly.yml")["jobs"]["live"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert NIGHTLY_COMMAND in runs


def test_the_nightly_command_is_accepted_by_the_cli_for_each_provider() -> None:
    for provider in names():
        words = shlex.split(NIGHTLY_COMMAND.replace("${{ matrix.provider }}", provider))
        args = build_parser().parse_args(words[1:])
        assert (args.target, args.require_live, args.provider, args.report_dir, args.record) == (
            "live",
            True,
            provider,
            f"reports/{provider}",
            # Inside the uploaded report folder: the HAR files travel with the report they explain.
            f"reports/{provider}/traffic",
        )


def test_every_variable_live_mode_reads_is_mapped_and_only_into_the_check_step() -> None:
    steps = workflow("nightly.yml")["jobs"]["live"]["steps"]
    [check] = [step for step in steps if step.get("run") == NIGHTLY_COMMAND]
    expected = sorted(name for profile in profiles().values() for name in profile.env)
    assert sorted(check["env"]) == expected
    # Keys are secrets; endpoints and models are plain repository variables.
    assert {name: value.split(".")[0] for name, value in check["env"].items()} == {
        name: "${{ vars" if name.endswith(("_BASE_URL", "_MODEL")) else "${{ secrets" for name in expected
    }
    assert [step.get("name") for step in steps if "env" in step] == ["Contract run against the live endpoint"]


def test_the_nightly_keeps_the_report_and_summary_even_when_the_run_fails() -> None:
    steps = workflow("nightly.yml")["jobs"]["live"]["steps"]
    [upload] = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/${{ matrix.provider }}"
    [summary] = [step for step in steps if "GITHUB_STEP_SUMMARY" in step.get("run", "")]
    assert summary["if"] == "always()"
    assert 'cat "reports/${{ matrix.provider }}/drift.md" >> "$GITHUB_STEP_SUMMARY"' in summary["run"]


def test_ci_runs_make_test_on_push_and_pull_request() -> None:
    ci = workflow("ci.yml")
    assert sorted(ci["on"]) == ["pull_request", "push"]
    [job] = ci["jobs"].values()
    assert [step["run"] for step in job["steps"] if "run" in step] == ["make test"]


@pytest.mark.parametrize("name", ["nightly.yml", "ci.yml"])
def test_the_workflow_can_only_read_the_repository(name: str) -> None:
    assert workflow(name)["permissions"] == {"contents": "read"}
