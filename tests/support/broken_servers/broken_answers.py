"""Variants whose answers are wrong in shape: a field of the wrong type, missing or frozen, a wrong content
type, status or error body, a missing header; and the one correct variant that only looks unusual."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.types import Scope

from support.broken_servers.asgi_rewrites import (
    Headers,
    response_rewrite,
    rewrite_json_response,
    set_header,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import (
    CUSTOMER_ANSWERS,
    ERROR_REQUEST_ID_FIELD,
    ERROR_STATUS_FIELD,
    IGNORED_FIELD,
    REQUEST_ID_HEADER,
    REQUIRED_ON_CREATE,
    SERVER_TIMESTAMPS,
    field_named_by,
    operation_id,
    success_status,
)


def customers_in(document: Any) -> list[dict[str, Any]]:
    """The customer objects of a customer answer or a customer list answer."""
    items = document if isinstance(document, list) else [document]
    return [item for item in items if isinstance(item, dict) and item.keys() >= REQUIRED_ON_CREATE]


def is_customer_answer(scope: Scope, status: int) -> bool:
    found = operation_id(scope)
    return found in CUSTOMER_ANSWERS and status == success_status(found)


def _each_customer(change: Callable[[dict[str, Any]], None]) -> Callable[[Scope, int, Any], Any]:
    def transform(scope: Scope, status: int, document: Any) -> Any:
        for customer in customers_in(document):
            change(customer)
        return document

    return transform


def _customers_changed(name: str, breaks: str, change: Callable[[dict[str, Any]], None]) -> BrokenVariant:
    """A variant that applies `change` to every customer the server answers with."""
    return BrokenVariant(name, breaks, rewrite_json_response(_each_customer(change), is_customer_answer))


def _is_error(scope: Scope, status: int) -> bool:
    return status >= 400


_AS_NUMBER = field_named_by("phone_number_as_integer")
_DROPPED = field_named_by("customer_without_updated_at")
_CREATED_AT, _UPDATED_AT = SERVER_TIMESTAMPS[0], SERVER_TIMESTAMPS[-1]


def _as_integer(customer: dict[str, Any]) -> None:
    if isinstance(customer.get(_AS_NUMBER), str):
        digits = re.sub(r"\D", "", customer[_AS_NUMBER])
        customer[_AS_NUMBER] = int(digits) if digits else 0


def _updated_at_stays_created_at(customer: dict[str, Any]) -> None:
    customer[_UPDATED_AT] = customer.get(_CREATED_AT)


def _ignored_field_is_null(customer: dict[str, Any]) -> None:
    if IGNORED_FIELD in customer:
        customer[IGNORED_FIELD] = None


def _customer_as_text_plain(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    if operation_id(scope) == "getCustomer" and status == success_status("getCustomer"):
        headers = set_header(headers, b"content-type", b"text/plain; charset=utf-8")
    return status, headers, body


def _error_without_request_id(scope: Scope, status: int, document: Any) -> Any:
    if isinstance(document, dict):
        document.pop(ERROR_REQUEST_ID_FIELD, None)
    return document


def _error_status_always_400(scope: Scope, status: int, document: Any) -> Any:
    if isinstance(document, dict) and ERROR_STATUS_FIELD in document:
        document[ERROR_STATUS_FIELD] = 400
    return document


def _no_request_id_header(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    return status, set_header(headers, REQUEST_ID_HEADER, None), body


def _created_with_201(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    if operation_id(scope) == "createCustomer" and status == success_status("createCustomer"):
        status = 201
    return status, headers, body


def _lowercase_t_and_z(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    """RFC 3339 allows `t` and `z`: every timestamp in a JSON answer is written that way."""
    pattern = rb'"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z"'
    return status, headers, re.sub(pattern, rb'"\1t\2z"', body)


PHONE_NUMBER_AS_INTEGER = _customers_changed(
    "phone_number_as_integer",
    f"wrong type in a field: customers carry {_AS_NUMBER} as a JSON number",
    _as_integer,
)
CUSTOMER_WITHOUT_UPDATED_AT = _customers_changed(
    "customer_without_updated_at",
    f"a missing required field: customers come without {_DROPPED}",
    lambda customer: customer.pop(_DROPPED, None),
)
CUSTOMER_AS_TEXT_PLAIN = BrokenVariant(
    "customer_as_text_plain",
    "wrong content type: GET customer answers text/plain",
    response_rewrite(_customer_as_text_plain),
)
ERROR_WITHOUT_REQUEST_ID = BrokenVariant(
    "error_without_request_id",
    f"error bodies without {ERROR_REQUEST_ID_FIELD}",
    rewrite_json_response(_error_without_request_id, _is_error),
)
CREATED_WITH_201 = BrokenVariant(
    "created_with_201",
    f"create answers 201 where the spec says {success_status('createCustomer')}",
    response_rewrite(_created_with_201),
)
ERROR_STATUS_ALWAYS_400 = BrokenVariant(
    "error_status_always_400",
    f"error bodies say {ERROR_STATUS_FIELD} 400 whatever the HTTP status",
    rewrite_json_response(_error_status_always_400, _is_error),
)
NO_REQUEST_ID_HEADER = BrokenVariant(
    "no_request_id_header", "no X-Request-Id header", response_rewrite(_no_request_id_header)
)
UPDATED_AT_NEVER_MOVES = _customers_changed(
    "updated_at_never_moves", f"an update leaves {_UPDATED_AT} at {_CREATED_AT}", _updated_at_stays_created_at
)
FIELD_ACCEPTED_BUT_IGNORED = _customers_changed(
    "field_accepted_but_ignored",
    f"a writable field is accepted but always answered null ({IGNORED_FIELD})",
    _ignored_field_is_null,
)
LOWERCASE_T_AND_Z = BrokenVariant(
    "lowercase_t_and_z",
    "timestamps written with a lowercase t and z (RFC 3339 allows either case)",
    response_rewrite(_lowercase_t_and_z),
)
