"""The contract the reference server serves, read at start-up from the OpenAPI document (parsed and its
`$ref`s followed by malomo_spec): each operation's query and body rules, the response shapes, and the
serving facts the spec states (its vendor media type, the largest request body, each list's cursors).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import malomo_spec
from malomo_mock.value_rules import JSON_TYPES, QueryParameter, ValueRule
from malomo_spec import DEFAULT_SPEC, Document, SpecError

# Schema keywords that only describe a value; everything else must be a rule `value_rules` enforces.
_ANNOTATIONS: Final = frozenset(
    {"description", "title", "example", "examples", "deprecated", "readOnly", "writeOnly", "default"}
    | {"externalDocs", "xml"}
)
_RULES: Final = frozenset(
    {"type", "nullable", "format", "maxLength", "minLength", "pattern", "enum", "minimum", "maximum"}
    | {"exclusiveMinimum", "exclusiveMaximum", "properties", "required", "additionalProperties"}
    | {"items", "maxItems", "minItems", "maxProperties", "minProperties"}
)
# The info-level extensions that state serving facts (see the spec's `info`).
MEDIA_TYPE_EXTENSION: Final = "x-malomo-media-type"
MAX_BODY_EXTENSION: Final = "x-malomo-max-body-bytes"
# RFC 8288 link relations of a list's neighbouring pages (IANA-registered names, not the spec's): the spec
# says which query parameter takes the cursor of each, in the parameter's description (`rel="next"`).
AFTER_RELATION: Final = "next"
BEFORE_RELATION: Final = "prev"

__all__ = [
    "DEFAULT_SPEC",
    "Contract",
    "CursorParameters",
    "OperationRules",
    "ResponseShape",
    "SpecError",
    "load_contract",
]


def _rule(document: Document, node: Any, where: str) -> ValueRule:
    """The rule of the schema `node`; SpecError when it uses a keyword the server does not enforce."""
    schema = document.resolve(node, where)
    if not isinstance(schema, Mapping):
        raise SpecError(f"{document.source}: {where}: a schema must be an object")
    unknown = sorted(key for key in schema if key not in _RULES | _ANNOTATIONS and not key.startswith("x-"))
    if unknown:
        raise SpecError(f"{document.source}: {where}: the reference server does not serve {unknown[0]!r}")
    kind = schema.get("type")
    if kind is not None and kind not in JSON_TYPES:
        raise SpecError(f"{document.source}: {where}: unknown type {kind!r}")
    additional = schema.get("additionalProperties", True)
    enum, pattern = schema.get("enum"), schema.get("pattern")
    return ValueRule(
        type=kind,
        nullable=bool(schema.get("nullable", False)),
        format=schema.get("format"),
        min_length=schema.get("minLength"),
        max_length=schema.get("maxLength"),
        pattern=None if pattern is None else re.compile(pattern),
        enum=None if enum is None else tuple(enum),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        exclusive_minimum=bool(schema.get("exclusiveMinimum", False)),
        exclusive_maximum=bool(schema.get("exclusiveMaximum", False)),
        min_items=schema.get("minItems"),
        max_items=schema.get("maxItems"),
        items=None if "items" not in schema else _rule(document, schema["items"], f"{where}.items"),
        properties={
            name: _rule(document, child, f"{where}.{name}")
            for name, child in schema.get("properties", {}).items()
        },
        required=frozenset(schema.get("required", ())),
        closed=additional is False,
        additional=(
            _rule(document, additional, f"{where}.additionalProperties")
            if isinstance(additional, Mapping)
            else None
        ),
        min_properties=schema.get("minProperties"),
        max_properties=schema.get("maxProperties"),
    )


@dataclass(frozen=True, slots=True)
class ResponseShape:
    """The fields of a response object in the spec's order, each with what a record lacking it answers, and
    the name each field the spec marks renamed had before (a record written before the rename has it)."""

    fields: tuple[tuple[str, Any], ...]
    renamed: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.fields)

    def render(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The response object: each field from `values` (under its old name when it was renamed), or its
        default (the schema's, else null)."""
        old_names = dict(self.renamed)
        rendered = {}
        for name, default in self.fields:
            if name not in values and old_names.get(name) in values:
                rendered[name] = values[old_names[name]]
            else:
                rendered[name] = values.get(name, default)
        return rendered


