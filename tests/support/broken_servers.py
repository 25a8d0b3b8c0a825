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

from malomo_contract.spec_contract import Field, operation, operation_for

Headers = list[tuple[bytes, bytes]]
ResponseRewrite = Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]]
BodyRewrite = Callable[[Scope, bytes], bytes]

CREATE_FIELDS = operation("createCustomer").body_fields()
CUSTOMER_FIELDS = tuple(CREATE_FIELDS)
NULLABLE_FIELDS = tuple(name for name, field in CREATE_FIELDS.items() if field.nullable)
# Operations that answer with customers (one, or a page of them).
CUSTOMER_ANSWERS = frozenset({"createCustomer", "listCustomers", "getCustomer", "updateCustomer"})
UPDATE_FIELDS = operation("updateCustomer").body_fields()


# Building blocks: rewrite a request body, rewrite a whole response, or answer instead of the app.


def _operation_id(scope: Scope) -> str | None:
    """The spec's operationId of the request (the contract suite's own matcher), None for other paths."""
    matched = operation_for(scope["method"], scope["path"])
    return matched[0].operation_id if matched is not None else None


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
    return status == 200 and _operation_id(scope) in CUSTOMER_ANSWERS


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
        if status != 404 or _operation_id(scope) != "getCustomer":
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
        if status == 200 and _operation_id(scope) == "getCustomer":
            headers = _set_header(headers, b"content-type", b"text/plain; charset=utf-8")
        return status, headers, body

    return rewrite_response(app, rewrite)


