"""Variants of the fault-class inventory (src/malomo_contract/fault_classes.yaml) that get a write's effect
wrong: a refused write that is carried out anyway, a PUT that is not idempotent, fields only the server sets
that a client can assign, a created id that leads nowhere, writes without a key, one store behind every key,
a quote that breaks the store, the spec's example refused, a bad cursor that crashes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from support.broken_servers.asgi_rewrites import (
    Headers,
    answer,
    json_or_none,
    read_body,
    replaying,
    response_rewrite,
    rewrite_json_response,
    set_header,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import (
    CREATE_FIELDS,
    CUSTOMER_SCHEMA,
    DOCUMENT,
    ID_FIELD,
    LIMITED_FIELD,
    UPDATE_FIELDS,
    operation_id,
)

# The key of a second store, which the suite is given in MALOMO_OTHER_API_KEY by the runs that need it.
OTHER_STORE_KEY = f"sk_test_other_store_{uuid.uuid4().hex[:16]}"
_SERVER_SET = frozenset(CUSTOMER_SCHEMA.get("properties", {})) - frozenset(CREATE_FIELDS)
_EXAMPLE = dict(
    DOCUMENT.resolve(DOCUMENT.pointer("#/paths/~1customers/post/requestBody"))["content"][
        "application/json"
    ].get("example", {})
)
_JSON = [(b"content-type", b"application/json")]


async def ask(app: ASGIApp, scope: Scope, method: str, body: bytes = b"") -> tuple[int, Headers, bytes]:
    """The app's answer to `method` on `scope`'s path with `body`, taken aside (never sent)."""
    start: list[Message] = []
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.append(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    headers = set_header(list(scope["headers"]), b"content-length", str(len(body)).encode())
    await app({**scope, "method": method, "headers": headers}, receive, capture)
    if not start:
        return 0, [], b""
    return start[0]["status"], list(start[0]["headers"]), b"".join(chunks)


def _unknown_fields(document: Any, known: Any) -> bool:
    return isinstance(document, dict) and not document.keys() <= set(known)


def _refused_write_carried_out(operation_answered: str, known: Any) -> Any:
    """A write of `operation_answered` with an unknown field is carried out without it, then refused: the
    client is told 400 while the store kept the rest."""

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or operation_id(scope) != operation_answered:
                await app(scope, receive, send)
                return
            body = await read_body(receive)
            document = json_or_none(body)
            if _unknown_fields(document, known):
                kept = {name: value for name, value in document.items() if name in known}
                await ask(app, scope, scope["method"], json.dumps(kept).encode())
            await app(scope, replaying(body, receive), send)

        return middleware

    return wrap


def _not_idempotent(app: ASGIApp, key: str) -> ASGIApp:
    """A PUT that sets a field to the value it has already stores it in upper case."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or operation_id(scope) != "updateCustomer":
            await app(scope, receive, send)
            return
        body = await read_body(receive)
        patch = json_or_none(body)
        _, _, current = await ask(app, scope, "GET")
        stored = json_or_none(current)
        if isinstance(patch, dict) and isinstance(stored, dict):
            for name, value in patch.items():
                if isinstance(value, str) and stored.get(name) == value and value.upper() != value:
                    patch[name] = value.upper()
            body = json.dumps(patch).encode()
        await app(scope, replaying(body, receive), send)

    return middleware