def _shape(document: Document, node: Any, where: str) -> ResponseShape:
    schema = document.resolve(node, where)
    fields = []
    for field_name, child in schema.get("properties", {}).items():
        fields.append((field_name, document.resolve(child, f"{where}.{field_name}").get("default")))
    renamed = tuple(sorted(malomo_spec.renamed_properties(document, schema).items()))
    return ResponseShape(tuple(fields), renamed)


@dataclass(frozen=True, slots=True)
class CursorParameters:
    """The query parameters of a list that take the cursor of its following (`after`) and preceding
    (`before`) page, as its `Link` header names them."""

    after: str
    before: str


@dataclass(frozen=True, slots=True)
class OperationRules:
    """One operation of the spec with its query parameters' and JSON request body's rules.

    `unservable` says why its rules could not be read (a keyword the server does not enforce), else None.
    """

    operation: malomo_spec.Operation
    query: tuple[QueryParameter, ...]
    body: ValueRule | None
    unservable: str | None = None
    # The query parameters that filter the list (`x-malomo-filter`), served with no code of their own.
    filters: tuple[malomo_spec.QueryFilter, ...] = ()

    @property
    def operation_id(self) -> str:
        return self.operation.operation_id

    @property
    def method(self) -> str:
        return self.operation.method

    @property
    def path(self) -> str:
        return self.operation.path

    def requires_query(self) -> bool:
        return any(parameter.required for parameter in self.query)

    def check_query(self, values_of: Callable[[str], list[str]]) -> None:
        """InvalidValue naming the parameter unless the declared query parameters follow their schemas."""
        for parameter in self.query:
            parameter.check(values_of(parameter.name))


def _operation_rules(document: Document, operation: malomo_spec.Operation) -> OperationRules:
    where, operation_id = operation.label, operation.operation_id
    try:
        query = tuple(
            QueryParameter(
                str(parameter["name"]),
                bool(parameter.get("required", False)),
                _rule(document, parameter.get("schema", {}), f"{operation_id} query {parameter['name']}"),
            )
            for parameter in operation.parameters_in("query")
        )
        body = None
        request_body = document.resolve(operation.node.get("requestBody"), f"{where} requestBody")
        if isinstance(request_body, Mapping):
            media = request_body.get("content", {}).get("application/json")
            if media is not None:
                body = _rule(document, media.get("schema", {}), f"{operation_id} request body")
        filters = malomo_spec.query_filters(document, operation.parameters_in("query"))
    except SpecError as exc:
        return OperationRules(operation, (), None, str(exc))
    return OperationRules(operation, query, body, filters=filters)


