"""Vendor text made safe for each rendering: terminal, Markdown, XML and HTML (pure functions, no contracts imports).

Vendor text is untrusted: a response id may carry ANSI sequences that rewrite a verdict line on a terminal, a
message may carry `## mka1: PASS` or `<script>`, a field name may carry characters XML 1.0 forbids, and JSON may
carry lone surrogates (`"\\ud83d"`) that no UTF-8 encoder accepts. Each function returns text that shows what the
vendor sent, visibly escaped, and that cannot change the structure around it.
"""

from __future__ import annotations

import html as _html
import re

# C0 controls, DEL and C1 controls move the cursor, clear lines or start escape sequences; bidirectional
# overrides and isolates reorder what is shown ("Trojan Source"); lone surrogates cannot be encoded.
_TERMINAL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# The characters XML 1.0 does not allow in a document at all (tab, LF and CR are allowed).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# What CommonMark/GFM gives a meaning anywhere inline: code, emphasis, links and images, HTML, entities, tables,
# strikethrough, headings. A backslash before ASCII punctuation always makes it literal; the rest of the
# punctuation (`.`, `(`, `-`...) is left alone so drift.md stays readable as plain text too.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|&~])")
# What only means something at the start of a line: a list item, an ordered list item, a setext underline.
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")
_BACKTICKS = re.compile(r"`+")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str) -> str:
    """The text with lone surrogates written as `\\udXXX`, so `.encode("utf-8")` can never raise.

    `backslashreplace` keeps what the vendor sent readable (a `replace` would hide it behind `?`) and stays
    one line; `surrogatepass` would write bytes that are not UTF-8 at all, which breaks every reader after us.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def terminal(text: str) -> str:
    """Text for one line of terminal output: controls (ESC, CR, LF...) and bidi overrides shown as `\\x1b`-style."""
    return _TERMINAL.sub(_visible, text)


def markdown(text: str) -> str:
    """Text for inline Markdown (a paragraph or a table cell): no headings, links, HTML, emphasis or table breaks.

    Line breaks become spaces, so nothing can start a new block; controls are shown escaped.
    """
    return _LINE_START.sub(_line_start, _MARKDOWN.sub(r"\\\1", terminal(_NEWLINES.sub(" ", text))))


def _line_start(match: re.Match[str]) -> str:
    lead, marker = match.groups()
    # `1.` becomes `1\.`; `-`, `+` and `=` get the backslash before them.
    return f"{lead}{marker}\\" if marker.isdigit() else f"{lead}\\{marker}"


def code_span(text: str, table: bool = False) -> str:
    """An inline code span holding the text literally, with a fence longer than any backtick run inside it.

    Inside a span Markdown is not parsed, so only the fence, line breaks and (in a GFM table, which splits on
    `|` even inside spans) the pipe need care. An empty text gives an empty string: the caller chooses a filler.
    """
    value = terminal(_NEWLINES.sub(" ", text))
    if not value:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(value)), default=0) + 1)
    pad = " " if value[0] in "` " or value[-1] in "` " else ""
    span = f"{fence}{pad}{value}{pad}{fence}"
    return span.replace("|", "\\|") if table else span


def xml(text: str) -> str:
    """Text for XML 1.0 character data or attributes: forbidden characters shown as `\\x00`-style escapes.

    Markup characters (`<`, `&`, quotes) are left to the XML writer (ElementTree escapes them).
    """
    return _XML_FORBIDDEN.sub(_visible, text)


def html(text: str) -> str:
    """Text for HTML content or a quoted attribute: markup escaped, and forbidden characters shown escaped."""
    return _html.escape(xml(text), quote=True)
