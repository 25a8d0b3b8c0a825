"""The building blocks of the broken variants: ASGI middleware that rewrites a request body, rewrites a
whole response, or answers instead of the app; and the headers and JSON helpers they share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]
ResponseRewrite = Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]]
BodyRewrite = Callable[[Scope, bytes], bytes]
# What a variant is: `wrap(app, api_key)` returns the broken app.
Wrap = Callable[[ASGIApp, str], ASGIApp]


def header(headers: Headers, name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def set_header(headers: Headers, name: bytes, value: bytes | None) -> Headers:
    kept = [(key, old) for key, old in headers if key.lower() != name]
    return kept if value is None else [*kept, (name, value)]


def json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


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
                    headers = set_header(headers, b"content-length", str(len(body)).encode())
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
        body = rewrite(scope, await read_body(receive))
        headers = set_header(list(scope["headers"]), b"content-length", str(len(body)).encode())
        await app({**scope, "headers": headers}, replaying(body, receive), send)

    return middleware


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields `body` once, then defers to the real one (for disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def answer(send: Send, status: int, headers: Headers, body: bytes) -> None:
    """Send a whole response instead of the app's."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def rewrite_json_response(
    transform: Callable[[Scope, int, Any], Any], when: Callable[[Scope, int], bool]
) -> Wrap:
    """A variant that rewrites the JSON body of the responses `when` selects."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        document = json_or_none(body) if when(scope, status) else None
        if document is None:
            return status, headers, body
        return status, headers, json.dumps(transform(scope, status, document)).encode()

    return lambda app, key: rewrite_response(app, rewrite)


def rewrite_json_request(transform: Callable[[Scope, Any], Any]) -> Wrap:
    """A variant that rewrites JSON request bodies (POST and PUT) before the app reads them."""

    def rewrite(scope: Scope, body: bytes) -> bytes:
        document = json_or_none(body)
        if not isinstance(document, dict):
            return body
        return json.dumps(transform(scope, document)).encode()

    return lambda app, key: rewrite_request_body(app, rewrite)


def response_rewrite(rewrite: ResponseRewrite) -> Wrap:
    """A variant that passes every response through `rewrite`."""
    return lambda app, key: rewrite_response(app, rewrite)
