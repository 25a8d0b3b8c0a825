"""Limits uvicorn's httptools protocol lacks (header timeout and size, body timeout, connection cap, Host
checks), and the spec's Error body with `X-Request-Id` on every answer the HTTP layer itself sends."""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn._types import ASGI3Application, HTTPScope
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from malomo_mock.app import RequestIdMiddleware, error_response


@dataclass(frozen=True)
class HttpLimits:
    """What clients may hold of the server: seconds to send a request's headers and then its body, bytes
    of a request line plus headers, open connections in all; and how long a stop waits for answers."""

    header_timeout: float = 10.0
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


async def _answer_cancellation(
    cycle: RequestResponseCycle, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run `app`; when a graceful shutdown cancels it before it answered, answer the Error body 500 (not
    503: a write may have been made, and a 503 invites a retry)."""
    try:
        await app(scope, receive, send)
    except asyncio.CancelledError:
        if not cycle.response_started and not cycle.disconnected:
            server_error = refusal(500, "internal_error", "The server stopped before it could answer.")
            await server_error(scope, receive, send)
        raise


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol held to `limits` (set by a subclass per server: `guarded_protocol`)."""

    limits: ClassVar[HttpLimits] = HttpLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._reading_headers = True
        self._header_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            message = "The server has too many open connections; try again later."
            self._refuse(503, "service_unavailable", message, {"Retry-After": "1"})
        else:
            self._arm(self.limits.header_timeout, self._header_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Fed in pieces no longer than the header limit, so that an endless header line is refused before
        # httptools (which grows a header by concatenation) and the buffers hold more than that.
        limit = self.limits.max_header_bytes
        while data and not self._refused:
            room = limit - self._header_bytes if self._reading_headers else limit
            piece, data = data[:room], data[room:]
            if self._reading_headers:
                self._header_bytes += len(piece)
            super().data_received(piece)
            if self._reading_headers and self._header_bytes >= limit and not self._refused:
                message = f"The request line and headers exceed {limit} bytes."
                self._refuse(431, "request_header_fields_too_large", message)

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "bad_request", "The request is not valid HTTP/1.1.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._timer is None:  # armed since the connection opened, for its first request
            self._arm(self.limits.header_timeout, self._header_timed_out)

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._arm(self.limits.body_timeout, self._body_timed_out)
        hosts = sum(1 for name, _ in self.headers if name == b"host")
        served = self.app
        if hosts > 1 or (hosts == 0 and self.parser.get_http_version() == "1.1"):
            message = "Send exactly one Host header." if hosts else "An HTTP/1.1 request needs a Host header."
            self.app = cast(ASGI3Application, refusal(400, "bad_request", message))
        try:
            super().on_headers_complete()
        finally:
            self.app = served

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()
        self._reading_headers = True
        self._header_bytes = 0

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        guarded = functools.partial(_answer_cancellation, cycle, cast(ASGIApp, app))
        super()._start_asgi_task(cycle, cast(ASGI3Application, guarded))

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _header_timed_out(self) -> None:
        self._timer = None
        self._refused = True
        self.transport.close()

    def _body_timed_out(self) -> None:
        self._timer = None
        message = f"The request body did not arrive within {self.limits.body_timeout:g} s."
        self._refuse(408, "request_timeout", message)

    def _refuse(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        """Answer `status` and close, after the answers to the complete requests before it (pipelining)."""
        self._refused = True
        self._disarm()
        self.flow.pause_reading()
        answer = cast(ASGI3Application, refusal(status, code, message, headers))
        refused_cycle = self._new_cycle()
        current, self.cycle = self.cycle, refused_cycle
        if current is not None and not current.response_complete and current.more_body:
            # The refused request is the one still being read: the refusal is its answer.
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
    """The protocol class to give uvicorn (`Config(http=...)`) for a server with these limits."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})
