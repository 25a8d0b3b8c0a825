"""Variants whose store does the wrong thing: a delete or an update that is not kept, a made-up customer
for an unknown id, an event log that misses updates or belongs to another customer, an operation with no
handler."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

import malomo_spec
from malomo_contract.spec_contract import Field
from support.broken_servers.asgi_rewrites import (
    Headers,
    Wrap,
    answer,
    json_or_none,
    read_body,
    replaying,
    response_rewrite,
    rewrite_json_response,
    rewrite_response,
    set_header,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import (
    CUSTOMER_EXAMPLE,
    DOCUMENT,
    ERROR_REQUEST_ID_FIELD,
    ID_FIELD,
    REQUEST_ID_HEADER,
    UPDATE_FIELDS,
    error_example,
    field_named_by,
    operation_id,
    path_parameters,
    success_status,
)

# The event the reference server logs for an update, and the detail naming the fields it changed: the
# server's own wording (the spec leaves an event's type and properties free-form).
_UPDATE_EVENT = "CustomerUpdated"
_CHANGED_FIELDS = "changed_fields"
_NOT_LOGGED = field_named_by("email_updates_not_logged")
_FOUND = success_status("getCustomer")


def _unknown_id_answers_200(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    if status != 404 or operation_id(scope) != "getCustomer":
        return status, headers, body
    (customer_id,) = path_parameters(scope).values()
    made_up = {**CUSTOMER_EXAMPLE, ID_FIELD: customer_id}
    return _FOUND, set_header(headers, b"content-type", b"application/json"), json.dumps(made_up).encode()


def _delete_does_not_delete(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and operation_id(scope) == "deleteCustomer":
            # Ask the app whether the customer exists, then claim to have deleted it.
            status: list[int] = []

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])

            await app({**scope, "method": "GET"}, receive, capture)
            if status and status[0] == _FOUND:
                await answer(send, success_status("deleteCustomer"), [], b"")
                return
        await app(scope, receive, send)

    return middleware


def _is_valid_update(patch: Any) -> bool:
    """Whether `patch` is an update body the spec accepts: known fields, each within its schema's limits
    (read from the spec, not from the server)."""
    if not isinstance(patch, dict) or not patch.keys() <= UPDATE_FIELDS.keys():
        return False
    return all(_fits(UPDATE_FIELDS[name], value) for name, value in patch.items())


def _fits(field: Field, value: Any) -> bool:
    if value is None:
        return field.nullable
    if field.type != "string":
        return True
    if not isinstance(value, str) or not field.min_length <= len(value) <= (field.max_length or len(value)):
        return False
    return field.format != "email" or "@" in value


def _update_not_applied(app: ASGIApp, key: str) -> ASGIApp:
    """PUT answers with the customer as it would be, but nothing is stored."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or operation_id(scope) != "updateCustomer":
            await app(scope, receive, send)
            return
        body = await read_body(receive)
        patch = json_or_none(body)
        if not _is_valid_update(patch):
            # Invalid updates are refused as usual: the only fault is in what valid ones do.
            await app(scope, replaying(body, receive), send)
            return

        def merge(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
            current = json_or_none(body)
            if status != _FOUND or not isinstance(current, dict):
                return status, headers, body
            return status, headers, json.dumps({**current, **patch}).encode()

        await rewrite_response(app, merge)({**scope, "method": "GET"}, receive, send)

    return middleware


def _is_events_answer(scope: Scope, status: int) -> bool:
    return operation_id(scope) == "listCustomerEvents" and status == success_status("listCustomerEvents")


def _updates_missing_from_events(scope: Scope, status: int, document: Any) -> Any:
    if not isinstance(document, list):
        return document
    return [
        event for event in document if not (isinstance(event, dict) and event.get("type") == _UPDATE_EVENT)
    ]


def _changed_fields(event: Any) -> list[str]:
    return list((event.get("properties") or {}).get(_CHANGED_FIELDS, [])) if isinstance(event, dict) else []


def _email_updates_not_logged(scope: Scope, status: int, document: Any) -> Any:
    if not isinstance(document, list):
        return document
    return [event for event in document if _NOT_LOGGED not in _changed_fields(event)]


def _events_of_the_first_customer_asked(app: ASGIApp, key: str) -> ASGIApp:
    """Cross-parent reads: every event log answered is that of the first customer whose log was asked for
    (while it exists), whatever customer the path names."""
    first: list[str] = []
    events = malomo_spec.operation(DOCUMENT, "listCustomerEvents")

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and operation_id(scope) == "listCustomerEvents":
            (customer_id,) = path_parameters(scope).values()
            if not first:
                first.append(customer_id)
            elif customer_id != first[0]:
                served: list[int] = []

                async def capture(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        served.append(message["status"])
                    if served == [_FOUND]:
                        await send(message)

                path = events.url_path(dict.fromkeys(events.path_parameters, first[0]))
                await app({**scope, "path": path, "raw_path": None}, receive, capture)
                if served == [_FOUND]:
                    return
                first[0] = customer_id  # the first one is gone: this one is now the one everybody gets
        await app(scope, receive, send)

    return middleware


def _always_404(operation_id_answered: str) -> Wrap:
    """An operation the server has no handler for, answered 404 with an error body (documented, so it
    looks correct)."""

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and operation_id(scope) == operation_id_answered:
                await read_body(receive)
                request_id = "req_missing_handler"
                error = {**error_example(operation_id_answered, 404), ERROR_REQUEST_ID_FIELD: request_id}
                body = json.dumps(error).encode()
                headers = [(b"content-type", b"application/json"), (REQUEST_ID_HEADER, request_id.encode())]
                await answer(send, 404, headers, body)
                return
            await app(scope, receive, send)

        return middleware

    return wrap


UNKNOWN_ID_ANSWERS_200 = BrokenVariant(
    "unknown_id_answers_200",
    "200 and a made-up customer for an unknown id",
    response_rewrite(_unknown_id_answers_200),
)
DELETE_DOES_NOT_DELETE = BrokenVariant(
    "delete_does_not_delete",
    "DELETE answers 204 but the customer stays",
    _delete_does_not_delete,
    ("deleteCustomer",),
)
UPDATE_NOT_APPLIED = BrokenVariant(
    "update_not_applied", "PUT answers the updated customer but stores nothing", _update_not_applied
)
UPDATES_MISSING_FROM_EVENTS = BrokenVariant(
    "updates_missing_from_events",
    "updates are not recorded in the customer's event log",
    rewrite_json_response(_updates_missing_from_events, _is_events_answer),
)
EMAIL_UPDATES_NOT_LOGGED = BrokenVariant(
    "email_updates_not_logged",
    f"updates that change the {_NOT_LOGGED} are not recorded in the event log",
    rewrite_json_response(_email_updates_not_logged, _is_events_answer),
)
EVENTS_OF_ANOTHER_CUSTOMER = BrokenVariant(
    "events_of_another_customer",
    "cross-parent reads: every event log answered is the first one asked for",
    _events_of_the_first_customer_asked,
)
DELETE_ALWAYS_404 = BrokenVariant(
    "delete_always_404",
    "an operation with no handler, answered 404 (a documented status) to every request",
    _always_404("deleteCustomer"),
    ("deleteCustomer",),
)
