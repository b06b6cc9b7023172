"""Load a provider's hand-written OpenAPI 3.1 spec and answer questions about it."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from contracts.errors import SpecError
from contracts.loader import load_yaml, package_path

# The operations every vendor spec has (specs/README.md); the suite drives them and the fakes serve them.
OPERATION_IDS = ("createResponse", "getResponse", "cancelResponse")
SPEC_URI = "urn:spec"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

JsonObject = dict[str, Any]


def spec_root(spec_dir: Path | None = None) -> Path:
    """The folder holding `<provider>/openapi.yaml`: `spec_dir` (`--spec-dir`) when given, else the shipped specs.

    The shipped specs are package data (`contracts/data/specs`); in a checkout that folder links to the
    repository's `specs/`, and resolving the link keeps every report and annotation pointing at that file.
    """
    return spec_dir if spec_dir is not None else package_path("data", "specs").resolve()


def escape(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer(tokens: Iterable[str | int]) -> str:
    """Build a JSON pointer from path tokens; the empty pointer is the whole document."""
    return "".join(f"/{escape(str(token))}" for token in tokens)


def resolve_pointer(document: Any, ref: str) -> Any:
    """Return the node a local pointer (`#/a/b` or `/a/b`) names."""
    node = document
    for raw in ref.lstrip("#").split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def follow(document: Any, location: str, node: Any = None) -> tuple[str, Any]:
    """Follow local `$ref`s from the node at `location` (or `node`, found there) to the pointer and node they end at."""
    node = resolve_pointer(document, location) if node is None else node
    while isinstance(node, dict) and "$ref" in node:
        location = node["$ref"].lstrip("#")
        node = resolve_pointer(document, location)
    return location, node


@dataclass(frozen=True)
class Operation:
    """One operation of a spec, with the pointer to its node."""

    operation_id: str
    method: str
    path: str
    node: JsonObject
    location: str

    def response(self, status_code: int) -> tuple[str, JsonObject] | None:
        """The documented response for a status (exact, then `4XX`-style, then `default`) and its pointer."""
        responses: JsonObject = self.node.get("responses", {})
        for key in (str(status_code), f"{str(status_code)[0]}XX", "default"):
            if key in responses:
                return f"{self.location}/responses/{escape(key)}", responses[key]
        return None

    def parameters(self, document: JsonObject) -> list[tuple[str, JsonObject]]:
        """The operation's parameters (path-level ones included) with the pointer to each one's schema."""
        found: dict[tuple[str, str], tuple[str, JsonObject]] = {}
        path_location = self.location.rsplit("/", 1)[0]
        for location in (path_location, self.location):
            for index, raw in enumerate(resolve_pointer(document, location).get("parameters", [])):
                at, parameter = follow(document, f"{location}/parameters/{index}", raw)
                found[(parameter["in"], parameter["name"])] = (f"{at}/schema", parameter)
        return list(found.values())

    @property
    def statuses(self) -> list[str]:
        """The documented status codes, as written in the spec."""
        return list(self.node.get("responses", {}))


@dataclass(frozen=True)
class Spec:
    """A loaded provider spec: the raw document plus helpers to resolve and validate against it."""

    provider: str
    path: Path
    document: JsonObject
    operations: dict[str, Operation] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """The vendor's real base URL, from `servers[0]`."""
        return str(self.document["servers"][0]["url"]).rstrip("/")

    @property
    def display_path(self) -> str:
        """The spec file relative to the working directory when possible, for schema locations in reports."""
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def operation(self, operation_id: str) -> Operation:
        """The operation with this `operationId`."""
        return self.operations[operation_id]

    @cached_property
    def _followed(self) -> dict[str, tuple[str, Any]]:
        return {}

    def followed(self, location: str) -> tuple[str, Any]:
        """`follow(self.document, location)`, remembered as first followed (schemathesis may later inline `$ref`s
        of the document in place, which changes where a pointer leads but not what it says)."""
        found = self._followed.get(location)
        if found is None:
            found = self._followed[location] = follow(self.document, location)
        return found

    def deref(self, node: Any) -> Any:
        """Follow local `$ref`s until a node without one is reached."""
        return follow(self.document, "", node)[1]

    @cached_property
    def registry(self) -> Registry[Any]:
        """A referencing registry holding the whole document, so local `$ref`s resolve offline."""
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        return registry

    @cached_property
    def _validators(self) -> dict[str, Draft202012Validator]:
        return {}

    @cached_property
    def _fast_validators(self) -> dict[str, Any]:
        return {}

    @cached_property
    def _fast_registry(self) -> Any:
        return jsonschema_rs.Registry([(SPEC_URI, self.document)], draft=jsonschema_rs.Draft202012)

    def conforms(self, schema_pointer: str, instance: Any) -> bool:
        """Whether an instance surely validates against the schema at `schema_pointer`, by jsonschema-rs (fast).

        True is final; False only means python-jsonschema must look, and it alone classifies what fails (its
        structured errors decide the kind). Formats are annotations in both, as in Draft 2020-12.
        """
        if schema_pointer not in self._fast_validators:
            schema = {"$ref": f"{SPEC_URI}#{quote(schema_pointer, safe='/~')}"}
            try:
                found = jsonschema_rs.Draft202012Validator(schema, registry=self._fast_registry, validate_formats=False)
            except (jsonschema_rs.ReferencingError, jsonschema_rs.ValidationError):
                # The registry is a copy of the document as first validated; schemathesis' generated layer later
                # inlines `$ref`s in place, so a pointer into an inlined part exists only for python-jsonschema.
                found = None
            self._fast_validators[schema_pointer] = found
        validator = self._fast_validators[schema_pointer]
        try:
            return validator is not None and bool(validator.is_valid(instance))
        except UnicodeEncodeError:
            # A lone surrogate in vendor JSON cannot cross into Rust; python-jsonschema judges such a body alone.
            return False

    def validator(self, schema_pointer: str) -> Draft202012Validator:
        """A validator for the schema at `schema_pointer`, with refs resolving into this document (cached)."""
        found = self._validators.get(schema_pointer)
        if found is None:
            schema = {"$ref": f"{SPEC_URI}#{schema_pointer}"}
            found = self._validators[schema_pointer] = Draft202012Validator(schema, registry=self.registry)
        return found

    def walk_schema_path(self, start: str, schema_path: Iterable[str | int]) -> tuple[str, list[JsonObject]]:
        """Follow a jsonschema `absolute_schema_path` from `start`, through `$ref`s, to a spec pointer.

        jsonschema leaves `$ref` hops out of schema paths, so each missing key is looked up behind the node's
        `$ref`. Returns the final pointer and every node passed, for `x-assumed` lookups.
        """
        location = start
        node = resolve_pointer(self.document, start)
        seen = [node]
        for token in schema_path:
            while isinstance(node, dict) and token not in node and "$ref" in node:
                location = node["$ref"].lstrip("#")
                node = resolve_pointer(self.document, node["$ref"])
                seen.append(node)
            if isinstance(node, list):
                node = node[int(token)]
            elif isinstance(node, dict) and token in node:
                node = node[token]
            else:
                break
            location = f"{location}/{escape(str(token))}"
            seen.append(node)
        return location, [n for n in seen if isinstance(n, dict)]

    def response_body_pointer(self, operation_id: str, status_code: int) -> str | None:
        """Pointer to the JSON body schema of a documented response, if it has one."""
        operation = self.operations.get(operation_id)
        found = operation.response(status_code) if operation else None
        if found is None:
            return None
        location, response = follow(self.document, *found)
        if "schema" not in response.get("content", {}).get("application/json", {}):
            return None
        return f"{location}/content/application~1json/schema"


