"""The GitHub workflows: valid against GitHub's workflow schema, and wired the way the nightly run needs."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
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
    " --report-dir reports/${{ matrix.provider }} --history history/${{ matrix.provider }}"
    " --record reports/${{ matrix.provider }}/traffic"
)
CASES = Path(__file__).parent / "cases" / "reports"


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
        assert (args.target, args.require_live, args.provider, args.report_dir, args.history, args.record) == (
            "live",
            True,
            provider,
            f"reports/{provider}",
            f"history/{provider}",
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


def test_only_the_issue_job_may_write_issues_and_it_sees_no_vendor_secret() -> None:
    jobs = workflow("nightly.yml")["jobs"]
    assert {name: job.get("permissions") for name, job in jobs.items()} == {
        "live": None,
        "issue": {"contents": "read", "issues": "write"},
    }
    assert "secrets." not in json.dumps(jobs["issue"])


def test_the_history_is_restored_before_the_run_and_saved_after_it_under_one_key() -> None:
    steps = workflow("nightly.yml")["jobs"]["live"]["steps"]
    uses = [str(step.get("uses", "")).split("@")[0] for step in steps]
    restore, run, save = (
        uses.index("actions/cache/restore"),
        [step.get("run") for step in steps].index(NIGHTLY_COMMAND),
        uses.index("actions/cache/save"),
    )
    assert restore < run < save
    assert steps[save]["if"] == "always()"
    assert steps[restore]["with"]["path"] == steps[save]["with"]["path"] == "history/${{ matrix.provider }}"
    assert steps[restore]["with"]["key"] == steps[save]["with"]["key"]
    # Each night's key is new (caches are immutable); the prefix finds the newest earlier night.
    assert steps[save]["with"]["key"].startswith(steps[restore]["with"]["restore-keys"])
    assert "${{ github.run_id }}" in steps[save]["with"]["key"]


def test_the_issue_job_reads_the_report_the_live_job_uploaded() -> None:
    jobs = workflow("nightly.yml")["jobs"]
    issue = jobs["issue"]
    assert (issue["needs"], issue["if"]) == ("live", "${{ !cancelled() }}")
    assert issue["strategy"]["matrix"] == jobs["live"]["strategy"]["matrix"]
    [upload] = [s for s in jobs["live"]["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    [download] = [s for s in issue["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@")]
    assert download["with"] == {"name": upload["with"]["name"], "path": upload["with"]["path"]}


def _issue_script() -> tuple[str, dict[str, str]]:
    [step] = [s for s in workflow("nightly.yml")["jobs"]["issue"]["steps"] if "gh issue" in s.get("run", "")]
    return step["run"], step["env"]


# A stand-in for the gh CLI: logs its arguments, and lists an open issue when OPEN_ISSUE is set.
FAKE_GH = """#!/bin/sh
echo "$*" >> "$GH_LOG"
case "$1 $2" in
  "issue list") [ -n "$OPEN_ISSUE" ] && echo "$OPEN_ISSUE" ;;
esac
exit 0
"""


@pytest.mark.parametrize(
    ("report", "provider", "open_issue", "expected"),
    [
        ("mixed", "mka1", "", "issue create --title Nightly contract drift: mka1 --body-file issue.md"),
        ("mixed", "mka1", "12", "issue edit 12 --body-file issue.md"),
        ("clean", "yandex", "12", "issue close 12 --comment Clean night (run 99): no new or expired error drift."),
        ("clean", "yandex", "", None),
        ("mixed", "yandex", "12", None),
    ],
    ids=[
        "drift opens one",
        "drift updates the open one",
        "a clean night closes it",
        "clean with none open",
        "unavailable leaves it",
    ],  # fmt: skip
)
def test_the_issue_step_opens_updates_or_closes_the_one_issue_of_its_provider(
    tmp_path: Path, report: str, provider: str, open_issue: str, expected: str | None
) -> None:
    script, env = _issue_script()
    (tmp_path / "bin").mkdir()
    gh = tmp_path / "bin" / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "contracts").symlink_to(Path(sys.executable).with_name("contracts"))
    (tmp_path / "reports" / provider).mkdir(parents=True)
    shutil.copy(CASES / f"{report}.json", tmp_path / "reports" / provider / "drift.json")
    log = tmp_path / "gh.log"
    environment = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "PROVIDER": provider,
        "GH_LOG": str(log),
        "OPEN_ISSUE": open_issue,
        "GITHUB_RUN_ID": "99",
    }
    assert set(env) == {"GH_TOKEN", "GH_REPO", "PROVIDER"}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    title = f"Nightly contract drift: {provider}"
    assert calls[0] == f'issue list --state open --search "{title}" in:title --json number,title --jq ' + (
        f'map(select(.title == "{title}")) | .[0].number // empty'
    )
    assert calls[1:] == ([expected] if expected else [])
    assert (tmp_path / "issue.md").read_text().startswith(f"<!-- cancel-contracts nightly issue: {provider} -->")
