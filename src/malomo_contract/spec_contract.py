"""The contract's facts as `malomo.yaml` states them: operations, request-body fields and their limits, links,
and the one answer to "which operation is this request?". The suite's own tests read the API from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from malomo_spec import DEFAULT_SPEC

# The spec malomo_spec ships (a symlink to openapi/malomo.yaml in the checkout, a file when installed).
SPEC_PATH = DEFAULT_SPEC
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
# The version the spec's `info.version` names is what the suite asks for, as the client does.
VENDOR_MEDIA_TYPE = "application/vnd.malomo+json"


@functools.cache
def document() -> dict[str, Any]:
    loaded = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def resolve(node: Any) -> Any:
    """`node` with a local `$ref` followed (repeatedly); anything else as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def api_version() -> str:
    return str(document()["info"]["version"])


def accept_header(version: str | None = None) -> str:
    """The `Accept` header that selects `version` (default: the spec's own)."""
    return f"{VENDOR_MEDIA_TYPE}; version={version or api_version()}"


@dataclass(frozen=True)
class Field:
    """One property of a request body, with the limits its (resolved) schema states."""

    name: str
    schema: Mapping[str, Any]
    required: bool

    @property
    def type(self) -> str | None:
        kind = self.schema.get("type")
        return str(kind) if kind is not None else None

    @property
    def nullable(self) -> bool:
        return bool(self.schema.get("nullable", False))

    @property
    def format(self) -> str | None:
        value = self.schema.get("format")
        return str(value) if value is not None else None

    @property
    def max_length(self) -> int | None:
        value = self.schema.get("maxLength")
        return int(value) if value is not None else None

    @property
    def min_length(self) -> int:
        return int(self.schema.get("minLength", 0))

    @property
    def personal(self) -> bool:
        return bool(self.schema.get("x-personal-data", False))


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: a success answer of one operation fills parameters of `target` from expressions."""

    target: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class Operation:
    """One operation of the spec."""

    operation_id: str
    method: str
    path: str
    raw: Mapping[str, Any]
    path_parameters: tuple[str, ...]
    # Each path parameter's `format` (e.g. `uuid`), or None.
    path_formats: Mapping[str, str | None]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def documented_statuses(self) -> tuple[str, ...]:
        return tuple(str(status) for status in self.raw.get("responses", {}))

    @property
    def success_statuses(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.documented_statuses if s.isdigit() and 200 <= int(s) < 300)

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")

    def required_headers(self, status: int) -> dict[str, str]:
        """The response headers the spec requires on a `status` answer, with their `pattern` ('' for any)."""
        response = resolve(self.raw.get("responses", {}).get(str(status)))
        found = {}
        for name, header in (response or {}).get("headers", {}).items():
            header = resolve(header)
            if header.get("required"):
                found[str(name)] = str(resolve(header.get("schema", {})).get("pattern", ""))
        return found

    def success_schema(self) -> Mapping[str, Any] | None:
        """The JSON schema of the first documented success answer, resolved, or None (e.g. a 204)."""
        for status in self.success_statuses:
            response = resolve(self.raw["responses"][str(status)])
            content = response.get("content", {}).get("application/json")
            if content is not None:
                schema = resolve(content.get("schema", {}))
                return schema if isinstance(schema, dict) else None
        return None

    @property
    def is_list(self) -> bool:
        schema = self.success_schema()
        return self.method == "GET" and schema is not None and schema.get("type") == "array"

    @property
    def body_schema(self) -> Mapping[str, Any] | None:
        body = resolve(self.raw.get("requestBody"))
        if not isinstance(body, dict):
            return None
        content = body.get("content", {}).get("application/json")
        schema = resolve(content.get("schema")) if content else None
        return schema if isinstance(schema, dict) else None

    def body_fields(self) -> dict[str, Field]:
        """The request body's properties, by name (empty without a JSON body)."""
        schema = self.body_schema or {}
        required = set(schema.get("required", []))
        return {
            name: Field(name, _merged(prop), name in required)
            for name, prop in schema.get("properties", {}).items()
        }

    def body_example(self) -> Mapping[str, Any]:
        body = resolve(self.raw.get("requestBody")) or {}
        example = body.get("content", {}).get("application/json", {}).get("example")
        return example if isinstance(example, dict) else {}

    def links(self) -> list[Link]:
        found = []
        for status in self.success_statuses:
            for link in resolve(self.raw["responses"][str(status)]).get("links", {}).values():
                link = resolve(link)
                parameters = {str(name): str(value) for name, value in link.get("parameters", {}).items()}
                found.append(Link(str(link["operationId"]), parameters))
        return found

    def url_path(self, parameters: Mapping[str, str]) -> str:
        return re.sub(r"\{([^}/]+)\}", lambda m: str(parameters[m.group(1)]), self.path)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when `method path` is a request to this operation, else None."""
        if method.upper() != self.method:
            return None
        template = [part for part in self.path.split("/") if part]
        sent = [part for part in path.split("/") if part]
        if len(template) != len(sent):
            return None
        found: dict[str, str] = {}
        for expected, actual in zip(template, sent, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                found[expected[1:-1]] = actual
            elif expected != actual:
                return None
        return found


def _merged(schema: Any) -> dict[str, Any]:
    """A property's schema with its `$ref` (and an `allOf` of refs) folded into one mapping."""
    schema = resolve(schema)
    merged: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        merged.update(_merged(part))
    merged.update({key: value for key, value in schema.items() if key != "allOf"})
    return merged


