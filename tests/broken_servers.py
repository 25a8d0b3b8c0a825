"""Deliberately broken variants of the reference server, each breaking the contract in one way.

Every variant is an ASGI middleware over the correct app, applied with `running(wrap_app=...)`: the server's
code is never touched and no variant is reachable from the CLI. Used by the contract suite's kill-rate test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from malomo_mock.request_bodies import CUSTOMER_FIELDS, NULLABLE_FIELDS, BodyError, validate_customer_fields

Headers = list[tuple[bytes, bytes]]
ResponseRewrite = Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]]
BodyRewrite = Callable[[Scope, bytes], bytes]

_CUSTOMER_PATH = re.compile(r"^/customers/[^/]+$")
_EVENTS_PATH = re.compile(r"^/customers/[^/]+/events$")


# Building blocks: rewrite a request body, rewrite a whole response, or answer instead of the app.


def _header(headers: Headers, name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _set_header(headers: Headers, name: bytes, value: bytes | None) -> Headers:
    kept = [(key, old) for key, old in headers if key.lower() != name]
    return kept if value is None else [*kept, (name, value)]


def rewrite_response(app: ASGIApp, rewrite: ResponseRewrite) -> ASGIApp:
    """Buffer each HTTP response and pass it through `rewrite(scope, status, headers, body)`."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    status, headers, body = rewrite(
                        scope, start["status"], list(start["headers"]), b"".join(chunks)
                    )
                    headers = _set_header(headers, b"content-length", str(len(body)).encode())
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

        await app(scope, receive, buffer)

    return middleware


def rewrite_request_body(app: ASGIApp, rewrite: BodyRewrite) -> ASGIApp:
    """Read each request body whole and hand the app `rewrite(scope, body)` instead."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await app(scope, receive, send)
            return
        body = rewrite(scope, await _read_body(receive))
        headers = _set_header(list(scope["headers"]), b"content-length", str(len(body)).encode())
        await app({**scope, "headers": headers}, _replaying(body, receive), send)

    return middleware


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields `body` once, then defers to the real one (for disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _rewrite_json_response(
    transform: Callable[[Scope, int, Any], Any], when: Callable[[Scope, int], bool]
) -> Callable[[ASGIApp, str], ASGIApp]:
    """A variant that rewrites the JSON body of the responses `when` selects."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        document = _json_or_none(body) if when(scope, status) else None
        if document is None:
            return status, headers, body
        return status, headers, json.dumps(transform(scope, status, document)).encode()

    return lambda app, key: rewrite_response(app, rewrite)


def _rewrite_json_request(transform: Callable[[Scope, Any], Any]) -> Callable[[ASGIApp, str], ASGIApp]:
    """A variant that rewrites JSON request bodies (POST and PUT) before the app reads them."""

    def rewrite(scope: Scope, body: bytes) -> bytes:
        document = _json_or_none(body)
        if not isinstance(document, dict):
            return body
        return json.dumps(transform(scope, document)).encode()

    return lambda app, key: rewrite_request_body(app, rewrite)


def _customers_in(document: Any) -> list[dict[str, Any]]:
    """The customer objects of a customer answer or a customer list answer."""
    items = document if isinstance(document, list) else [document]
    return [item for item in items if isinstance(item, dict) and "email" in item]


def _is_customer_answer(scope: Scope, status: int) -> bool:
    return status == 200 and scope["path"].startswith("/customers") and not _EVENTS_PATH.match(scope["path"])


def _each_customer(change: Callable[[dict[str, Any]], None]) -> Callable[[Scope, int, Any], Any]:
    def transform(scope: Scope, status: int, document: Any) -> Any:
        for customer in _customers_in(document):
            change(customer)
        return document

    return transform


# The variants.


def _phone_as_integer(customer: dict[str, Any]) -> None:
    if isinstance(customer.get("phone_number"), str):
        digits = re.sub(r"\D", "", customer["phone_number"])
        customer["phone_number"] = int(digits) if digits else 0


def _drop_updated_at(customer: dict[str, Any]) -> None:
    customer.pop("updated_at", None)


def _updated_at_stays_created_at(customer: dict[str, Any]) -> None:
    customer["updated_at"] = customer.get("created_at")


def _unknown_id_answers_200(app: ASGIApp, key: str) -> ASGIApp:
    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        if status != 404 or scope["method"] != "GET" or not _CUSTOMER_PATH.match(scope["path"]):
            return status, headers, body
        customer_id = scope["path"].rsplit("/", 1)[1]
        fabricated = {
            "id": customer_id,
            "email": "ghost@example.com",
            "first_name": None,
            "last_name": None,
            "phone_number": None,
            "created_at": "2019-01-30T13:30:00Z",
            "updated_at": "2019-01-30T13:30:00Z",
        }
        return (
            200,
            _set_header(headers, b"content-type", b"application/json"),
            json.dumps(fabricated).encode(),
        )

    return rewrite_response(app, rewrite)


