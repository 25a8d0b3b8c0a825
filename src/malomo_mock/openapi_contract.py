"""The contract the reference server serves, read from the OpenAPI document at start-up: its operations and
the rules of each request body, query parameter and response field (type, nullability, limits, required-ness).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import yaml

from malomo_spec import DEFAULT_SPEC as SHIPPED_SPEC

# The spec shipped inside the package (a symlink to openapi/malomo.yaml in the checkout, a copy in the wheel).
DEFAULT_SPEC: Final = SHIPPED_SPEC
HTTP_METHODS: Final = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Schema keywords that only describe a value; everything else must be a rule this module enforces.
_ANNOTATIONS: Final = frozenset(
    {"description", "title", "example", "examples", "deprecated", "readOnly", "writeOnly", "default"}
    | {"externalDocs", "xml"}
)
_RULES: Final = frozenset(
    {"type", "nullable", "format", "maxLength", "minLength", "pattern", "enum", "minimum", "maximum"}
    | {"exclusiveMinimum", "exclusiveMaximum", "properties", "required", "additionalProperties"}
    | {"items", "maxItems", "minItems", "maxProperties", "minProperties"}
)
_JSON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
_ARTICLES: Final = {"integer": "an integer", "object": "an object", "array": "an array"}
_INTEGER_FORMATS: Final = {"int32": 2**31, "int64": 2**63}
# `format: email` as the spec's Email description words it: an RFC 5322 dot-atom local part (no quoted
# strings) and a host name of letter, digit and hyphen labels (a dotless one too).
_EMAIL: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INTEGER_TEXT: Final = re.compile(r"-?[0-9]{1,20}")
_NUMBER_TEXT: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_MAX_REF_DEPTH: Final = 32
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when it is there


class SpecError(ValueError):
    """The document is unreadable, or uses something the reference server cannot serve."""


class InvalidValue(ValueError):
    """A value that breaks the contract; the message names the field at fault."""


def is_email(value: str) -> bool:
    """True for `local@domain` addresses: dot-atom local part (at most 64 characters), LDH domain labels."""
    if not _EMAIL.fullmatch(value):
        return False
    local, _, domain = value.rpartition("@")
    return len(local) <= 64 and all(len(label) <= 63 for label in domain.split("."))


def _is_date_time(value: str) -> bool:
    if len(value) < 20 or value[10] not in "Tt":
        return False
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:
        return False
    return moment.tzinfo is not None


_STRING_FORMATS: Final = {
    "email": (is_email, "is not a valid email address"),
    "uuid": (lambda value: _UUID.fullmatch(value) is not None, "is not a uuid"),
    "date-time": (_is_date_time, "is not an RFC 3339 date-time"),
}


@dataclass(frozen=True, slots=True)
class ValueRule:
    """What one JSON value may be: the OpenAPI 3.0 keywords of `_RULES`, nested for objects and arrays."""

    type: str | None = None
    nullable: bool = False
    format: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_items: int | None = None
    max_items: int | None = None
    items: ValueRule | None = None
    properties: Mapping[str, ValueRule] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    # `additionalProperties: false`; otherwise other properties follow `additional` (None: anything goes).
    closed: bool = False
    additional: ValueRule | None = None
    min_properties: int | None = None
    max_properties: int | None = None

    def check(self, value: Any, where: str) -> None:
        """InvalidValue naming `where` (the field's path) unless `value` follows this rule."""
        if value is None:
            if not self.nullable:
                raise InvalidValue(f"{where}: cannot be null.")
            return
        if self.type is not None and (
            not isinstance(value, _JSON_TYPES[self.type])
            or (isinstance(value, bool) and self.type != "boolean")
        ):
            raise InvalidValue(f"{where}: must be {_ARTICLES.get(self.type, 'a ' + self.type)}.")
        if self.enum is not None and value not in self.enum:
            raise InvalidValue(f"{where}: must be one of {', '.join(map(repr, self.enum))}.")
        if isinstance(value, str):
            self._check_string(value, where)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._check_number(value, where)
        elif isinstance(value, list):
            self._check_array(value, where)
        elif isinstance(value, dict):
            self._check_object(value, where)

    def _check_string(self, value: str, where: str) -> None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValue(f"{where}: contains an unpaired surrogate.") from None
        if self.max_length is not None and len(value) > self.max_length:
            raise InvalidValue(f"{where}: is longer than {self.max_length} characters.")
        if self.min_length is not None and len(value) < self.min_length:
            raise InvalidValue(f"{where}: must have at least {_count(self.min_length, 'character')}.")
        if self.pattern is not None and not self.pattern.search(value):
            raise InvalidValue(f"{where}: does not match the pattern {self.pattern.pattern!r}.")
        if self.format in _STRING_FORMATS:
            accepts, complaint = _STRING_FORMATS[self.format]
            if not accepts(value):
                raise InvalidValue(f"{where}: {complaint}.")

    def _check_number(self, value: float, where: str) -> None:
        bound = _INTEGER_FORMATS.get(self.format or "")
        if bound is not None and not -bound <= value < bound:
            raise InvalidValue(f"{where}: is out of the {self.format} range.")
        if self.minimum is not None and (
            value < self.minimum or (self.exclusive_minimum and value == self.minimum)
        ):
            raise InvalidValue(f"{where}: is below the minimum {self.minimum:g}.")
        if self.maximum is not None and (
            value > self.maximum or (self.exclusive_maximum and value == self.maximum)
        ):
            raise InvalidValue(f"{where}: is above the maximum {self.maximum:g}.")

    def _check_array(self, value: list[Any], where: str) -> None:
        if self.max_items is not None and len(value) > self.max_items:
            raise InvalidValue(f"{where}: has more than {self.max_items} items.")
        if self.min_items is not None and len(value) < self.min_items:
            raise InvalidValue(f"{where}: must have at least {_count(self.min_items, 'item')}.")
        if self.items is not None:
            for index, item in enumerate(value):
                self.items.check(item, f"{where}[{index}]")

    def _check_object(self, value: dict[str, Any], where: str) -> None:
        for name, item in value.items():
            rule = self.properties.get(name)
            if rule is None and self.closed:
                raise InvalidValue(f"{_joined(where, name[:64])}: is not a field of this body.")
            rule = rule or self.additional
            if rule is not None:
                rule.check(item, _joined(where, name[:64]))
        missing = sorted(self.required - value.keys())
        if missing:
            raise InvalidValue(f"{_joined(where, missing[0])}: is required.")
        if self.max_properties is not None and len(value) > self.max_properties:
            raise InvalidValue(f"{where}: has more than {self.max_properties} fields.")
        if self.min_properties is not None and len(value) < self.min_properties:
            raise InvalidValue(f"{where}: must have at least {_count(self.min_properties, 'field')}.")

    def check_body(self, document: dict[str, Any]) -> None:
        """Check a whole request body: its fields are named without a prefix in the messages."""
        self._check_object(document, "")

    def parse_query_text(self, text: str, where: str) -> Any:
        """The value of a query parameter's text for this rule's type; InvalidValue when it is not one."""
        if self.type == "integer":
            if not _INTEGER_TEXT.fullmatch(text):
                raise InvalidValue(f"{where}: must be an integer.")
            return int(text)
        if self.type == "number":
            if not _NUMBER_TEXT.fullmatch(text):
                raise InvalidValue(f"{where}: must be a number.")
            return float(text)
        if self.type == "boolean":
            if text not in ("true", "false"):
                raise InvalidValue(f"{where}: must be true or false.")
            return text == "true"
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _joined(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """One query parameter of an operation (form style: an array is the parameter repeated)."""

    name: str
    required: bool
    rule: ValueRule

    def check(self, values: list[str]) -> None:
        if not values:
            if self.required:
                raise InvalidValue(f"{self.name}: is required.")
            return
        if self.rule.type == "array":
            item_rule = self.rule.items or ValueRule()
            parsed = [item_rule.parse_query_text(text, self.name) for text in values]
            self.rule.check(parsed, self.name)
            return
        for text in values:
            self.rule.check(self.rule.parse_query_text(text, self.name), self.name)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec: where it lives, its query parameters and its JSON request body's rule.

    `unservable` says why its rules could not be read (a keyword the server does not enforce), else None.
    """

    operation_id: str
    method: str
    path: str
    query: tuple[QueryParameter, ...]
    body: ValueRule | None
    unservable: str | None = None

    def requires_query(self) -> bool:
        return any(parameter.required for parameter in self.query)

    def check_query(self, values_of: Callable[[str], list[str]]) -> None:
        """InvalidValue naming the parameter unless the declared query parameters follow their schemas."""
        for parameter in self.query:
            parameter.check(values_of(parameter.name))


@dataclass(frozen=True, slots=True)
class ResponseShape:
    """The fields of a response object in the spec's order, each with what a record lacking it answers."""

    fields: tuple[tuple[str, Any], ...]

    def render(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The response object: each field from `values`, or its default (the schema's, else null)."""
        return {name: values.get(name, default) for name, default in self.fields}


@dataclass(frozen=True)
class Contract:
    """Everything the server reads from one OpenAPI document."""

    source: Path
    api_version: str
    operations: tuple[Operation, ...]
    shapes: Mapping[str, ResponseShape]
    _reader: _Reader = field(repr=False)

    @property
    def document(self) -> Mapping[str, Any]:
        """The parsed OpenAPI document (shared by every app built from it: read it, never change it)."""
        return self._reader.document

    def resolve(self, node: Any) -> Any:
        """`node` with its local `$ref`s followed."""
        return self._reader.resolve(node, "$ref")

    def schema(self, name: str) -> ValueRule:
        """The rule of the component schema `name`; SpecError when there is none or it cannot be enforced."""
        schemas = self._reader.document.get("components", {}).get("schemas", {})
        if name not in schemas:
            raise SpecError(f"{self.source}: no schema {name!r}")
        return self._reader.rule(schemas[name], name)

    def operation(self, operation_id: str) -> Operation:
        for operation in self.operations:
            if operation.operation_id == operation_id:
                return operation
        raise SpecError(f"{self.source}: no operation {operation_id!r}")

    def paths(self) -> dict[str, dict[str, Operation]]:
        """Each path template with its operations by upper-case method, in the spec's order."""
        paths: dict[str, dict[str, Operation]] = {}
        for operation in self.operations:
            paths.setdefault(operation.path, {})[operation.method] = operation
        return paths


class _Reader:
    """Turns schema nodes of one document into rules, following local `$ref`s."""

    def __init__(self, document: dict[str, Any], source: Path) -> None:
        self.document = document
        self.source = source

    def resolve(self, node: Any, where: str) -> Any:
        for _ in range(_MAX_REF_DEPTH):
            if not (isinstance(node, dict) and "$ref" in node):
                return node
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SpecError(f"{self.source}: {where}: only local $refs are served, not {ref!r}")
            node = self.document
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or part not in node:
                    raise SpecError(f"{self.source}: {where}: $ref {ref!r} points nowhere")
                node = node[part]
        raise SpecError(f"{self.source}: {where}: $refs nested deeper than {_MAX_REF_DEPTH}")

    def rule(self, node: Any, where: str) -> ValueRule:
        schema = self.resolve(node, where)
        if not isinstance(schema, dict):
            raise SpecError(f"{self.source}: {where}: a schema must be an object")
        unknown = sorted(
            key for key in schema if key not in _RULES | _ANNOTATIONS and not key.startswith("x-")
        )
        if unknown:
            raise SpecError(f"{self.source}: {where}: the reference server does not serve {unknown[0]!r}")
        kind = schema.get("type")
        if kind is not None and kind not in _JSON_TYPES:
            raise SpecError(f"{self.source}: {where}: unknown type {kind!r}")
        additional = schema.get("additionalProperties", True)
        enum = schema.get("enum")
        pattern = schema.get("pattern")
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
            items=None if "items" not in schema else self.rule(schema["items"], f"{where}.items"),
            properties={
                name: self.rule(child, f"{where}.{name}")
                for name, child in schema.get("properties", {}).items()
            },
            required=frozenset(schema.get("required", ())),
            closed=additional is False,
            additional=(
                self.rule(additional, f"{where}.additionalProperties")
                if isinstance(additional, dict)
                else None
            ),
            min_properties=schema.get("minProperties"),
            max_properties=schema.get("maxProperties"),
        )

    def shape(self, name: str) -> ResponseShape:
        schema = self.resolve(self.document["components"]["schemas"][name], name)
        fields = []
        for field_name, node in schema.get("properties", {}).items():
            child = self.resolve(node, f"{name}.{field_name}")
            fields.append((field_name, child.get("default")))
        return ResponseShape(tuple(fields))

    def operation(self, path: str, method: str, node: dict[str, Any], shared: list[Any]) -> Operation:
        where = f"{method.upper()} {path}"
        operation_id = node.get("operationId")
        if not isinstance(operation_id, str):
            raise SpecError(f"{self.source}: {where}: has no operationId")
        parameters: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*shared, *node.get("parameters", ())]:  # the operation's own win over the path's
            parameter = self.resolve(raw, f"{where} parameters")
            parameters[parameter["in"], parameter["name"]] = parameter
        try:
            query = tuple(
                QueryParameter(
                    name,
                    bool(parameter.get("required", False)),
                    self.rule(parameter.get("schema", {}), f"{operation_id} query {name}"),
                )
                for (location, name), parameter in parameters.items()
                if location == "query"
            )
            body = None
            request_body = self.resolve(node.get("requestBody"), f"{where} requestBody")
            if isinstance(request_body, dict):
                media = request_body.get("content", {}).get("application/json")
                if media is not None:
                    body = self.rule(media.get("schema", {}), f"{operation_id} request body")
        except SpecError as exc:
            return Operation(operation_id, method.upper(), path, (), None, str(exc))
        return Operation(operation_id, method.upper(), path, query, body)


def load_contract(path: Path = DEFAULT_SPEC) -> Contract:
    """The contract of the OpenAPI 3.0 document at `path`; SpecError (one line) when it cannot be served."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the spec {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"the spec {str(path)!r} is not valid YAML: {str(exc).splitlines()[0]}") from None
    return _parsed_contract(path, text)


# A Contract is immutable, so one parse serves every app built from the same text: a test fake built per
# test (malomo_mock.Fake) would otherwise spend most of its set-up parsing YAML. Keyed on the text, so an
# edited spec is parsed again.
@functools.lru_cache(maxsize=8)
def _parsed_contract(path: Path, text: str) -> Contract:
    try:
        document = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise SpecError(f"the spec {str(path)!r} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise SpecError(f"the spec {str(path)!r} is not an OpenAPI document (no paths)")
    reader = _Reader(document, path)
    try:
        operations = tuple(
            reader.operation(template, method, node, item.get("parameters", []))
            for template, item in document["paths"].items()
            for method, node in item.items()
            if method in HTTP_METHODS
        )
        shapes = {name: reader.shape(name) for name in document.get("components", {}).get("schemas", {})}
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise SpecError(f"{path}: malformed OpenAPI document ({type(exc).__name__}: {exc})") from None
    return Contract(path, str(document.get("info", {}).get("version", "")), operations, shapes, reader)