@functools.cache
def operations() -> tuple[Operation, ...]:
    found = []
    for path, item in document()["paths"].items():
        shared = [resolve(p) for p in item.get("parameters", [])]
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            parameters = shared + [resolve(p) for p in raw.get("parameters", [])]
            in_path = [p for p in parameters if p.get("in") == "path"]
            names = tuple(str(p["name"]) for p in in_path)
            formats = {str(p["name"]): resolve(p.get("schema", {})).get("format") for p in in_path}
            found.append(Operation(str(raw["operationId"]), method.upper(), path, raw, names, formats))
    return tuple(found)


def operation(operation_id: str) -> Operation:
    return next(op for op in operations() if op.operation_id == operation_id)


def operation_for(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """Which operation of the spec `method path` (without the base URL's path) is, with its path parameters.

    The one place that answers it: a literal segment beats a parameter, as in OpenAPI's own matching.
    """
    matches = [(op, params) for op in operations() if (params := op.match(method, path)) is not None]
    if not matches:
        return None
    return min(matches, key=lambda match: len(match[1]))


def schema_property_names(schema: Mapping[str, Any] | None) -> set[str]:
    return set((schema or {}).get("properties", {}))


def unknown_field_name(schema: Mapping[str, Any] | None) -> str:
    """A property name `schema` does not have, chosen at run time so that it can never be a real field."""
    taken = schema_property_names(schema)
    candidate = "x_contract_probe"
    while candidate in taken:
        candidate += "_"
    return candidate


def create_operation_for(resource_path: str) -> Operation | None:
    """The POST that creates items of the list at `resource_path`, if the spec has one."""
    return next((op for op in operations() if op.method == "POST" and op.path == resource_path), None)


def operations_on_items_of(list_operation: Operation) -> list[tuple[Operation, str]]:
    """Operations on one item of `list_operation`'s list, with the parameter that names the item: their path
    is the list's plus `/{param}` (and maybe more), and they take no other path parameter."""
    found = []
    for op in operations():
        if op.path_parameters[:-1] != list_operation.path_parameters or not op.path_parameters:
            continue
        name = op.path_parameters[-1]
        item_path = f"{list_operation.path.rstrip('/')}/{{{name}}}"
        if op.path == item_path or op.path.startswith(item_path + "/"):
            found.append((op, name))
    return found


def evaluate(expression: str, parameters: Mapping[str, str], body: Any) -> str | None:
    """The value of a link's runtime expression (`$response.body#/id`, `$request.path.id`) for one answer."""
    if expression.startswith("$request.path."):
        return parameters.get(expression.removeprefix("$request.path."))
    if not expression.startswith("$response.body#"):
        return None
    value = body
    for part in expression.removeprefix("$response.body#").split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value if isinstance(value, str) else None


def body_size_limit() -> int | None:
    """The request-body limit the 413 answer states ("larger than 1 MiB"), in bytes."""
    units = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "KB": 1000, "MB": 1000**2}
    for op in operations():
        response = resolve(op.raw.get("responses", {}).get("413"))
        if isinstance(response, dict):
            found = re.search(r"larger than (\d+) ?(B|KiB|MiB|GiB|KB|MB)\b", response.get("description", ""))
            if found:
                return int(found.group(1)) * units[found.group(2)]
    return None
