"""Variants of the fault-class inventory (src/malomo_contract/fault_classes.yaml) that get a status or a
header of an answer wrong: a status HTTP forbids for the method or the answer, a 401 or 405 without its
header, an `Allow` that differs from the spec, a stack trace in an error, a refused valid `Accept`."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from support.broken_servers.asgi_rewrites import Headers, header, json_or_none, response_rewrite, set_header
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import DOCUMENT, operation_id

_MEDIA_TYPE = str(DOCUMENT.extension("x-malomo-media-type"))
StatusRewrite = Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]]


def _answers(operation_answered: str, status: int, body: bytes | None = None) -> StatusRewrite:
    """Every success answer of `operation_answered` gets `status` (and `body`, when given) instead."""

    def rewrite(scope: Scope, old: int, headers: Headers, content: bytes) -> tuple[int, Headers, bytes]:
        if operation_id(scope) != operation_answered or not 200 <= old < 300:
            return old, headers, content
        return status, headers, content if body is None else body

    return rewrite


def _status_variant(
    name: str, operation_answered: str, status: int, body: bytes | None = None
) -> BrokenVariant:
    breaks = f"{operation_answered} answers {status} instead of its success status"
    rewrite = response_rewrite(_answers(operation_answered, status, body))
    return BrokenVariant(name, breaks, rewrite, (operation_answered,))


def _without_header(status: int, name: bytes) -> StatusRewrite:
    def rewrite(scope: Scope, old: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        return old, set_header(headers, name, None) if old == status else headers, body

    return rewrite


def _allow_with_patch(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    allow = header(headers, b"allow")
    if status != 405 or allow is None:
        return status, headers, body
    return status, set_header(headers, b"allow", allow + b", PATCH"), body


_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/malomo/handlers.py", line 88, in create_customer\n'
    "ValueError: invalid input"
)


def _stack_trace(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    document = json_or_none(body)
    if not 400 <= status < 500 or not isinstance(document, dict) or "message" not in document:
        return status, headers, body
    return status, headers, json.dumps({**document, "message": f"{document['message']}\n{_TRACE}"}).encode()


def _refuse_plain_json_accept(app: ASGIApp, key: str) -> ASGIApp:
    """`Accept: application/json` (which the spec serves as its version) is answered 406: the request is
    handed to the app as if it asked for another version."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept = dict(scope["headers"]).get(b"accept", b"")
            if accept.strip().lower() == b"application/json":
                other = f"{_MEDIA_TYPE}; version=0".encode()
                scope = {**scope, "headers": set_header(list(scope["headers"]), b"accept", other)}
        await app(scope, receive, send)

    return middleware


def _serve_patch_as_put(app: ASGIApp, key: str) -> ASGIApp:
    """An endpoint the spec does not declare: PATCH on a customer is carried out as a PUT."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PATCH":
            scope = {**scope, "method": "PUT"}
        await app(scope, receive, send)

    return middleware


GET_ANSWERS_299 = _status_variant("get_answers_299", "getCustomer", 299)
GET_ANSWERS_201 = _status_variant("get_answers_201", "getCustomer", 201)
DELETE_ANSWERS_201 = _status_variant("delete_answers_201", "deleteCustomer", 201)
DELETE_204_WITH_A_BODY = _status_variant(
    "delete_204_with_a_body", "deleteCustomer", 204, b'{"deleted": true}'
)
BODYLESS_DELETE_ANSWERED_413 = _status_variant("bodyless_delete_answered_413", "deleteCustomer", 413)
BODYLESS_GET_ANSWERED_415 = _status_variant("bodyless_get_answered_415", "getCustomer", 415)
UPDATE_ANSWERS_304 = _status_variant("update_answers_304", "updateCustomer", 304, b"")
UPDATE_ANSWERS_205 = _status_variant("update_answers_205", "updateCustomer", 205)
UPDATE_ANSWERS_426 = _status_variant("update_answers_426", "updateCustomer", 426)
UPDATE_ANSWERS_201 = _status_variant("update_answers_201", "updateCustomer", 201)
EVENTS_ANSWER_501 = _status_variant("events_answer_501", "listCustomerEvents", 501)
VALID_KEY_REFUSED_ON_EVENTS = _status_variant("valid_key_refused_on_events", "listCustomerEvents", 401)
NO_WWW_AUTHENTICATE = BrokenVariant(
    "no_www_authenticate",
    "401 answers without WWW-Authenticate",
    response_rewrite(_without_header(401, b"www-authenticate")),
)
NO_ALLOW_ON_405 = BrokenVariant(
    "no_allow_on_405", "405 answers without Allow", response_rewrite(_without_header(405, b"allow"))
)
ALLOW_NAMES_WRONG_METHODS = BrokenVariant(
    "allow_names_wrong_methods",
    "405 answers name PATCH in Allow, which no path declares",
    response_rewrite(_allow_with_patch),
)
STACK_TRACE_IN_ERRORS = BrokenVariant(
    "stack_trace_in_errors", "4xx error messages end with a Python traceback", response_rewrite(_stack_trace)
)
UNVERSIONED_JSON_REFUSED_406 = BrokenVariant(
    "unversioned_json_refused_406", "Accept: application/json is refused with 406", _refuse_plain_json_accept
)
UNDECLARED_PATCH_SERVED = BrokenVariant(
    "undeclared_patch_served",
    "PATCH, which the spec does not declare, is carried out as a PUT",
    _serve_patch_as_put,
)
