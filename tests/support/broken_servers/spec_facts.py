"""What the broken variants break, read from the spec (through `malomo_spec`, and the suite's own
`spec_contract` for request-body fields): which operations answer customers, which fields the server sets,
the error body's fields, the success status of each operation. No field name or path is typed here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.types import Scope

import malomo_spec
from malomo_contract.spec_contract import Field, operation

DOCUMENT: Final = malomo_spec.load()
OPERATION_IDS: Final = frozenset(op.operation_id for op in malomo_spec.operations(DOCUMENT))

CREATE_FIELDS: Final = operation("createCustomer").body_fields()
UPDATE_FIELDS: Final = operation("updateCustomer").body_fields()
CUSTOMER_FIELDS: Final = tuple(CREATE_FIELDS)
NULLABLE_FIELDS: Final = tuple(name for name, field in CREATE_FIELDS.items() if field.nullable)
REQUIRED_ON_CREATE: Final = frozenset(name for name, field in CREATE_FIELDS.items() if field.required)
# The field a server "accepts but ignores": the last optional field of the create body.
IGNORED_FIELD: Final = [name for name, field in CREATE_FIELDS.items() if not field.required][-1]
# The field whose length limit is off by one: the first plain string with a maxLength.
LIMITED_FIELD: Final[Field] = next(
    field for field in CREATE_FIELDS.values() if field.max_length is not None and field.format is None
)


def operation_id(scope: Scope) -> str | None:
    """The spec's operationId of the request (malomo_spec's matcher), None for other paths."""
    matched = malomo_spec.operation_for(DOCUMENT, scope["method"], scope["path"])
    return matched[0].operation_id if matched is not None else None


def path_parameters(scope: Scope) -> dict[str, str]:
    """The path parameters of the request, by the names the spec gives them (empty for other paths)."""
    matched = malomo_spec.operation_for(DOCUMENT, scope["method"], scope["path"])
    return matched[1] if matched is not None else {}


def success_status(operation_id: str) -> int:
    """The one 2XX status `operation_id` documents."""
    return next(int(s) for s in malomo_spec.operation(DOCUMENT, operation_id).responses if s.startswith("2"))


def _json_answer(operation_id: str) -> Mapping[str, Any]:
    """The JSON content of `operation_id`'s success answer, `$ref`s followed (empty for a 204)."""
    responses = malomo_spec.operation(DOCUMENT, operation_id).responses
    answer = DOCUMENT.resolve(responses[str(success_status(operation_id))])
    content: Mapping[str, Any] = answer.get("content", {}).get("application/json", {})
    return content


def _answered_schema_ref(operation_id: str) -> str | None:
    """The `$ref` of the schema a success answer holds (of its items, for a list)."""
    schema = _json_answer(operation_id).get("schema", {})
    ref = schema.get("$ref", schema.get("items", {}).get("$ref"))
    return str(ref) if ref is not None else None


# The customer resource is what create answers with; these operations answer one customer or a page of them.
CUSTOMER_SCHEMA: Final = DOCUMENT.merged({"$ref": _answered_schema_ref("createCustomer")})
CUSTOMER_ANSWERS: Final = frozenset(
    op.operation_id
    for op in malomo_spec.operations(DOCUMENT)
    if _answered_schema_ref(op.operation_id) == _answered_schema_ref("createCustomer")
)
# The date-time fields the server sets (not in the create body), in the spec's order: created, then updated.
SERVER_TIMESTAMPS: Final = tuple(
    name
    for name, prop in CUSTOMER_SCHEMA["properties"].items()
    if name not in CREATE_FIELDS and DOCUMENT.merged(prop).get("format") == "date-time"
)
CUSTOMER_EXAMPLE: Final[dict[str, Any]] = dict(
    DOCUMENT.resolve(next(iter(_json_answer("getCustomer")["examples"].values())))["value"]
)


def field_named_by(variant_name: str) -> str:
    """The customer field a variant's name names (`crash_on_null_last_name`: `last_name`): the variant's name
    is the one place that says which field it breaks; a spec without that field fails here, loudly."""
    named = [str(name) for name in CUSTOMER_SCHEMA["properties"] if name in variant_name]
    if not named:
        raise LookupError(f"the spec's customer has no field named in the variant {variant_name!r}")
    return max(named, key=len)


def _error_responses() -> list[Mapping[str, Any]]:
    return [
        DOCUMENT.resolve(response)
        for op in malomo_spec.operations(DOCUMENT)
        for status, response in op.responses.items()
        if status.startswith("4")
    ]


def _headers_on_every_error() -> set[str]:
    headers = [
        {name for name, header in r.get("headers", {}).items() if DOCUMENT.resolve(header).get("required")}
        for r in _error_responses()
    ]
    return set.intersection(*headers)


# The response header every error answer carries (X-Request-Id), lower case as ASGI sends it.
(REQUEST_ID_HEADER,) = (name.lower().encode() for name in _headers_on_every_error())
ERROR_SCHEMA: Final = DOCUMENT.merged(_error_responses()[0]["content"]["application/json"]["schema"])
# The error body's field that repeats the header (`request_id` for `X-Request-Id`) and its integer status.
ERROR_REQUEST_ID_FIELD: Final = REQUEST_ID_HEADER.decode().removeprefix("x-").replace("-", "_")
(ERROR_STATUS_FIELD,) = (
    name
    for name, prop in ERROR_SCHEMA["properties"].items()
    if DOCUMENT.merged(prop).get("type") == "integer"
)
assert ERROR_REQUEST_ID_FIELD in ERROR_SCHEMA["properties"], "the error body repeats the request id header"
# The header a list answer's cursors come in (Link), lower case.
_LIST_ANSWER: Final = malomo_spec.operation(DOCUMENT, "listCustomers").responses[
    str(success_status("listCustomers"))
]
(LINK_HEADER,) = (name.lower().encode() for name in DOCUMENT.resolve(_LIST_ANSWER)["headers"])
# The status of a page of a list (every list operation documents the same one).
(LIST_STATUS,) = {
    success_status(op.operation_id)
    for op in malomo_spec.operations(DOCUMENT)
    if _json_answer(op.operation_id).get("schema", {}).get("type") == "array"
}


def _id_field() -> str:
    """The customer field whose value names the customer in a path: the create answer's link to
    getCustomer fills the path parameter from it (`$response.body#/id`)."""
    created = malomo_spec.operation(DOCUMENT, "createCustomer").responses
    answer = DOCUMENT.resolve(created[str(success_status("createCustomer"))])
    links = [DOCUMENT.resolve(link) for link in answer["links"].values()]
    (expression,) = next(
        link["parameters"] for link in links if link["operationId"] == "getCustomer"
    ).values()
    return str(expression).removeprefix("$response.body#/")


ID_FIELD: Final = _id_field()


def error_example(operation_id: str, status: int) -> dict[str, Any]:
    """The example error body the spec gives for `operation_id`'s `status` answer."""
    answer = DOCUMENT.resolve(malomo_spec.operation(DOCUMENT, operation_id).responses[str(status)])
    return dict(answer["content"]["application/json"]["example"])
