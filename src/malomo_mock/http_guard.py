"""Limits uvicorn's httptools protocol lacks (header timeout and size, body timeout, connection cap with
idle connections shed first, Host checks), and the spec's Error body with `X-Request-Id` on every answer
the HTTP layer itself sends."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn._types import ASGI3Application, HTTPScope
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from malomo_mock.connection_pool import ConnectionPool
from malomo_mock.error_answers import RequestIdMiddleware, error_response

_log = logging.getLogger("malomo_mock")


@dataclass(frozen=True)
class HttpLimits:
    """What clients may hold of the server: seconds to send a request's headers (shorter while more than
    half of `max_connections` are open) and then its body, bytes of a request line plus headers, open
    connections in all (idle ones are closed to make room; 503 when all are busy); and how long a stop
    waits for answers."""

    header_timeout: float = 10.0
    pressed_header_timeout: float = 2.0
    body_timeout: float = 30.0
    max_header_bytes: int = 16 * 1024
    max_connections: int = 1000
    shutdown_timeout: int = 5


DEFAULT_LIMITS = HttpLimits()


def refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> ASGIApp:
    """An ASGI app answering the Error body with `X-Request-Id` and closing the connection."""

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(scope, status, code, message, {"Connection": "close", **(headers or {})})
        await response(scope, receive, send)

    return RequestIdMiddleware(refuse)


async def _send_error_500(cycle: RequestResponseCycle) -> None:
    """uvicorn's 500 for a request a graceful stop cut off, as the Error body instead of plain text, logged
    with the request id the app gave it (kept in its scope). A 500, not a 503: a write may have been made,
    and a 503 invites a retry."""

    async def send_and_log(message: Message) -> None:
        if message["type"] == "http.response.start":
            request_id = dict(message["headers"]).get(b"x-request-id", b"").decode("ascii")
            method, path = cycle.scope["method"], cycle.scope["path"]
            _log.error("request %s (%s %s) cut off by the stop, answered 500", request_id, method, path)
        await cycle.send(cast(Any, message))

    answer = refusal(500, "internal_error", "The server stopped before it could answer.")
    await answer(cast(Scope, cycle.scope), cast(Receive, cycle.receive), send_and_log)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol held to `limits` (set by a subclass per server: `guarded_protocol`).

    The base class's methods are called by name, not through super(): this runs for every request.
    """

    limits: ClassVar[HttpLimits] = HttpLimits()
    pool: ClassVar[ConnectionPool[GuardedHttpToolsProtocol]] = ConnectionPool(HttpLimits.max_connections)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        HttpToolsProtocol.__init__(self, *args, **kwargs)
        self._pool = type(self).pool
        # The pool's order this connection waits in while it holds no request (None while it holds one).
        self._waiting: OrderedDict[GuardedHttpToolsProtocol, None] | None = None
        # One timer a connection, re-armed only when it fires: a request only moves `_deadline`.
        self._deadline: float | None = None  # when the headers (or then the body) must have arrived
        self._watch: asyncio.TimerHandle | None = None
        self._watch_at = 0.0
        self._reading_headers = True
        self._header_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        HttpToolsProtocol.connection_made(self, transport)
        if self._pool.opened(self):
            self._waiting = self._pool.never_served
            self._set_deadline(self._header_timeout())
        else:
            message = "The server is busy answering as many connections as it holds; try again later."
            self._refuse(503, "service_unavailable", message, {"Retry-After": "1"})

    def connection_lost(self, exc: Exception | None) -> None:
        self._pool.lost(self)
        if self._watch is not None:
            self._watch.cancel()
        HttpToolsProtocol.connection_lost(self, exc)

    def _header_timeout(self) -> float:
        if self._pool.pressed:
            return min(self.limits.header_timeout, self.limits.pressed_header_timeout)
        return self.limits.header_timeout

    def data_received(self, data: bytes) -> None:
        limit = self.limits.max_header_bytes
        if len(data) + self._header_bytes < limit and not self._refused:  # the usual case
            if self._reading_headers:
                self._header_bytes += len(data)
            HttpToolsProtocol.data_received(self, data)
            return
        # Fed in pieces no longer than the header limit, so that an endless header line is refused before
        # httptools (which grows a header by concatenation) and the buffers hold more than that.
        while data and not self._refused:
            room = limit - self._header_bytes
            piece, data = (data, b"") if len(data) <= room else (data[:room], data[room:])
            if self._reading_headers:
                self._header_bytes += len(piece)
            HttpToolsProtocol.data_received(self, piece)
            if self._reading_headers and self._header_bytes >= limit and not self._refused:
                message = f"The request line and headers exceed {limit} bytes."
                self._refuse(431, "request_header_fields_too_large", message)

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "bad_request", "The request is not valid HTTP/1.1.")

    def on_message_begin(self) -> None:
        HttpToolsProtocol.on_message_begin(self)
        if self._deadline is None:  # else the deadline set when the connection opened still holds
            if self._pool.pressed:
                self._set_deadline(self._header_timeout())
            else:
                self._deadline = self.loop.time() + self.limits.header_timeout  # not before the watch fires

    def on_headers_complete(self) -> None:
        if self._waiting is not None:  # it holds a request now: not to be shed
            self._waiting.pop(self, None)
            self._waiting = None
        self._reading_headers = False
        self._header_bytes = 0
        self._set_deadline(self.limits.body_timeout)
        hosts = [name for name, _ in self.headers].count(b"host")
        if hosts == 1 or (hosts == 0 and self.parser.get_http_version() != "1.1"):
            HttpToolsProtocol.on_headers_complete(self)
            return
        message = "Send exactly one Host header." if hosts else "An HTTP/1.1 request needs a Host header."
        served, self.app = self.app, cast(ASGI3Application, refusal(400, "bad_request", message))
        try:
            HttpToolsProtocol.on_headers_complete(self)
        finally:
            self.app = served

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        self._deadline = None
        self._reading_headers = True
        self._header_bytes = 0

    def on_response_complete(self) -> None:
        answered_all = not self.pipeline
        HttpToolsProtocol.on_response_complete(self)
        if answered_all and not self._refused and not self.transport.is_closing():  # an idle keep-alive
            self._waiting = self._pool.idle_keep_alives
            self._waiting[self] = None

    def shutdown(self) -> None:
        for cycle in (self.cycle, *(queued for queued, _ in self.pipeline)):
            if cycle is not None and not cycle.response_complete:
                cycle.send_500_response = functools.partial(_send_error_500, cycle)  # type: ignore[method-assign]
        HttpToolsProtocol.shutdown(self)

    def _set_deadline(self, seconds: float) -> None:
        self._deadline = self.loop.time() + seconds
        if self._watch is None or self._watch_at > self._deadline:
            self._watch_until(self._deadline)

    def _watch_until(self, when: float) -> None:
        if self._watch is not None:
            self._watch.cancel()
        self._watch_at = when
        self._watch = self.loop.call_at(when, self._check_deadline)

    def _check_deadline(self) -> None:
        self._watch = None
        if self._refused or self.transport.is_closing():
            return
        now = self.loop.time()
        if self._deadline is None or now < self._deadline:
            # Never more than a header timeout ahead, so that on_message_begin need not re-arm it.
            ahead = now + self.limits.header_timeout
            self._watch_until(ahead if self._deadline is None else min(self._deadline, ahead))
        elif self._reading_headers:  # a client that sends nothing, or never ends its headers, is dropped
            self._refused = True
            self._pool.closing(self)
            self.transport.close()
        else:
            message = f"The request body did not arrive within {self.limits.body_timeout:g} s."
            self._refuse(408, "request_timeout", message)

    def _refuse(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        """Answer `status` and close, after the answers to the complete requests before it (pipelining)."""
        self._refused = True
        self._pool.closing(self)
        self._waiting = None
        self._deadline = None
        self.flow.pause_reading()
        answer = cast(ASGI3Application, refusal(status, code, message, headers))
        refused_cycle = self._new_cycle()
        current, self.cycle = self.cycle, refused_cycle
        if current is not None and current.more_body:
            # The refused request is the one still being read: the refusal is its answer, unless it has one.
            if current.response_started:
                self.transport.close()
                return
            current.disconnected = True
            current.message_event.set()
            if any(queued is current for queued, _ in self.pipeline):
                self.pipeline = deque(
                    (refused_cycle, answer) if queued is current else (queued, app)
                    for queued, app in self.pipeline
                )
                return
        elif self.pipeline or (current is not None and not current.response_complete):
            self.pipeline.appendleft((refused_cycle, answer))
            return
        self._start_asgi_task(refused_cycle, answer)

    def _new_cycle(self) -> RequestResponseCycle:
        """A request-response cycle for an answer of the HTTP layer, which read no usable request."""
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": self.asgi_version, "spec_version": "2.3"},
            "http_version": "1.1",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "root_path": self.root_path,
            "method": "GET",
            "path": "",
            "raw_path": b"",
            "query_string": b"",
            "headers": [],
            "state": self.app_state.copy(),
        }
        cycle = RequestResponseCycle(
            scope=cast(HTTPScope, scope),
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=False,
            on_response=self.on_response_complete,
        )
        cycle.more_body = False
        return cycle


def guarded_protocol(limits: HttpLimits) -> type[GuardedHttpToolsProtocol]:
    """The protocol class to give uvicorn (`Config(http=...)`) for a server with these limits (and a pool
    of its own connections)."""
    pool = ConnectionPool[GuardedHttpToolsProtocol](limits.max_connections)
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits, "pool": pool})