@dataclass(frozen=True)
class Contract:
    """Everything the server reads from one OpenAPI document."""

    source: Path
    document: Document
    operations: tuple[OperationRules, ...]
    media_type: str  # whose `version` parameter picks the API version in `Accept`
    max_body_bytes: int  # the largest request body served

    @property
    def api_version(self) -> str:
        return self.document.api_version

    def resolve(self, node: Any) -> Any:
        """`node` with its local `$ref`s followed."""
        return self.document.resolve(node, "$ref")

    def schema(self, name: str) -> ValueRule:
        """The rule of the component schema `name`; SpecError when there is none or it cannot be enforced."""
        schemas = self.document.schemas()
        if name not in schemas:
            raise SpecError(f"{self.source}: no schema {name!r}")
        return _rule(self.document, schemas[name], name)

    def operation(self, operation_id: str) -> OperationRules:
        for operation in self.operations:
            if operation.operation_id == operation_id:
                return operation
        raise SpecError(f"{self.source}: no operation {operation_id!r}")

    def paths(self) -> dict[str, dict[str, OperationRules]]:
        """Each path template with its operations by upper-case method, in the spec's order."""
        paths: dict[str, dict[str, OperationRules]] = {}
        for operation in self.operations:
            paths.setdefault(operation.path, {})[operation.method] = operation
        return paths

    @property
    def auth_scheme(self) -> str:
        """The scheme of the spec's HTTP security scheme as `Authorization` and `WWW-Authenticate` write it
        (`bearer` -> `Bearer`); SpecError when the spec has none."""
        schemes = self.document.tree.get("components", {}).get("securitySchemes", {})
        for node in schemes.values():
            scheme = self.resolve(node)
            if scheme.get("type") == "http" and isinstance(scheme.get("scheme"), str):
                return str(scheme["scheme"]).capitalize()
        raise SpecError(f"{self.source}: no HTTP security scheme")

    def response_schema(self, operation_id: str) -> Any:
        """The schema of the operation's 200 JSON answer (of an item, for a list), `$ref`s followed."""
        where = f"{operation_id} 200 response"
        answer = self.resolve(self.operation(operation_id).operation.responses.get("200"))
        media = answer.get("content", {}).get("application/json") if isinstance(answer, Mapping) else None
        if not isinstance(media, Mapping) or "schema" not in media:
            raise SpecError(f"{self.source}: {where} has no JSON schema")
        schema = self.document.resolve(media["schema"], where)
        return self.document.resolve(schema["items"], where) if schema.get("type") == "array" else schema

    def response_rule(self, operation_id: str) -> ValueRule:
        """The rule of the object the operation answers (each item's, for a list)."""
        return _rule(self.document, self.response_schema(operation_id), f"{operation_id} 200 response")

    def response_shape(self, operation_id: str) -> ResponseShape:
        """The shape of the object the operation answers (each item's, for a list)."""
        return _shape(self.document, self.response_schema(operation_id), f"{operation_id} 200 response")

    def cursor_parameters(self, operation_id: str) -> CursorParameters:
        """The list's cursor parameters: the query parameters whose description names the `Link` header's
        `rel="next"` / `rel="prev"` target (else the parameter of the relation's own name)."""
        query = self.operation(operation_id).operation.parameters_in("query")

        def taking(relation: str) -> str:
            for parameter in query:
                if f'rel="{relation}"' in str(parameter.get("description", "")):
                    return str(parameter["name"])
            if any(parameter.get("name") == relation for parameter in query):
                return relation
            raise SpecError(f"{self.source}: {operation_id} has no query parameter for rel={relation!r}")

        return CursorParameters(taking(AFTER_RELATION), taking(BEFORE_RELATION))


def _serving_facts(document: Document, source: Path) -> tuple[str, int]:
    """The vendor media type and the largest request body the spec's `info` states."""
    media_type = document.extension(MEDIA_TYPE_EXTENSION)
    max_body = document.extension(MAX_BODY_EXTENSION)
    if not isinstance(media_type, str) or not media_type:
        raise SpecError(f"{source}: info.{MEDIA_TYPE_EXTENSION} must name the vendor media type")
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
        raise SpecError(f"{source}: info.{MAX_BODY_EXTENSION} must be a positive number of bytes")
    return media_type.lower(), max_body


def load_contract(path: Path = DEFAULT_SPEC) -> Contract:
    """The contract of the OpenAPI 3.0 document at `path`; SpecError (one line) when it cannot be served."""
    return _contract_of(path, malomo_spec.load(path))


# A Contract is immutable, so one serves every app built from the same document (malomo_spec parses a text
# once): a test fake built per test (malomo_mock.Fake) would otherwise spend its set-up reading rules.
@functools.lru_cache(maxsize=8)
def _contract_of(path: Path, document: Document) -> Contract:
    try:
        operations = tuple(_operation_rules(document, op) for op in malomo_spec.operations(document))
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise SpecError(f"{path}: malformed OpenAPI document ({type(exc).__name__}: {exc})") from None
    return Contract(path, document, operations, *_serving_facts(document, path))
