"""GitHub workflow annotations: one `::error` per failing drift and one `::warning` per new warning, each at the
line of the spec node the vendor broke.

The line comes from the record's `schema_location` (`<spec file>#<JSON pointer>`): the spec is composed (not
constructed) with PyYAML, whose nodes keep their start marks, and the pointer is followed key by key. A mapping
entry is reported at its key's line, where a reader would look; a pointer that leaves the document (a spec edited
since the run) stops at the deepest node it reached, so the annotation still lands inside the right block.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from contracts.escape import terminal
from contracts.model import BaselineState, DriftRecord, RunReport, Severity
from contracts.report.view import location

Annotation = tuple[str, str, int, str, str]  # level, file, line, title, message


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@functools.lru_cache(maxsize=8)
def _composed(path: str) -> yaml.Node | None:
    try:
        # The spec was loaded through the safe, capped loader earlier in this run; only its marks are new here.
        return yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def spec_line(path: str, pointer: str) -> int:
    """The 1-based line of the node `pointer` names in the YAML file at `path` (1 when it cannot be read)."""
    node = _composed(path)
    if node is None:
        return 1
    line = node.start_mark.line
    for token in (_unescape(raw) for raw in pointer.split("/")[1:]):
        if isinstance(node, yaml.MappingNode):
            found = [(key, value) for key, value in node.value if getattr(key, "value", None) == token]
            if not found:
                break
            key, node = found[0]
            line = key.start_mark.line
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            line = node.start_mark.line
        else:
            break
    return line + 1


def operation_pointer(path: str, operation_id: str) -> str:
    """The pointer of the operation with this `operationId`, for drift that names no schema node."""
    node = _composed(path)
    for route, item in node.value if isinstance(node, yaml.MappingNode) else ():
        if route.value != "paths" or not isinstance(item, yaml.MappingNode):
            continue
        for path_key, methods in item.value:
            for method, operation in methods.value if isinstance(methods, yaml.MappingNode) else ():
                # A path item also holds `parameters` (a list) and `summary`: only mappings can be operations.
                if not isinstance(operation, yaml.MappingNode):
                    continue
                ids = [v.value for k, v in operation.value if getattr(k, "value", None) == "operationId"]
                if ids == [operation_id]:
                    escaped = path_key.value.replace("~", "~0").replace("/", "~1")
                    return f"/paths/{escaped}/{method.value}"
    return ""


def _level(record: DriftRecord) -> str | None:
    if record.failing:
        return "error"
    if record.severity is Severity.WARNING and record.baseline is BaselineState.NEW:
        return "warning"
    return None


def collect(report: RunReport) -> list[Annotation]:
    """Every annotation of a report, in drift.json order."""
    found: list[Annotation] = []
    for entry in report.providers:
        for record in entry.drift:
            level = _level(record)
            if level is None:
                continue
            file, _, pointer = record.schema_location.partition("#")
            file = file or entry.spec
            pointer = pointer or operation_pointer(file, record.operation)
            title = f"{record.kind} drift in {record.provider} {record.operation} {record.status_code}"
            message = (
                f"{record.message} at {location(record)} (expected {record.expected or '-'}, got"
                f" {record.actual or '-'}; {record.baseline}, fingerprint {record.fingerprint}). Reproduce: "
                f"{record.reproduce}"
            )
            found.append((level, file, spec_line(file, pointer), title, message))
    return found


def _data(text: str) -> str:
    # GitHub's workflow-command encoding; vendor text can then neither end the command nor start a new one.
    return terminal(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_annotations(report: RunReport) -> str:
    """The workflow commands, one per line (empty when nothing fails or warns)."""
    return "".join(
        f"::{level} file={_property(file)},line={line},title={_property(title)}::{_data(message)}\n"
        for level, file, line, title, message in collect(report)
    )
