"""Broken variants of the reference server whose failures test the report's evidence (issue 27, item 5 and
6), not the suite's kill rate: each is an ASGI middleware over the correct app, built from the broken-server
catalogue's blocks, and several can be stacked on one server (`stacked`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from malomo_contract.spec_contract import body_size_limit
from support.broken_servers.asgi_rewrites import (
    Headers,
    answer,
    header,
    json_or_none,
    rewrite_response,
    set_header,
)

Wrap = Callable[[ASGIApp], ASGIApp]
EMAIL, FIRST_NAME = "email", "first_name"
CHALLENGE = b"www-authenticate"
# What a reverse proxy answers when its upstream is gone.
GATEWAY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
GATEWAY_SERVER = "nginx"


def _customer_path(scope: Scope) -> bool:
    """`/customers/{id}` (one customer, not a list or its events)."""
    parts = str(scope["path"]).strip("/").split("/")
    return len(parts) == 2 and parts[0] == "customers"


def _rewrite_customer(method: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Wrap:
    """The 200 answers of `method /customers/{id}` with `change` made to the customer."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        document = json_or_none(body)
        if (
            scope["method"] != method
            or status != 200
            or not _customer_path(scope)
            or not isinstance(document, dict)
        ):
            return status, headers, body
        return status, headers, json.dumps(change(document)).encode()

    return lambda app: rewrite_response(app, rewrite)


def _with(name: str, how: Callable[[Any], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda customer: (
        {**customer, name: how(customer[name])} if isinstance(customer.get(name), str) else customer
    )


# PUT answers the customer with a space after its email (what it stores, and GET answers, is right).
PUT_EMAIL_TRAILING_SPACE = _rewrite_customer("PUT", _with(EMAIL, lambda email: email + " "))
# GET answers the first name in capitals (what POST and PUT answered, and what is stored, is right).
GET_UPPERCASES_FIRST_NAME = _rewrite_customer("GET", _with(FIRST_NAME, str.upper))


def no_www_authenticate(app: ASGIApp) -> ASGIApp:
    """401 answers without the `WWW-Authenticate` header the spec requires of them."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        return status, set_header(headers, CHALLENGE, None) if status == 401 else headers, body

    return rewrite_response(app, rewrite)


def refuses_a_body_at_the_limit(app: ASGIApp) -> ASGIApp:
    """A body of exactly the spec's size limit is refused with 413, as if the limit were one byte lower."""
    limit = body_size_limit()
    assert limit is not None, "the spec states no body-size limit"

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        length = (
            header(list(scope.get("headers", [])), b"content-length") if scope["type"] == "http" else None
        )
        if length is None or int(length) < limit:
            await app(scope, receive, send)
            return
        error = {"code": "payload_too_large", "message": "too large", "request_id": "req_413", "status": 413}
        headers = [(b"content-type", b"application/json"), (b"x-request-id", b"req_413")]
        await answer(send, 413, headers, json.dumps(error).encode())

    return middleware


def gateway_after(passed: int) -> Wrap:
    """A reverse proxy whose upstream answers `passed` requests (the preflight's), then is gone: every later
    request gets the proxy's HTML 502 page."""

    def wrap(app: ASGIApp) -> ASGIApp:
        seen = 0

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal seen
            if scope["type"] == "http":
                seen += 1
            if scope["type"] != "http" or seen <= passed:
                await app(scope, receive, send)
                return
            headers = [(b"content-type", b"text/html"), (b"server", GATEWAY_SERVER.encode())]
            await answer(send, 502, headers, GATEWAY_PAGE)

        return middleware

    return wrap


def stacked(*wraps: Wrap) -> Wrap:
    """One server broken every way `wraps` breaks it (the first outermost)."""

    def wrap(app: ASGIApp) -> ASGIApp:
        for inner in reversed(wraps):
            app = inner(app)
        return app

    return wrap
