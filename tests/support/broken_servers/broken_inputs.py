"""Variants that get a request wrong: invalid input accepted or repaired, a PUT read as a full replace or
with nulls ignored, a crash on a null, and a key that is never checked."""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from support.broken_servers.asgi_rewrites import (
    answer,
    json_or_none,
    read_body,
    replaying,
    rewrite_json_request,
    set_header,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import (
    CREATE_FIELDS,
    CUSTOMER_FIELDS,
    LIMITED_FIELD,
    NULLABLE_FIELDS,
    field_named_by,
    operation_id,
)

_EMAIL = next(name for name, field in CREATE_FIELDS.items() if field.format == "email")
_CRASHES_ON_NULL = field_named_by("crash_on_null_last_name")


def _is_update(scope: Scope) -> bool:
    return operation_id(scope) == "updateCustomer"


def _strip_unknown_fields(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name in CUSTOMER_FIELDS}


def _put_replaces_whole_customer(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    return {**dict.fromkeys(NULLABLE_FIELDS), **document} if _is_update(scope) else document


def _null_does_not_clear(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    if not _is_update(scope):
        return document
    return {name: value for name, value in document.items() if value is not None}


def _invalid_email_accepted(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    email = document.get(_EMAIL)
    if isinstance(email, str) and "@" not in email:
        document[_EMAIL] = f"{re.sub(r'[^A-Za-z0-9]', '', email) or 'x'}@example.com"
    return document


def _truncate_one_over_the_limit(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    value = document.get(LIMITED_FIELD.name)
    limit = LIMITED_FIELD.max_length
    if isinstance(value, str) and limit is not None and len(value) == limit + 1:
        document[LIMITED_FIELD.name] = value[:limit]
    return document


def _crash_on_null(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await app(scope, receive, send)
            return
        body = await read_body(receive)
        document = json_or_none(body)
        if isinstance(document, dict) and _CRASHES_ON_NULL in document and document[_CRASHES_ON_NULL] is None:
            await answer(send, 500, [(b"content-type", b"text/plain")], b"Internal Server Error")
            return
        await app(scope, replaying(body, receive), send)

    return middleware


def _auth_ignored(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = set_header(list(scope["headers"]), b"authorization", f"Bearer {key}".encode())
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return middleware


AUTH_IGNORED = BrokenVariant("auth_ignored", "any key, or none, is accepted", _auth_ignored)
CRASH_ON_NULL_LAST_NAME = BrokenVariant(
    "crash_on_null_last_name", f"500 when a body sets {_CRASHES_ON_NULL} to null", _crash_on_null
)
UNKNOWN_FIELDS_ACCEPTED = BrokenVariant(
    "unknown_fields_accepted",
    "invalid input accepted: unknown body fields are silently dropped instead of refused",
    rewrite_json_request(_strip_unknown_fields),
)
INVALID_EMAIL_ACCEPTED = BrokenVariant(
    "invalid_email_accepted",
    "invalid input accepted: an email without @ is 'repaired' and stored",
    rewrite_json_request(_invalid_email_accepted),
)
PUT_REPLACES_WHOLE_CUSTOMER = BrokenVariant(
    "put_replaces_whole_customer",
    "PUT is a full replace: fields left out are cleared",
    rewrite_json_request(_put_replaces_whole_customer),
)
NULL_DOES_NOT_CLEAR = BrokenVariant(
    "null_does_not_clear",
    "PUT ignores explicit nulls instead of clearing the field",
    rewrite_json_request(_null_does_not_clear),
)
LENGTH_LIMIT_OFF_BY_ONE = BrokenVariant(
    "length_limit_off_by_one",
    f"a {LIMITED_FIELD.name} one character over maxLength is cut short and accepted",
    rewrite_json_request(_truncate_one_over_the_limit),
)
