"""The plugin from an application team's side: the sample project in tests/cases/consumer_project/, run with
pytester, tests its own code with the vendors' SDKs against the `<provider>_fake` fixtures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.providers import names

SAMPLE = Path(__file__).parent / "cases" / "consumer_project"
# The whole sample, once as written and once with a drift it does not survive switched on for every test.
# In-process runs meet the package already imported (by this suite), which pytest cannot assert-rewrite.
QUIET = ("-W", "ignore::pytest.PytestAssertRewriteWarning")
# Runs that serve fakes and import the SDKs go to a subprocess: pytester drops every module an in-process run
# imported (httpcore, the SDKs' lazy submodules) when the test ends, and this worker's httpx would then no longer
# recognise httpcore's errors in later tests.
SUBPROCESS = ("-p", "no:cacheprovider", "-p", "no:schemathesis")
DRIFTED = 'pytestmark = pytest.mark.vendor_drift("cancel-status-canceled")\n\n\ndef client('


def sample(pytester: pytest.Pytester) -> None:
    for path in SAMPLE.glob("*.py"):
        pytester.makepyfile(**{path.stem: path.read_text(encoding="utf-8")})
    drifted = (SAMPLE / "test_cancel_app.py").read_text(encoding="utf-8").replace("\n\ndef client(", f"\n\n{DRIFTED}")
    pytester.makepyfile(test_cancel_app_drifted=drifted)


@pytest.mark.slow
def test_the_sample_passes_on_clean_fakes_and_fails_where_a_drift_it_cannot_survive_is_switched_on(
    pytester: pytest.Pytester,
) -> None:
    sample(pytester)
    # Outcomes come from the JUnit file, not the terminal: pytest prints whole assertion messages in its summary
    # when it sees a CI environment, and truncates them to the terminal's width otherwise.
    result = pytester.runpytest_subprocess(*SUBPROCESS, "--junitxml=junit.xml")
    result.assert_outcomes(passed=5, failed=5)
    cases = ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    failures = {f"{case.get('classname')}::{case.get('name')}": case.find("failure") for case in cases}
    failed = {name: failure.get("message", "") for name, failure in failures.items() if failure is not None}
    assert sorted(failed) == [
        "test_cancel_app_drifted::test_stopping_a_job_on_mka1_cancels_it",
        "test_cancel_app_drifted::test_stopping_a_job_on_openai_cancels_it",
        "test_cancel_app_drifted::test_stopping_a_job_on_yandex_through_the_openai_sdk_cancels_it",
        "test_cancel_app_drifted::test_the_app_survives_an_undocumented_field_from_mka1",
        "test_cancel_app_drifted::test_the_app_survives_timestamps_in_milliseconds_and_missing_token_details",
    ]
    # Both SDKs hand the renamed status through, and the app's own check tells the user the job did not stop.
    stopped_false = re.compile(
        r"AssertionError: assert False\n \+  where False = Outcome\(job_id='[^']+', stopped=False\)\.stopped"
    )
    assert [name for name, message in failed.items() if not stopped_false.match(message)] == []


def test_every_registered_provider_has_a_fake_fixture_and_the_marker_is_registered(
    pytester: pytest.Pytester,
) -> None:
    fixtures = pytester.runpytest_subprocess(*SUBPROCESS, "--fixtures").stdout.str()
    assert sorted(re.findall(r"^(\w+_fake) -- ", fixtures, re.MULTILINE)) == [f"{name}_fake" for name in names()]
    markers = pytester.parseconfigure().getini("markers")
    assert [line for line in markers if line.startswith("vendor_drift(")] == [
        "vendor_drift(*names): the <provider>_fake fixtures of this test serve these drift catalogue entries"
        " (`contracts mock --list-drift`); each name must apply to at least one of the test's fakes"
    ]


def test_an_unrelated_project_collects_and_reports_exactly_as_without_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    pass\n\n\ndef test_two():\n    pass\n")
    pytester.makeini("[pytest]\ntestpaths = .\n")
    with_plugin = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider", *QUIET)
    without = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:contracts", *QUIET)
    strip = re.compile(r" in [\d.]+s")
    assert [strip.sub("", line) for line in with_plugin.outlines] == [strip.sub("", line) for line in without.outlines]
    assert with_plugin.outlines[:2] == ["test_plain.py::test_one", "test_plain.py::test_two"]
    run = pytester.runpytest("-p", "no:cacheprovider", *QUIET).outlines
    assert [line for line in run if "contracts" in line and not line.startswith("plugins: ")] == []


@pytest.mark.parametrize(
    ("marker", "fixture", "message"),
    [
        (
            '"no-such-drift"',
            "openai_fake",
            "vendor_drift 'no-such-drift' is not in the catalogue, and this test uses"
            " openai; see `contracts mock --list-drift`",
        ),  # fmt: skip
        (
            '"mka1-cancel-adds-resolved-model"',
            "openai_fake",
            "vendor_drift 'mka1-cancel-adds-resolved-model' is"
            " defined for mka1, and this test uses openai; see `contracts mock --list-drift`",
        ),  # fmt: skip
        ('provider="mka1"', "mka1_fake", "vendor_drift takes drift names only, got () {'provider': 'mka1'}"),
    ],
    ids=["an unknown name", "a drift of another provider", "a keyword argument"],
)
def test_a_drift_the_test_cannot_use_fails_it_with_one_line(
    pytester: pytest.Pytester, marker: str, fixture: str, message: str
) -> None:
    pytester.makepyfile(
        test_misuse=f"import pytest\n\n\n@pytest.mark.vendor_drift({marker})\ndef test_it({fixture}):\n    pass\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", *QUIET)
    result.assert_outcomes(errors=1)
    assert f"E   Failed: {message}" in result.outlines or message in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_a_fake_fixture_serves_the_fixed_test_key_and_never_a_real_key_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-key-from-ci-0123456789")
    pytester.makepyfile(
        test_key="import httpx\n\n\ndef test_it(openai_fake):\n"
        "    assert openai_fake.api_key == 'contracts-test-key'\n"
        "    wrong = httpx.get(openai_fake.base_url + '/responses/resp_x', headers={'authorization':"
        " 'Bearer sk-real-key-from-ci-0123456789'})\n"
        "    assert wrong.status_code == 401\n"
    )
    pytester.runpytest_subprocess(*SUBPROCESS).assert_outcomes(passed=1)


def test_the_readme_example_runs_as_written(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    assert len(example.splitlines()) <= 10
    pytester.makepyfile(test_readme=example)
    pytester.runpytest_subprocess(*SUBPROCESS).assert_outcomes(passed=2)
