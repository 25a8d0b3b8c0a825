"""The fields of the spec's records and the headers the suite's checks are about, read from `malomo.yaml`
once: where the spec states one in a form tools read (its links, a `$ref`, the Error schema), from there;
where only a sentence of its prose names it, by that name, checked against the schema on import so that a
spec without the field fails loudly instead of every check passing vacuously.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from malomo_contract.spec_contract import ERROR_SCHEMA, operation, spec
from malomo_spec import SpecError

# The link expression prefix of a field of the answer's body (`$response.body#/id`).
_BODY_FIELD: Final = "$response.body#/"
# The component every response's request id header refers to; the header's name is where it is used.
REQUEST_ID_REF: Final = "#/components/headers/RequestId"
# The component schema of an email address (its grammar is the spec's prose).
EMAIL_REF: Final = "#/components/schemas/Email"


def _id_field() -> str:
    """The body field of a new customer that fills the item operations' path parameter: createCustomer's
    success links all say `$response.body#/<field>`."""
    fields = {
        expression.removeprefix(_BODY_FIELD)
        for link in operation("createCustomer").links()
        for expression in link.parameters.values()
        if expression.startswith(_BODY_FIELD)
    }
    if len(fields) != 1 or "/" in next(iter(fields)):
        raise SpecError(f"createCustomer's links name no one body field as the customer id: {sorted(fields)}")
    return fields.pop()


def _only_path_parameter(operation_id: str) -> str:
    parameters = operation(operation_id).path_parameters
    if len(parameters) != 1:
        raise SpecError(f"{operation_id} has path parameters {parameters}, not one")
    return parameters[0]


def _email_field() -> str:
    """The field of a new customer's body whose schema is the `Email` component."""
    properties: Mapping[str, Any] = (operation("createCustomer").body_schema or {}).get("properties", {})
    for name, schema in properties.items():
        if isinstance(schema, Mapping) and schema.get("$ref") == EMAIL_REF:
            return str(name)
    raise SpecError(f"createCustomer's body has no field whose schema is {EMAIL_REF}")


def _named(schema: Mapping[str, Any], name: str, **expected: str) -> str:
    """`name`, a property a sentence of the spec names, after checking that `schema` has it as described."""
    found = spec().merged(schema.get("properties", {}).get(name))
    if not found or any(found.get(key) != value for key, value in expected.items()):
        raise SpecError(f"the spec's prose names the field `{name}` ({expected}), which its schema lacks")
    return name


# The customer's id: the body field the create's links fill the item operations' path parameter from.
ID_FIELD: Final = _id_field()
# The path parameter naming the customer whose event log is listed.
EVENTS_CUSTOMER_PARAMETER: Final = _only_path_parameter("listCustomerEvents")
# The response header carrying the request's id (`X-Request-Id`), as the spec's responses name it.
REQUEST_ID_HEADER: Final = spec().header_name(REQUEST_ID_REF)
# The customer's email address (the Email grammar's field).
EMAIL_FIELD: Final = _email_field()

# Fields only the spec's sentences name; promise_mapping.SENTENCES ties each check to its sentence by a phrase
# that holds the name ("moves `updated_at` forward", "never before `created_at`", "in ascending (`created_at`,
# `id`) order", "`status` equals the HTTP status", "the same as the error body's `request_id`"), so a rename
# in the spec fails tests/contract/test_contract_promise_inventory.py.
_CUSTOMER: Final = operation("createCustomer").success_schema() or {}
_ERROR: Final = spec().schema(ERROR_SCHEMA)
CREATED_AT: Final = _named(_CUSTOMER, "created_at", format="date-time")
UPDATED_AT: Final = _named(_CUSTOMER, "updated_at", format="date-time")
ERROR_STATUS: Final = _named(_ERROR, "status", type="integer")
ERROR_REQUEST_ID: Final = _named(_ERROR, "request_id", type="string")
# The Error body's text fields (`code`, `message`, `request_id`): each a required string property.
ERROR_TEXT_FIELDS: Final = tuple(
    name
    for name in _ERROR.get("required", ())
    if spec().merged(_ERROR.get("properties", {}).get(name)).get("type") == "string"
)
