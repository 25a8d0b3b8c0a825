"""Checking the request of an exchange against the spec: does the app send what the operation allows (its
key, its path and query parameters, its body)? Each break is the APP's violation, not the server's."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema  # type: ignore[import-untyped]
from schemathesis.specs.openapi.converter import to_json_schema

from malomo_contract.spec_contract import Operation, operations, spec
from malomo_contract.traffic.exchange_checks import APP, Violation
from malomo_contract.traffic.exchanges import Exchange, json_or_none

PARAMETERS_PROMISE = "request_parameters_match_the_spec"
BODY_PROMISE = "request_body_matches_the_spec"
AUTH_PROMISE = "request_carries_the_api_key"


@functools.cache
def _validator(operation_id: str, location: str, name: str) -> Any | None:
    """A JSON Schema validator for a parameter (`location`, `name`) or, with location "body", the body."""
    called = next(op for op in operations() if op.operation_id == operation_id)
    if location == "body":
        schema = called.body_schema
    else:
        found = [p for p in called.parameters_in(location) if p.get("name") == name]
        schema = spec().resolve(found[0].get("schema")) if found else None
    if not isinstance(schema, Mapping):
        return None
    # The `$ref`s inside point at the document's component schemas: validate with them at hand, each
    # converted from OpenAPI 3.0 (`nullable`) to JSON Schema as the schema itself is.
    root = {**to_json_schema(dict(schema), "nullable"), "components": {"schemas": _component_schemas()}}
    validator_class = jsonschema.validators.validator_for(root, default=jsonschema.Draft4Validator)
    # Every format jsonschema knows (uuid too, which the draft-4 checker leaves out).
    return validator_class(root, format_checker=jsonschema.FormatChecker())


@functools.cache
def _component_schemas() -> dict[str, Any]:
    return {name: to_json_schema(dict(node), "nullable") for name, node in spec().schemas().items()}


def _scalar(value: str, validator: Any) -> Any:
    """A query or path value as the schema's type wants it (`"25"` is the integer 25)."""
    kind = validator.schema.get("type") if isinstance(validator.schema, Mapping) else None
    if kind in ("integer", "number"):
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def request_violations(exchange: Exchange) -> list[Violation]:
    """Every way the app's request breaks what its operation allows; empty when it keeps to the spec."""
    called = exchange.spec_operation
    if called is None:
        return []
    found: list[Violation] = []
    what = exchange.label
    names = {name.lower() for name, value in exchange.request_headers if value.strip()}
    if called.node.get("security", spec().tree.get("security")) and "authorization" not in names:
        found.append(Violation(APP, AUTH_PROMISE, f"{what}: the request carries no Authorization header"))
    query = parse_qs(urlsplit(exchange.url).query, keep_blank_values=True)
    values = [("path", name, [value]) for name, value in exchange.path_parameters.items()]
    declared = [str(parameter.get("name")) for parameter in called.parameters_in("query")]
    values += [("query", name, query.get(name, [])) for name in declared]
    for location, name, sent in values:
        validator = _validator(called.operation_id, location, name)
        for value in sent:
            if validator is not None and not validator.is_valid(_scalar(value, validator)):
                error = jsonschema.exceptions.best_match(validator.iter_errors(_scalar(value, validator)))
                reason = error.message if error is not None else "invalid"
                found.append(
                    Violation(APP, PARAMETERS_PROMISE, f"{what}: {location} parameter `{name}`: {reason}")
                )
    required = [str(p.get("name")) for p in called.parameters_in("query") if p.get("required")]
    found += [
        Violation(APP, PARAMETERS_PROMISE, f"{what}: required query parameter `{name}` is missing")
        for name in required
        if name not in query
    ]
    found += _body_violations(exchange, called)
    return found


def _body_violations(exchange: Exchange, called: Operation) -> list[Violation]:
    validator = _validator(called.operation_id, "body", "")
    if validator is None:
        return []
    what = exchange.label
    body = json_or_none(exchange.request_body)
    if body is None:
        required = bool(spec().resolve(called.node.get("requestBody") or {}).get("required"))
        if not exchange.request_body and not required:
            return []
        return [Violation(APP, BODY_PROMISE, f"{what}: the request body is not JSON")]
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return []
    where = "/".join(str(part) for part in error.absolute_path) or "the body"
    return [Violation(APP, BODY_PROMISE, f"{what}: {where}: {error.message}")]
