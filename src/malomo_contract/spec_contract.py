"""The contract's facts as `malomo.yaml` states them, as the suite reads them: operations with their body
fields, limits, links and error statuses. The plumbing (YAML, `$ref`s, which operation a request is) is
malomo_spec's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import malomo_spec
from malomo_spec import DEFAULT_SPEC, Document

# The spec malomo_spec ships (a symlink to openapi/malomo.yaml in the checkout, a file when installed).
SPEC_PATH = DEFAULT_SPEC
# The component schema of every error answer's body (the spec's `Error`).
ERROR_SCHEMA: Final = "Error"


@functools.cache
def spec() -> Document:
    """The spec the suite tests against, parsed once."""
    return malomo_spec.load(SPEC_PATH)


def document() -> dict[str, Any]:
    """The spec's tree as written (read it, never change it)."""
    tree = spec().tree
    assert isinstance(tree, dict)
    return tree


def resolve(node: Any) -> Any:
    """`node` with a local `$ref` followed (repeatedly); anything else as it is."""
    return spec().resolve(node)


def api_version() -> str:
    return spec().api_version


def media_type() -> str:
    """The vendor media type the spec names (`info.x-malomo-media-type`)."""
    return str(spec().extension("x-malomo-media-type"))


def accept_header(version: str | None = None) -> str:
    """The `Accept` header that selects `version` (default: the spec's own)."""
    return f"{media_type()}; version={version or api_version()}"


def body_size_limit() -> int | None:
    """The request-body limit the spec states (`info.x-malomo-max-body-bytes`), in bytes."""
    limit = spec().extension("x-malomo-max-body-bytes")
    return int(limit) if limit is not None else None


def error_statuses(document: Document, operation_node: Mapping[str, Any]) -> frozenset[int]:
    """The statuses an operation documents with the `Error` body: what the error-body promise covers."""
    error = document.schema(ERROR_SCHEMA)
    found = set()
    for status, response in operation_node.get("responses", {}).items():
        content = document.resolve(response, str(status)).get("content", {})
        schemas = [media.get("schema") for media in content.values() if isinstance(media, Mapping)]
        if str(status).isdigit() and any(document.merged(schema) == error for schema in schemas if schema):
            found.add(int(status))
    return frozenset(found)


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
class Operation(malomo_spec.Operation):
    """One operation of the spec (malomo_spec's, its paths matched the one way), with what the suite reads."""

    @property
    def raw(self) -> Mapping[str, Any]:
        return self.node

    @property
    def path_formats(self) -> dict[str, str | None]:
        """Each path parameter's `format` (e.g. `uuid`), or None."""
        return {
            str(p["name"]): resolve(p.get("schema", {})).get("format") for p in self.parameters_in("path")
        }

    @property
    def documented_statuses(self) -> tuple[str, ...]:
        return tuple(self.responses)

    @property
    def success_statuses(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.documented_statuses if s.isdigit() and 200 <= int(s) < 300)

    @property
    def error_statuses(self) -> frozenset[int]:
        return error_statuses(spec(), self.node)

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")

    def required_headers(self, status: int) -> dict[str, str]:
        """The response headers the spec requires on a `status` answer, with their `pattern` ('' for any)."""
        response = resolve(self.responses.get(str(status)))
        found = {}
        for name, header in (response or {}).get("headers", {}).items():
            header = resolve(header)
            if header.get("required"):
                found[str(name)] = str(resolve(header.get("schema", {})).get("pattern", ""))
        return found

    def success_schema(self) -> Mapping[str, Any] | None:
        """The JSON schema of the first documented success answer, resolved, or None (e.g. a 204)."""
        for status in self.success_statuses:
            response = resolve(self.responses[str(status)])
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
        body = resolve(self.node.get("requestBody"))
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
            name: Field(name, spec().merged(prop), name in required)
            for name, prop in schema.get("properties", {}).items()
        }

    def body_example(self) -> Mapping[str, Any]:
        body = resolve(self.node.get("requestBody")) or {}
        example = body.get("content", {}).get("application/json", {}).get("example")
        return example if isinstance(example, dict) else {}

    def links(self) -> list[Link]:
        found = []
        for status in self.success_statuses:
            for link in resolve(self.responses[str(status)]).get("links", {}).values():
                link = resolve(link)
                parameters = {str(name): str(value) for name, value in link.get("parameters", {}).items()}
                found.append(Link(str(link["operationId"]), parameters))
        return found


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, in its order."""
    return tuple(
        Operation(op.operation_id, op.method, op.path, op.node, op.parameters)
        for op in malomo_spec.operations(spec())
    )


def operation(operation_id: str) -> Operation:
    return next(op for op in operations() if op.operation_id == operation_id)


def operation_for(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """Which operation of the spec `method path` (without the base URL's path) is, with its path parameters:
    malomo_spec's one answer, as the suite's Operation. Every part of the suite asks here."""
    matched = malomo_spec.operation_for(spec(), method, path)
    if matched is None:
        return None
    found, parameters = matched
    return operation(found.operation_id), parameters


def operation_labelled(label: str) -> Operation | None:
    """The operation `METHOD /path/{x}` (schemathesis' label), if the spec has it."""
    return next((op for op in operations() if op.label == label), None)


# The RFC 8288 relations a list's `Link` header names; the spec's query parameters of these names carry them.
CURSOR_RELS: Final = ("next", "prev")


@functools.cache
def cursor_parameters() -> dict[str, Mapping[str, Any]]:
    """The list operations' cursor parameters (a query parameter named for a `Link` rel), with their schemas,
    in the spec's order."""
    found: dict[str, Mapping[str, Any]] = {}
    for op in operations():
        for parameter in op.parameters_in("query") if op.is_list else ():
            if parameter.get("name") in CURSOR_RELS:
                found.setdefault(str(parameter["name"]), spec().merged(parameter.get("schema", {})))
    return found


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
