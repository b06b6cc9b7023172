"""Vendor text cannot fake a verdict or break a document in any rendering: terminal, Markdown, XML, HTML."""

from __future__ import annotations

import html as std_html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from contracts import escape

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "hostile" / "vendor-text.yaml").read_text("utf-8"))
# A strict CommonMark parser with GFM tables, as GitHub renders drift.md.
MARKDOWN = MarkdownIt("commonmark").enable("table")


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_rendering_shows_hostile_text_escaped_exactly(case: dict[str, Any]) -> None:
    text = case["text"]
    assert (escape.terminal(text), escape.markdown(text), escape.xml(text)) == (
        case["terminal"],
        case["markdown"],
        case["xml"],
    )


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_markdown_of_vendor_text_renders_as_one_plain_paragraph(case: dict[str, Any]) -> None:
    shown = escape.terminal(re.sub(r"\r\n|\r|\n", " ", case["text"])).rstrip(" ")
    rendered = MARKDOWN.render(f"- **mka1: DRIFT**: {escape.markdown(case['text'])}")
    assert rendered == f"<ul>\n<li><strong>mka1: DRIFT</strong>: {std_html.escape(shown, quote=True)}</li>\n</ul>\n"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_code_span_in_a_table_cell_keeps_the_text_literal_and_the_table_whole(case: dict[str, Any]) -> None:
    text = case["text"] + " ``a|b`` "
    table = f"| actual | seen |\n|---|---|\n| {escape.code_span(text, table=True)} | 1 |\n"
    rendered = MARKDOWN.render(table)
    # GFM trims the span's padding only when both ends have it; the two cells prove no `|` split the row.
    shown = std_html.escape(escape.terminal(re.sub(r"\r\n|\r|\n", " ", text)), quote=False).replace('"', "&quot;")
    assert f"<td><code>{shown}</code></td>\n<td>1</td>" in rendered


def test_a_code_span_fence_is_longer_than_any_backtick_run_and_empty_text_is_left_to_the_caller() -> None:
    assert [escape.code_span(t) for t in ("a", "``x`", "`", " a", "")] == [
        "`a`",
        "``` ``x` ```",
        "`` ` ``",
        "`  a `",
        "",
    ]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_xml_cleaned_vendor_text_survives_a_strict_xml_parser_in_text_and_attributes(case: dict[str, Any]) -> None:
    root = ET.Element("testcase", name=escape.xml(case["text"]))
    ET.SubElement(root, "failure", message=escape.xml(case["text"])).text = escape.xml(case["text"])
    document = ET.tostring(root, encoding="unicode").encode("utf-8")
    parsed = ET.fromstring(document)  # expat rejects every character XML 1.0 forbids
    assert parsed[0].text == escape.xml(case["text"]).replace("\r", "\n")


def test_without_cleaning_the_strict_parser_rejects_a_nul_so_the_check_above_can_fail() -> None:
    root = ET.Element("testcase", name="a\x00b")
    with pytest.raises(ET.ParseError, match="not well-formed"):
        ET.fromstring(ET.tostring(root, encoding="unicode").encode("utf-8", "backslashreplace"))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_html_and_safe_text_always_encode_as_utf8(case: dict[str, Any]) -> None:
    for rendered in (escape.html(case["text"]), escape.safe_text(case["text"]), escape.markdown(case["text"])):
        rendered.encode("utf-8")
    assert "<" not in escape.html(case["text"]) and '"' not in escape.html(case["text"])


def test_safe_text_writes_lone_surrogates_visibly_and_keeps_every_other_character() -> None:
    assert escape.safe_text("\ud83d ok \U0001f600 \x1b") == "\\ud83d ok \U0001f600 \x1b"
    with pytest.raises(UnicodeEncodeError):
        "\ud83d".encode()
