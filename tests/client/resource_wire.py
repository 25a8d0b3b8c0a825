"""What the resource-client tests share: the page size of their reference server, the Accept header the spec
asks for, and transports that keep the requests they send (the functions of their fixtures)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

import malomo
from malomo_mock import RunningServer
from support.spec_document import SPEC

PAGE_SIZE = 2
# The Accept header the client must send: the spec's media type and version (its info).
ACCEPT = f"{SPEC['info']['x-malomo-media-type']}; version={SPEC['info']['version']}"


class Wire(httpx.HTTPTransport):
    """The real HTTP transport, keeping each request it sends (as the server receives it)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return super().handle_request(request)


class AsyncWire(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await super().handle_async_request(request)


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def new_wire() -> Wire:
    """The `wire` fixture: the real HTTP transport, keeping what it sends."""
    return Wire()


def malomo_over_wire(server: RunningServer, wire: Wire) -> Iterator[malomo.Malomo]:
    """The `client` fixture: a Malomo client over `wire` to the module's `server`."""
    with malomo.Malomo(server.api_key, base_url=server.base_url, transport=wire) as made:
        yield made