def _server_set_fields_assigned(app: ASGIApp, key: str) -> ASGIApp:
    """Fields only the server sets (id, timestamps) are taken from the body: dropped before the app sees
    it, and answered as sent."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await app(scope, receive, send)
            return
        document = json_or_none(await read_body(receive))
        assigned = (
            {k: v for k, v in document.items() if k in _SERVER_SET} if isinstance(document, dict) else {}
        )
        kept = (
            {k: v for k, v in document.items() if k not in assigned}
            if isinstance(document, dict)
            else document
        )
        status, headers, answered = await ask(app, scope, scope["method"], json.dumps(kept).encode())
        written = json_or_none(answered)
        if isinstance(written, dict) and 200 <= status < 300:
            answered = json.dumps({**written, **assigned}).encode()
        await answer(
            send, status, set_header(headers, b"content-length", str(len(answered)).encode()), answered
        )

    return middleware


def _created_id_elsewhere(scope: Scope, status: int, document: Any) -> Any:
    return {**document, ID_FIELD: str(uuid.uuid4())} if isinstance(document, dict) else document


def _key_rewrite(accepted: bytes, as_key: bytes, methods: tuple[str, ...] | None = None) -> Any:
    """Requests whose key is `accepted` (b"" for none) reach the app with `as_key`, on `methods` (all)."""

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and (methods is None or scope["method"] in methods):
                sent = dict(scope["headers"]).get(b"authorization", b"").partition(b" ")[2].strip()
                if sent == accepted or (not accepted and not sent):
                    headers = set_header(
                        list(scope["headers"]), b"authorization", b"Bearer " + (as_key or key.encode())
                    )
                    scope = {**scope, "headers": headers}
            await app(scope, receive, send)

        return middleware

    return wrap


def _two_stores(app: ASGIApp, key: str) -> ASGIApp:
    """The correct two-key server: requests with OTHER_STORE_KEY go to a second store of their own."""
    from malomo_mock.app import create_app

    other = create_app(api_key=OTHER_STORE_KEY, page_size=4)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        sent = dict(scope.get("headers", [])).get(b"authorization", b"")
        await (other if OTHER_STORE_KEY.encode() in sent else app)(scope, receive, send)

    return middleware


def _answer_instead(status: int, when: Any) -> Any:
    """Answer `status` (a 500 crash or a 400 refusal) instead of the app when `when(scope, body)` holds."""

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            body = await read_body(receive)
            if when(scope, body):
                error = {"code": "broken", "message": "broken", "request_id": "req_broken", "status": status}
                headers = [*_JSON, (b"x-request-id", b"req_broken")]
                await answer(
                    send,
                    status,
                    headers if status < 500 else [(b"content-type", b"text/plain")],
                    json.dumps(error).encode() if status < 500 else b"Internal Server Error",
                )
                return
            await app(scope, replaying(body, receive), send)

        return middleware

    return wrap


def _has_quote(scope: Scope, body: bytes) -> bool:
    return scope["method"] in ("POST", "PUT") and b"'" in body


def _is_example(scope: Scope, body: bytes) -> bool:
    document = json_or_none(body)
    if scope["method"] not in ("POST", "PUT") or not isinstance(document, dict):
        return False
    return any(
        document.get(name) == value
        for name, value in _EXAMPLE.items()
        if name in UPDATE_FIELDS and "@" not in str(value)
    )


def _cursor_crash(scope: Scope, status: int, headers: Any, body: bytes) -> tuple[int, Any, bytes]:
    query = scope.get("query_string", b"")
    if status == 400 and scope["method"] == "GET" and (b"next=" in query or b"prev=" in query):
        return 500, [(b"content-type", b"text/plain")], b"Internal Server Error"
    return status, headers, body


def _longest_refused(scope: Scope, body: bytes) -> bool:
    document = json_or_none(body)
    value = document.get(LIMITED_FIELD.name) if isinstance(document, dict) else None
    return isinstance(value, str) and len(value) == LIMITED_FIELD.max_length


REFUSED_UPDATE_PARTLY_APPLIED = BrokenVariant(
    "refused_update_partly_applied",
    "a PUT with an unknown field is refused with 400 but its known fields are stored",
    _refused_write_carried_out("updateCustomer", UPDATE_FIELDS),
)
REFUSED_CREATE_STORED = BrokenVariant(
    "refused_create_stored",
    "a create with an unknown field is refused with 400 but the customer is stored",
    _refused_write_carried_out("createCustomer", CREATE_FIELDS),
)
REPEATED_UPDATE_NOT_IDEMPOTENT = BrokenVariant(
    "repeated_update_not_idempotent", "a PUT repeated stores its strings in upper case", _not_idempotent
)
SERVER_SET_FIELDS_ASSIGNED = BrokenVariant(
    "server_set_fields_assigned",
    "id and timestamps in a body are accepted and answered",
    _server_set_fields_assigned,
)
CREATED_ID_NOT_FOUND = BrokenVariant(
    "created_id_not_found",
    "create answers an id no customer has",
    rewrite_json_response(
        _created_id_elsewhere, lambda scope, status: operation_id(scope) == "createCustomer"
    ),
)
WRITES_WITHOUT_KEY_ALLOWED = BrokenVariant(
    "writes_without_key_allowed",
    "PUT and DELETE without a key are carried out",
    _key_rewrite(b"", b"", ("PUT", "DELETE")),
)
ONE_STORE_FOR_EVERY_KEY = BrokenVariant(
    "one_store_for_every_key",
    "a second store's key reaches the first store",
    _key_rewrite(OTHER_STORE_KEY.encode(), b""),
)
TWO_STORES = BrokenVariant("two_stores", "correct: a second key has a store of its own", _two_stores)
QUOTE_BREAKS_THE_STORE = BrokenVariant(
    "quote_breaks_the_store",
    "a body with a single quote crashes the store (500)",
    _answer_instead(500, _has_quote),
)
EXAMPLE_BODY_REFUSED = BrokenVariant(
    "example_body_refused",
    "a body with a value of the spec's example is refused with 400",
    _answer_instead(400, _is_example),
)
BAD_CURSOR_CRASHES = BrokenVariant(
    "bad_cursor_crashes",
    "a cursor the server never issued crashes the list (500)",
    response_rewrite(_cursor_crash),
)
LONGEST_VALUE_REFUSED = BrokenVariant(
    "longest_value_refused",
    f"a {LIMITED_FIELD.name} of exactly maxLength is refused with 400",
    _answer_instead(400, _longest_refused),
)