def _auth_ignored(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = _set_header(list(scope["headers"]), b"authorization", f"Bearer {key}".encode())
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return middleware


def _crash_on_null_last_name(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await app(scope, receive, send)
            return
        body = await _read_body(receive)
        document = _json_or_none(body)
        if isinstance(document, dict) and "last_name" in document and document["last_name"] is None:
            await send(
                {"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]}
            )
            await send({"type": "http.response.body", "body": b"Internal Server Error"})
            return
        await app(scope, _replaying(body, receive), send)

    return middleware


def _customer_as_text_plain(app: ASGIApp, key: str) -> ASGIApp:
    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        if status == 200 and scope["method"] == "GET" and _CUSTOMER_PATH.match(scope["path"]):
            headers = _set_header(headers, b"content-type", b"text/plain; charset=utf-8")
        return status, headers, body

    return rewrite_response(app, rewrite)


def _delete_does_not_delete(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "DELETE" and _CUSTOMER_PATH.match(scope["path"]):
            # Ask the app whether the customer exists, then claim to have deleted it.
            status: list[int] = []

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])

            await app({**scope, "method": "GET"}, receive, capture)
            if status and status[0] == 200:
                await send({"type": "http.response.start", "status": 204, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await app(scope, receive, send)

    return middleware


def _is_valid_update(patch: Any) -> bool:
    if not isinstance(patch, dict):
        return False
    try:
        validate_customer_fields(patch, creating=False)
    except BodyError:
        return False
    return True


def _update_not_applied(app: ASGIApp, key: str) -> ASGIApp:
    """PUT answers with the customer as it would be, but nothing is stored."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT" or not _CUSTOMER_PATH.match(scope["path"]):
            await app(scope, receive, send)
            return
        body = await _read_body(receive)
        patch = _json_or_none(body)
        if not _is_valid_update(patch):
            # Invalid updates are refused as usual: the only fault is in what valid ones do.
            await app(scope, _replaying(body, receive), send)
            return

        def merge(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
            current = _json_or_none(body)
            if status != 200 or not isinstance(current, dict):
                return status, headers, body
            return status, headers, json.dumps({**current, **patch}).encode()

        await rewrite_response(app, merge)({**scope, "method": "GET"}, receive, send)

    return middleware


def _list_skips_last_of_each_page(app: ASGIApp, key: str) -> ASGIApp:
    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        link = _header(headers, b"link") or b""
        items = _json_or_none(body)
        if status == 200 and b'rel="next"' in link and isinstance(items, list) and items:
            body = json.dumps(items[:-1]).encode()
        return status, headers, body

    return rewrite_response(app, rewrite)


def _cursor_loops(app: ASGIApp, key: str) -> ASGIApp:
    """From the second page on, `next` points at the page itself."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        query = scope.get("query_string", b"")
        link = _header(headers, b"link")
        if status != 200 or link is None or not query.startswith(b"next="):
            return status, headers, body
        host = _header(list(scope["headers"]), b"host") or b"127.0.0.1"
        here = b"http://" + host + scope["path"].encode() + b"?" + query
        link = re.sub(rb"<[^>]*>; rel=\"next\"", b"<" + here + b'>; rel="next"', link)
        return status, _set_header(headers, b"link", link), body

    return rewrite_response(app, rewrite)


def _error_without_request_id(scope: Scope, status: int, document: Any) -> Any:
    if isinstance(document, dict):
        document.pop("request_id", None)
    return document


def _error_status_always_400(scope: Scope, status: int, document: Any) -> Any:
    if isinstance(document, dict) and "status" in document:
        document["status"] = 400
    return document


def _strip_unknown_fields(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name in CUSTOMER_FIELDS}


def _put_replaces_whole_customer(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    if scope["method"] != "PUT":
        return document
    return {**dict.fromkeys(NULLABLE_FIELDS), **document}


def _null_does_not_clear(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    if scope["method"] != "PUT":
        return document
    return {name: value for name, value in document.items() if value is not None}


def _invalid_email_accepted(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    email = document.get("email")
    if isinstance(email, str) and "@" not in email:
        document["email"] = f"{re.sub(r'[^A-Za-z0-9]', '', email) or 'x'}@example.com"
    return document


def _links_swapped(app: ASGIApp, key: str) -> ASGIApp:
    """The seed's customers-table reading: `prev` = after, `next` = before."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        link = _header(headers, b"link")
        if link is None:
            return status, headers, body
        swapped = link.replace(b'rel="next"', b'rel="__"').replace(b'rel="prev"', b'rel="next"')
        return status, _set_header(headers, b"link", swapped.replace(b'rel="__"', b'rel="prev"')), body

    return rewrite_response(app, rewrite)


def _no_request_id_header(app: ASGIApp, key: str) -> ASGIApp:
    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        return status, _set_header(headers, b"x-request-id", None), body

    return rewrite_response(app, rewrite)


def _created_with_201(app: ASGIApp, key: str) -> ASGIApp:
    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        if status == 200 and scope["method"] == "POST" and scope["path"] == "/customers":
            status = 201
        return status, headers, body

    return rewrite_response(app, rewrite)


def _updates_missing_from_events(scope: Scope, status: int, document: Any) -> Any:
    if not isinstance(document, list):
        return document
    return [
        event
        for event in document
        if not (isinstance(event, dict) and event.get("type") == "CustomerUpdated")
    ]


@dataclass(frozen=True)
class BrokenVariant:
    """One way of breaking the contract: `wrap(app, api_key)` returns the broken app."""

    name: str
    breaks: str
    wrap: Callable[[ASGIApp, str], ASGIApp]


def _is_error(scope: Scope, status: int) -> bool:
    return status >= 400


def _is_events_answer(scope: Scope, status: int) -> bool:
    return status == 200 and bool(_EVENTS_PATH.match(scope["path"]))


BROKEN_VARIANTS: tuple[BrokenVariant, ...] = (
    BrokenVariant(
        "phone_number_as_integer",
        "wrong type in a field: customers carry phone_number as a JSON number",
        _rewrite_json_response(_each_customer(_phone_as_integer), _is_customer_answer),
    ),
    BrokenVariant(
        "customer_without_updated_at",
        "a missing required field: customers come without updated_at",
        _rewrite_json_response(_each_customer(_drop_updated_at), _is_customer_answer),
    ),
    BrokenVariant(
        "unknown_id_answers_200", "200 and a made-up customer for an unknown id", _unknown_id_answers_200
    ),
    BrokenVariant("auth_ignored", "any key, or none, is accepted", _auth_ignored),
    BrokenVariant(
        "crash_on_null_last_name", "500 when a body sets last_name to null", _crash_on_null_last_name
    ),
    BrokenVariant(
        "customer_as_text_plain",
        "wrong content type: GET customer answers text/plain",
        _customer_as_text_plain,
    ),
    BrokenVariant(
        "delete_does_not_delete", "DELETE answers 204 but the customer stays", _delete_does_not_delete
    ),
    BrokenVariant(
        "update_not_applied", "PUT answers the updated customer but stores nothing", _update_not_applied
    ),
    BrokenVariant(
        "list_skips_last_of_each_page",
        "a list that skips records: the last item of every page but the final one is left out",
        _list_skips_last_of_each_page,
    ),
    BrokenVariant("cursor_loops", "from the second page on, rel=next points at the same page", _cursor_loops),
    BrokenVariant(
        "error_without_request_id",
        "error bodies without request_id",
        _rewrite_json_response(_error_without_request_id, _is_error),
    ),
    BrokenVariant(
        "unknown_fields_accepted",
        "invalid input accepted: unknown body fields are silently dropped instead of refused",
        _rewrite_json_request(_strip_unknown_fields),
    ),
    BrokenVariant(
        "invalid_email_accepted",
        "invalid input accepted: an email without @ is 'repaired' and stored",
        _rewrite_json_request(_invalid_email_accepted),
    ),
    BrokenVariant("created_with_201", "create answers 201 where the spec says 200", _created_with_201),
    BrokenVariant(
        "put_replaces_whole_customer",
        "PUT is a full replace: fields left out are cleared",
        _rewrite_json_request(_put_replaces_whole_customer),
    ),
    BrokenVariant(
        "null_does_not_clear",
        "PUT ignores explicit nulls instead of clearing the field",
        _rewrite_json_request(_null_does_not_clear),
    ),
    BrokenVariant(
        "links_swapped", "Link rel=next and rel=prev swapped (the seed's other reading)", _links_swapped
    ),
    BrokenVariant(
        "error_status_always_400",
        "error bodies say status 400 whatever the HTTP status",
        _rewrite_json_response(_error_status_always_400, _is_error),
    ),
    BrokenVariant("no_request_id_header", "no X-Request-Id header", _no_request_id_header),
    BrokenVariant(
        "updated_at_never_moves",
        "an update leaves updated_at at created_at",
        _rewrite_json_response(_each_customer(_updated_at_stays_created_at), _is_customer_answer),
    ),
    BrokenVariant(
        "updates_missing_from_events",
        "updates are not recorded in the customer's event log",
        _rewrite_json_response(_updates_missing_from_events, _is_events_answer),
    ),
)

__all__ = ["BROKEN_VARIANTS", "BrokenVariant"]
