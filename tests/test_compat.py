"""`contracts compat`: the known cross-vendor differences, golden renderings, observed data and bad input.

Golden files: tests/golden/compat.md and compat.json are the output for the three specs in this repo. When a spec
changes on purpose, regenerate them with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_compat.py` and review the
diff; without that variable a mismatch always fails.
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.compat.contract import contract_of
from contracts.compat.matrix import Difference, Matrix, build_matrix
from contracts.compat.render import render
from contracts.specs import load_spec

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
PROVIDERS = ("yandex", "mka1", "openai")


@pytest.fixture(autouse=True)
def repo_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Spec paths in the output are relative to the working directory; the golden files assume the repo root.
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return build_matrix([contract_of(load_spec(provider)) for provider in PROVIDERS])


def facts(matrix: Matrix, provider: str, field: str, section: str = "200 body") -> tuple[object, ...] | None:
    found = matrix.contracts[provider].fields.get((section, field))
    if found is None:
        return None
    return found.type_label, found.required, found.nullable, found.enum


def differences(matrix: Matrix, client: str, server: str, section: str, field: str) -> list[Difference]:
    pair = next(p for p in matrix.pairs if (p.client, p.server) == (client, server))
    return [d for d in pair.differences if (d.section, d.field) == (section, field)]


def test_completed_at_is_required_only_by_mka1_and_unknown_to_yandex(matrix: Matrix) -> None:
    assert facts(matrix, "mka1", "completed_at") == ("number", True, True, None)
    assert facts(matrix, "openai", "completed_at") == ("number", False, True, None)
    assert facts(matrix, "yandex", "completed_at") is None
    assert differences(matrix, "mka1", "yandex", "200 body", "completed_at") == [
        Difference("200 body", "completed_at", "presence", True, "mka1 requires it; yandex does not document it")
    ]
    assert differences(matrix, "mka1", "openai", "200 body", "completed_at") == [
        Difference("200 body", "completed_at", "requiredness", True, "mka1 requires it; openai may omit it")
    ]
    assert differences(matrix, "yandex", "mka1", "200 body", "completed_at") == [
        Difference(
            "200 body", "completed_at", "presence", False, "mka1 always sends it; yandex does not know it (ignored)"
        )
    ]


def test_store_exists_only_in_mka1(matrix: Matrix) -> None:
    assert facts(matrix, "mka1", "store") == ("boolean", True, False, None)
    assert facts(matrix, "yandex", "store") is None
    assert facts(matrix, "openai", "store") is None
    assert differences(matrix, "mka1", "openai", "200 body", "store") == [
        Difference("200 body", "store", "presence", True, "mka1 requires it; openai does not document it")
    ]
    assert differences(matrix, "openai", "mka1", "200 body", "store") == [
        Difference("200 body", "store", "presence", False, "mka1 always sends it; openai does not know it (ignored)")
    ]


def test_service_tier_enums_differ_and_only_openai_allows_null(matrix: Matrix) -> None:
    assert facts(matrix, "mka1", "service_tier") == ("string", False, False, ("auto", "default", "flex", "priority"))
    assert facts(matrix, "openai", "service_tier") == (
        "string",
        False,
        True,
        ("auto", "default", "flex", "scale", "priority", "fast", "ultrafast"),
    )
    assert facts(matrix, "yandex", "service_tier") == ("any", False, True, None)
    assert differences(matrix, "mka1", "openai", "200 body", "service_tier") == [
        Difference("200 body", "service_tier", "nullability", True, "openai may send null; mka1 does not allow null"),
        Difference("200 body", "service_tier", "enum", True, "openai may send scale, fast, ultrafast, unknown to mka1"),
    ]
    assert differences(matrix, "openai", "mka1", "200 body", "service_tier") == [
        Difference("200 body", "service_tier", "nullability", False, "openai allows null; mka1 never sends null"),
        Difference(
            "200 body", "service_tier", "enum", False, "openai knows scale, fast, ultrafast, which mka1 never sends"
        ),
    ]
    assert differences(matrix, "mka1", "yandex", "200 body", "service_tier") == [
        Difference(
            "200 body",
            "service_tier",
            "type",
            True,
            "yandex leaves its type open (any value, null included); mka1 expects string "
            "(auto, default, flex, priority)",
        )
    ]


def test_status_is_required_only_by_mka1_with_the_same_six_values_everywhere(matrix: Matrix) -> None:
    six = ("completed", "failed", "in_progress", "cancelled", "queued", "incomplete")
    assert facts(matrix, "mka1", "status") == ("string", True, False, six)
    assert facts(matrix, "yandex", "status") == ("string", False, False, six)
    assert facts(matrix, "openai", "status") == ("string", False, False, six)
    assert differences(matrix, "mka1", "yandex", "200 body", "status") == [
        Difference("200 body", "status", "requiredness", True, "mka1 requires it; yandex may omit it")
    ]
    assert differences(matrix, "openai", "yandex", "200 body", "status") == []


def test_error_envelopes_are_flat_for_yandex_and_wrapped_for_mka1_and_openai(matrix: Matrix) -> None:
    envelopes = {p: matrix.contracts[p].envelopes for p in PROVIDERS}
    assert (envelopes["yandex"]["404"], envelopes["mka1"]["404"], envelopes["openai"]["404"]) == (
        "flat",
        "wrapped",
        "wrapped",
    )
    assert envelopes["openai"]["429"] == "wrapped"
    assert differences(matrix, "yandex", "mka1", "404 body", "") == [
        Difference(
            "404 body",
            "",
            "envelope",
            True,
            "yandex expects a flat error body; mka1 sends a wrapped one (an assumption in the mka1 spec)",
        )
    ]
    assert differences(matrix, "yandex", "openai", "404 body", "") == [
        Difference(
            "404 body",
            "",
            "envelope",
            True,
            "yandex expects a flat error body; openai sends a wrapped one (an assumption in the openai spec)",
        )
    ]
    assert differences(matrix, "mka1", "openai", "404 body", "") == []
    # A clashing envelope replaces the field-by-field comparison of that body.
    assert differences(matrix, "yandex", "mka1", "404 body", "message") == []


def test_yandex_uuid_ids_break_mka1s_resp_pattern_but_not_the_other_way(matrix: Matrix) -> None:
    assert matrix.contracts["mka1"].fields[("path parameters", "response_id")].pattern == "^resp[-_][a-zA-Z0-9]+$"
    assert matrix.contracts["yandex"].fields[("path parameters", "response_id")].pattern is None
    assert differences(matrix, "mka1", "yandex", "path parameters", "response_id") == [
        Difference(
            "path parameters",
            "response_id",
            "id-pattern",
            True,
            "yandex's id '1e5ee267-2d01-49d7-abf9-94b9c0ffee00' does not match mka1's pattern ^resp[-_][a-zA-Z0-9]+$",
        )
    ]
    assert differences(matrix, "mka1", "openai", "path parameters", "response_id") == [
        Difference(
            "path parameters",
            "response_id",
            "id-pattern",
            False,
            "openai declares no id pattern; its example id 'resp_677efb5139a88190b512bc3fef8e535d' matches "
            "^resp[-_][a-zA-Z0-9]+$",
        )
    ]
    assert differences(matrix, "yandex", "mka1", "path parameters", "response_id")[0].breaking is False


def test_usage_is_required_by_yandex_and_mka1_while_openai_may_omit_it_or_send_null(matrix: Matrix) -> None:
    assert facts(matrix, "yandex", "usage") == ("object", True, False, None)
    assert facts(matrix, "mka1", "usage") == ("object", True, False, None)
    assert facts(matrix, "openai", "usage") == ("object", False, True, None)
    assert differences(matrix, "yandex", "openai", "200 body", "usage") == [
        Difference("200 body", "usage", "requiredness", True, "yandex requires it; openai may omit it"),
        Difference("200 body", "usage", "nullability", True, "openai may send null; yandex does not allow null"),
    ]
    assert differences(matrix, "openai", "yandex", "200 body", "usage.input_tokens_details.cache_write_tokens") == [
        Difference(
            "200 body",
            "usage.input_tokens_details.cache_write_tokens",
            "presence",
            True,
            "openai requires it; yandex does not document it",
        )
    ]


def test_user_may_be_null_everywhere_but_only_mka1_requires_it(matrix: Matrix) -> None:
    assert facts(matrix, "yandex", "user") == ("string", False, True, None)
    assert facts(matrix, "mka1", "user") == ("string", True, True, None)
    assert facts(matrix, "openai", "user") == ("string", False, True, None)
    assert differences(matrix, "yandex", "openai", "200 body", "user") == []
    assert differences(matrix, "mka1", "yandex", "200 body", "user") == [
        Difference("200 body", "user", "requiredness", True, "mka1 requires it; yandex may omit it")
    ]


def test_statuses_a_spec_only_assumes_say_so(matrix: Matrix) -> None:
    assert sorted(matrix.contracts["openai"].assumed) == ["400", "401", "404", "500", "503"]
    assert differences(matrix, "yandex", "mka1", "401 body", "")[0].reason == (
        "yandex expects a flat error body; mka1 sends a wrapped one (an assumption in the yandex and mka1 specs)"
    )
    assert "404" not in matrix.contracts["yandex"].assumed


def test_yandex_api_key_auth_is_breaking_for_clients_that_use_it(matrix: Matrix) -> None:
    assert matrix.contracts["yandex"].auth == ("Authorization: Api-Key <API key>", "Authorization: Bearer <token>")
    assert matrix.contracts["mka1"].auth == ("Authorization: Bearer <token>",)
    assert differences(matrix, "yandex", "mka1", "auth", "Authorization: Api-Key <API key>") == [
        Difference(
            "auth",
            "Authorization: Api-Key <API key>",
            "auth",
            True,
            "yandex may authenticate this way; mka1 does not accept it",
        )
    ]
    assert differences(matrix, "mka1", "yandex", "auth", "Authorization: Api-Key <API key>")[0].breaking is False


def test_children_of_a_missing_field_are_not_listed_again(matrix: Matrix) -> None:
    pair = next(p for p in matrix.pairs if (p.client, p.server) == ("openai", "yandex"))
    fields = [d.field for d in pair.differences if d.section == "200 body"]
    assert "prompt_cache_options" in fields
    assert [f for f in fields if f.startswith("prompt_cache_options.")] == []


def test_summary_lines_cover_every_ordered_pair(matrix: Matrix) -> None:
    assert [(p.client, p.server) for p in matrix.pairs] == [
        ("yandex", "mka1"),
        ("yandex", "openai"),
        ("mka1", "yandex"),
        ("mka1", "openai"),
        ("openai", "yandex"),
        ("openai", "mka1"),
    ]
    first = matrix.pairs[0]
    other = len(first.differences) - first.breaking
    assert first.summary == f"yandex → mka1: {first.breaking} breaking, {other} non-breaking"


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_output_matches_the_golden_file(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compat", "--format", fmt]) == 0
    out = capsys.readouterr().out
    golden = GOLDEN / f"compat.{fmt}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8"), f"{golden} is stale; rerun with UPDATE_GOLDEN=1 and review"


def test_markdown_starts_with_one_summary_line_per_pair(capsys: pytest.CaptureFixture[str]) -> None:
    main(["compat", "--providers", "mka1,openai"])
    lines = capsys.readouterr().out.splitlines()
    summary = [line for line in lines if line.startswith("- mka1 → ") or line.startswith("- openai → ")][:2]
    assert [line.split(":")[0] for line in summary] == ["- mka1 → openai", "- openai → mka1"]
    assert lines[lines.index("## Summary") + 2] == summary[0]


def test_json_keys_come_in_a_fixed_order(capsys: pytest.CaptureFixture[str]) -> None:
    main(["compat", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == [
        "operation",
        "providers",
        "specs",
        "summary",
        "auth",
        "status_codes",
        "rows",
        "pairs",
        "observed",
    ]
    assert list(payload["rows"][0]) == ["section", "field", "differs", "providers"]
    assert list(payload["pairs"][0]["differences"][0]) == ["section", "field", "kind", "class", "reason"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href")]


def test_html_parses_and_is_self_contained(matrix: Matrix) -> None:
    page = render(matrix, "html")
    collector = _Collector()
    collector.feed(page)
    collector.close()
    assert page.startswith("<!DOCTYPE html>")
    assert {"table", "style", "h1"} <= set(collector.tags)
    assert {"script", "link", "img"} & set(collector.tags) == set()
    assert collector.urls == []
    assert "http://" not in page and "https://" not in page


def test_an_unknown_provider_is_one_line_and_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compat", "--providers", "yandex,anthropic"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("error: unknown provider 'anthropic' in --providers; use some of: mka1, openai, yandex\n")


def write_drift(folder: Path) -> Path:
    """A valid drift.json in which yandex observed the fields below, mka1 was skipped and openai took no part."""
    folder.mkdir(exist_ok=True)
    report = json.loads((ROOT / "tests" / "cases" / "reports" / "skipped.json").read_text(encoding="utf-8"))
    yandex = report["providers"][0]
    yandex.update(status="ok", stopped=None, notes=[])
    yandex["observed"] = {
        "fields": [
            "id",
            "object",
            "created_at",
            "status",
            "output",
            "output.0.type",
            "parallel_tool_calls",
            "store",
            "usage",
            "usage.input_tokens",
            "usage.input_tokens_details",
            "usage.input_tokens_details.cached_tokens",
            "usage.output_tokens",
            "usage.output_tokens_details",
            "usage.output_tokens_details.reasoning_tokens",
            "usage.total_tokens",
        ],
        "enums": {"status": ["cancelled", "cancelling"]},
        "status_codes": {"cancelResponse": [200, 404, 409]},
    }
    (folder / "drift.json").write_text(json.dumps(report), encoding="utf-8")
    return folder


def test_observed_behaviour_is_checked_against_its_own_spec_and_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compat", "--format", "json", "--observed", str(write_drift(tmp_path / "report"))]) == 0
    observed = json.loads(capsys.readouterr().out)["observed"]["providers"]
    own = [(c["kind"], c["location"]) for c in observed["yandex"]["contradictions"] if c["against"] == "yandex"]
    assert own == [
        ("undocumented-field", "store"),
        ("enum-value-outside-spec", "status"),
        ("undocumented-status", "409"),
    ]
    against_mka1 = {(c["kind"], c["location"]) for c in observed["yandex"]["contradictions"] if c["against"] == "mka1"}
    assert ("missing-required-field", "completed_at") in against_mka1
    assert ("undocumented-field", "store") not in against_mka1
    assert observed["mka1"]["note"] == "drift.json records no observed behaviour"
    assert observed["openai"]["note"] == "no entry in drift.json"


def test_observed_columns_mark_which_fields_were_seen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["compat", "--observed", str(write_drift(tmp_path / "report"))])
    lines = capsys.readouterr().out.splitlines()
    assert "|   | field | mka1 | openai | yandex | seen from yandex |" in lines
    store = next(line for line in lines if line.startswith("| ≠ | store |"))
    assert store.endswith("| seen |")
    assert next(line for line in lines if line.startswith("| ≠ | completed_at |")).endswith("| not seen |")


def test_a_missing_observed_dir_is_one_line_and_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compat", "--observed", str(tmp_path / "nowhere")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: --observed {tmp_path / 'nowhere'} is not a directory; pass a report dir from `contracts check`\n"
    )


def test_a_drift_json_that_breaks_its_schema_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads((write_drift(tmp_path) / "drift.json").read_text(encoding="utf-8"))
    del report["providers"][0]["stopped"]
    (tmp_path / "drift.json").write_text(json.dumps(report), encoding="utf-8")
    assert main(["compat", "--observed", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'drift.json'} is not a valid drift report: providers.0: 'stopped' is a required property;"
        " pass a drift.json written by `contracts check --report-dir DIR`\n"
    )


def test_a_report_dir_without_drift_json_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compat", "--observed", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: cannot read {tmp_path / 'drift.json'}: No such file or directory;"
        " pass a drift.json written by `contracts check --report-dir DIR`\n"
    )


def test_a_drift_json_that_is_not_json_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "drift.json").write_text("{\n  nope", encoding="utf-8")
    assert main(["compat", "--observed", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'drift.json'} is not JSON: Expecting property name enclosed in double quotes"
        " at line 2 column 3; pass a drift.json written by `contracts check --report-dir DIR`\n"
    )


@pytest.mark.slow
def test_a_real_clean_run_contradicts_no_spec_of_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A clean fake sends `error: null`: the required children of a null-only parent are not "missing".
    assert main(["check", "--seed", "2", "--max-examples", "5", "--report-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["compat", "--format", "json", "--observed", str(tmp_path)]) == 0
    observed = json.loads(capsys.readouterr().out)["observed"]["providers"]
    own = {name: [c for c in observed[name]["contradictions"] if c["against"] == name] for name in ("yandex", "mka1")}
    assert own == {"yandex": [], "mka1": []}
