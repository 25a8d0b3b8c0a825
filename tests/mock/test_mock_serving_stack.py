"""The reference server runs on uvicorn's fast stack (httptools, uvloop) that the `mock` extra installs,
behind the guard of `http_guard`."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from malomo_mock.http_guard import GuardedHttpToolsProtocol
from malomo_mock.serving import ServerThread, base_url_of, bind_socket, uvicorn_server


async def report_event_loop(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that answers with the module of the event loop serving it."""
    body = type(asyncio.get_running_loop()).__module__.encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_served_requests_run_on_uvloop() -> None:
    sock = bind_socket("127.0.0.1", 0)
    server = ServerThread(report_event_loop, sock)
    server.start()
    try:
        answer = httpx.get(base_url_of(sock))
    finally:
        server.stop()
    assert answer.text.startswith("uvloop")


def test_http_is_parsed_by_httptools_behind_the_guard() -> None:
    config = uvicorn_server(Starlette()).config
    config.load()
    assert issubclass(config.http_protocol_class, GuardedHttpToolsProtocol)
    assert issubclass(config.http_protocol_class, HttpToolsProtocol)