def _delete_does_not_delete(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _operation_id(scope) == "deleteCustomer":
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
        if scope["type"] != "http" or _operation_id(scope) != "updateCustomer":
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


# Variants of issue 18: each class of break that passed the suite before it read the whole contract.

# The field a server "accepts but ignores": the last optional field of the create body.
IGNORED_FIELD = [name for name, field in CREATE_FIELDS.items() if not field.required][-1]
# The field whose length limit is off by one: the first plain string with a maxLength.
LIMITED_FIELD = next(
    field for field in CREATE_FIELDS.values() if field.max_length is not None and field.format is None
)
PAST_THE_END = "contract-probe-past-the-end"


def _ignored_field_is_null(customer: dict[str, Any]) -> None:
    if IGNORED_FIELD in customer:
        customer[IGNORED_FIELD] = None


def _next_skips_one_record(app: ASGIApp, key: str) -> ASGIApp:
    """A cursor that skips one record: every page reached by `next` leaves out its first item."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        items = _json_or_none(body)
        if (
            status == 200
            and scope.get("query_string", b"").startswith(b"next=")
            and isinstance(items, list)
            and items
        ):
            body = json.dumps(items[1:]).encode()
        return status, headers, body

    return rewrite_response(app, rewrite)


def _extra_link_at_the_ends(
    rel: bytes, when: Callable[[bytes, bytes], bool]
) -> Callable[[ASGIApp, str], ASGIApp]:
    """A list answer that `when(query, link)` selects gets a `rel` link to an empty page."""

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and PAST_THE_END.encode() in scope.get("query_string", b""):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": b"[]"})
                return
            await rewrite_response(app, rewrite)(scope, receive, send)

        def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
            link = _header(headers, b"link") or b""
            if (
                status != 200
                or not isinstance(_json_or_none(body), list)
                or not when(scope.get("query_string", b""), link)
            ):
                return status, headers, body
            host = _header(list(scope["headers"]), b"host") or b"127.0.0.1"
            target = b"http://" + host + scope["path"].encode() + b"?" + rel + b"=" + PAST_THE_END.encode()
            extra = b"<" + target + b'>; rel="' + rel + b'"'
            return (
                status,
                _set_header(headers, b"link", b", ".join(part for part in (link, extra) if part)),
                body,
            )

        return middleware

    return wrap


def _truncate_one_over_the_limit(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    value = document.get(LIMITED_FIELD.name)
    limit = LIMITED_FIELD.max_length
    if isinstance(value, str) and limit is not None and len(value) == limit + 1:
        document[LIMITED_FIELD.name] = value[:limit]
    return document


def _email_updates_not_logged(scope: Scope, status: int, document: Any) -> Any:
    if not isinstance(document, list):
        return document
    return [
        event
        for event in document
        if not (
            isinstance(event, dict) and "email" in (event.get("properties") or {}).get("changed_fields", [])
        )
    ]


def _events_of_the_first_customer_asked(app: ASGIApp, key: str) -> ASGIApp:
    """Cross-parent reads: every event log answered is that of the first customer whose log was asked for
    (while it exists), whatever customer the path names."""
    first: list[str] = []

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _operation_id(scope) == "listCustomerEvents":
            customer_id = scope["path"].split("/")[2]
            if not first:
                first.append(customer_id)
            elif customer_id != first[0]:
                served: list[int] = []

                async def capture(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        served.append(message["status"])
                    if served == [200]:
                        await send(message)

                other = {**scope, "path": scope["path"].replace(customer_id, first[0]), "raw_path": None}
                await app(other, receive, capture)
                if served == [200]:
                    return
                first[0] = customer_id  # the first one is gone: this one is now the one everybody gets
        await app(scope, receive, send)

    return middleware


def _always_404(operation_id: str) -> Callable[[ASGIApp, str], ASGIApp]:
    """An operation the server has no handler for, answered 404 with an error body (documented, so it
    looks correct)."""

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and _operation_id(scope) == operation_id:
                await _read_body(receive)
                request_id = b"req_missing_handler"
                body = json.dumps(
                    {
                        "code": "not_found",
                        "message": "No such resource.",
                        "request_id": request_id.decode(),
                        "status": 404,
                    }
                ).encode()
                headers = [(b"content-type", b"application/json"), (b"x-request-id", request_id)]
                await send({"type": "http.response.start", "status": 404, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return middleware

    return wrap


@dataclass(frozen=True)
class BrokenVariant:
    """One way of breaking the contract: `wrap(app, api_key)` returns the broken app."""

    name: str
    breaks: str
    wrap: Callable[[ASGIApp, str], ASGIApp]


def _is_error(scope: Scope, status: int) -> bool:
    return status >= 400


def _is_events_answer(scope: Scope, status: int) -> bool:
    return status == 200 and _operation_id(scope) == "listCustomerEvents"


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
    BrokenVariant(
        "field_accepted_but_ignored",
        f"a writable field is accepted but always answered null ({IGNORED_FIELD})",
        _rewrite_json_response(_each_customer(_ignored_field_is_null), _is_customer_answer),
    ),
    BrokenVariant(
        "next_skips_one_record",
        "a cursor that skips one record: each page reached by rel=next leaves out its first item",
        _next_skips_one_record,
    ),
    BrokenVariant(
        "next_link_on_last_page",
        "the last page still has rel=next (to an empty page)",
        _extra_link_at_the_ends(b"next", lambda query, link: b'rel="next"' not in link),
    ),
    BrokenVariant(
        "prev_link_on_first_page",
        "the first page has rel=prev (to an empty page)",
        _extra_link_at_the_ends(b"prev", lambda query, link: not query and b'rel="prev"' not in link),
    ),
    BrokenVariant(
        "length_limit_off_by_one",
        f"a {LIMITED_FIELD.name} one character over maxLength is cut short and accepted",
        _rewrite_json_request(_truncate_one_over_the_limit),
    ),
    BrokenVariant(
        "email_updates_not_logged",
        "updates that change the email are not recorded in the event log",
        _rewrite_json_response(_email_updates_not_logged, _is_events_answer),
    ),
    BrokenVariant(
        "events_of_another_customer",
        "cross-parent reads: every event log answered is the first one asked for",
        _events_of_the_first_customer_asked,
    ),
    BrokenVariant(
        "delete_always_404",
        "an operation with no handler, answered 404 (a documented status) to every request",
        _always_404("deleteCustomer"),
    ),
)

# Paging breaks, which the suite must catch at any page size (tests/contract/test_contract_paging_sizes.py).
PAGING_VARIANTS = (
    "list_skips_last_of_each_page",
    "cursor_loops",
    "links_swapped",
    "next_skips_one_record",
    "next_link_on_last_page",
    "prev_link_on_first_page",
)


def _lowercase_t_and_z(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    """RFC 3339 allows `t` and `z`: every timestamp in a JSON answer is written that way."""
    pattern = rb'"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z"'
    return status, headers, re.sub(pattern, rb'"\1t\2z"', body)


# Variants that keep the contract in ways the reference server does not show: the suite must pass them.
CORRECT_VARIANTS: tuple[BrokenVariant, ...] = (
    BrokenVariant(
        "lowercase_t_and_z",
        "timestamps written with a lowercase t and z (RFC 3339 allows either case)",
        lambda app, key: rewrite_response(app, _lowercase_t_and_z),
    ),
)

__all__ = ["BROKEN_VARIANTS", "CORRECT_VARIANTS", "PAGING_VARIANTS", "BrokenVariant"]