def spec_path(provider: str, spec_dir: Path | None = None) -> Path:
    """Where a provider's spec lives."""
    return spec_root(spec_dir) / provider / "openapi.yaml"


def load_spec(provider: str, spec_dir: Path | None = None, *, path: Path | None = None) -> Spec:
    """Load and check one provider's spec (or the file at `path`); any problem becomes a one-line `SpecError`."""
    path = path or spec_path(provider, spec_dir)
    document = read_document(path)
    operations: dict[str, Operation] = {}
    for route, item in document.get("paths", {}).items():
        for method, node in item.items():
            if method in HTTP_METHODS and isinstance(node, dict) and "operationId" in node:
                location = pointer(["paths", route, method])
                operations[node["operationId"]] = Operation(node["operationId"], method.upper(), route, node, location)
    return Spec(provider=provider, path=path, document=document, operations=operations)


def read_document(path: Path) -> JsonObject:
    """Read a YAML or JSON OpenAPI file and validate it against the OpenAPI 3.1 meta-schema."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return copy.deepcopy(_read_document(path, stamp))


@functools.lru_cache(maxsize=32)
def _read_document(path: Path, stamp: int) -> JsonObject:
    # Validation against the meta-schema takes ~100 ms; the stamp keeps the cache honest when a file changes.
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    fix, read_fix = "fix the syntax and run again", "check the path and permissions"
    document = load_yaml(path, "spec file", fix, error=SpecError, read_fix=read_fix)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError(f"spec file {path} is not an OpenAPI 3.1 document", "set `openapi: 3.1.0` at the top")
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        where = pointer(exc.absolute_path) if hasattr(exc, "absolute_path") else ""
        reason = str(getattr(exc, "message", exc)).splitlines()[0]
        raise SpecError(f"spec file {path} is invalid at {where or '/'}: {reason}", "fix the spec") from None
    return document
