"""One request and its answer, with what the spec says about it, worked out once and shared by every check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx

from contracts.body import Parsed, parse_json
from contracts.client import truncated_at
from contracts.drift import Where
from contracts.model import Basis
from contracts.specs import JsonObject, Operation, Spec, escape, follow

NO_BODY: Any = object()


@dataclass(frozen=True)
class Documented:
    """The spec's response object for the answer's status: where it is, what it says, and its basis."""

    pointer: str
    node: JsonObject
    basis: Basis


@dataclass
class Exchange:
    """What the checks judge: the answer to one request of an operation, in the spec's terms."""

    spec: Spec
    where: Where
    operation: Operation
    response: httpx.Response
    path_params: Mapping[str, str] = field(default_factory=dict)
    # The parameter a generated request broke on purpose (negative generation), checked against the spec.
    negated: str | None = None

    @property
    def status(self) -> int:
        """The answer's status code."""
        return self.response.status_code

    @cached_property
    def documented(self) -> Documented | None:
        """The spec's response for this status, following `$ref`s; None when the status is not documented."""
        found = self.operation.response(self.status)
        if found is None:
            return None
        location, node = follow(self.spec.document, *found)
        return Documented(location, node, Basis.ASSUMED if "x-assumed" in node else Basis.DOCUMENTED)

    @cached_property
    def media_type(self) -> str:
        """The answer's media type, lower case, without parameters ("" when it has none)."""
        return str(self.response.headers.get("content-type", "")).split(";")[0].strip().lower()

    @cached_property
    def json_media(self) -> bool:
        """Whether the spec documents this answer's media type and it is a JSON one."""
        documented = self.documented
        content = documented.node.get("content", {}) if documented else {}
        return self.media_type in content and "json" in self.media_type

    @property
    def schema_pointer(self) -> str | None:
        """The body schema for this answer's media type, when the spec has one."""
        documented = self.documented
        if documented is None or not self.json_media:
            return None
        if "schema" not in documented.node["content"][self.media_type]:
            return None
        return f"{documented.pointer}/content/{escape(self.media_type)}/schema"

    @cached_property
    def truncated_at(self) -> int | None:
        """The cap the client cut this body at, when the vendor sent more than it keeps; None for a whole body."""
        return truncated_at(self.response)

    @cached_property
    def parsed_body(self) -> Parsed:
        """The strict parse of the body (RFC 8259, depth capped): the value, or why it cannot be judged."""
        return parse_json(self.response.content)

    @property
    def body(self) -> Any:
        """The parsed JSON body, or `NO_BODY` when the answer has none that parses (or was cut short)."""
        if not self.response.content or self.truncated_at is not None or not self.parsed_body.ok:
            return NO_BODY
        return self.parsed_body.value

    @property
    def parsed(self) -> Any:
        """The body scenarios compare: parsed JSON of an answer the spec lets them read, else None."""
        if self.body is NO_BODY or self.status >= 500:
            return None
        return self.body if self.documented is None or self.json_media else None

    def schema_location(self, pointer: str) -> str:
        """A spec pointer as reports show it: the spec file, then the pointer."""
        return f"{self.spec.display_path}#{pointer}"
