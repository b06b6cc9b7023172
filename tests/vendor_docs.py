"""Field lists extracted from the vendor doc pages kept in `specs/<provider>/vendor-doc-cancel.txt`.

The lists are read from the pages themselves, never typed by hand, so a spec that drifts from its docs fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from contracts.specs import spec_root

MKA1_TYPE_LINE = re.compile(r"^(string|number|integer|boolean|object|any|enum<\w+>|object\[\]|\(.*\)\[\])( \| null)?$")
FIELD_NAME = re.compile(r"^[a-z_]+$")


def doc_text(provider: str) -> str:
    """The vendor doc page as copied into the repo."""
    return Path(spec_root() / provider / "vendor-doc-cancel.txt").read_text(encoding="utf-8")


def yandex_skeleton() -> list[dict[str, object]]:
    """The three `allOf` parts of the Yandex 200 body, parsed from the JSON skeleton on the page."""
    text = doc_text("yandex")
    start = text.index("{", text.index("Response schema: application/json"))
    skeleton, _ = json.JSONDecoder().raw_decode(text[start:])
    parts: list[dict[str, object]] = skeleton["<allOf>"]
    return parts


def yandex_fields() -> set[str]:
    """Dotted paths of every field in the Yandex skeleton, except inside the `anyOf` unions of output and tools."""
    fields: set[str] = set()

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                if name.startswith("<"):
                    continue
                fields.add(prefix + name)
                walk(child, f"{prefix}{name}.")

    for part in yandex_skeleton():
        walk(part, "")
    return fields


def yandex_table_rows() -> dict[str, str]:
    """The rows of the three top-level field tables: field name to its description."""
    text = doc_text("yandex")
    section = text[text.index("All of:") : text.index("Reasoning\n[CURRENTLY NOT SUPPORTED]")]
    lines = section.splitlines()
    rows: dict[str, str] = {}
    for index in range(1, len(lines) - 1):
        if lines[index - 1] == "|" and lines[index].endswith(" |") and lines[index] != "Field |":
            rows[lines[index][:-2].strip()] = lines[index + 1]
    return rows


def mka1_fields() -> dict[str, bool]:
    """The MKA1 200 body fields listed on the page, each mapped to whether the page marks it required."""
    text = doc_text("mka1")
    lines = [line.strip() for line in text[text.index("200 - application/json") :].splitlines()] + [""]
    fields: dict[str, bool] = {}
    index = 0
    # Walk the list in order, consuming each name with its type line, so type words are never taken for names.
    while index < len(lines) - 1:
        name, kind = lines[index], lines[index + 1]
        if FIELD_NAME.match(name) and name != "required" and (MKA1_TYPE_LINE.match(kind) or kind == "required"):
            fields[name] = "required" in lines[index + 1 : index + 3]
            index += 3 if kind != "required" and lines[index + 2] == "required" else 2
        else:
            index += 1
    return fields


def mka1_example() -> dict[str, object]:
    """The example cancel response printed on the MKA1 page."""
    text = doc_text("mka1")
    start = text.index("{\n")
    example, _ = json.JSONDecoder().raw_decode(text[start:])
    assert isinstance(example, dict)
    return example
