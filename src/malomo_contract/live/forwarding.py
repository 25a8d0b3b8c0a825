"""The proxy's hot path: HTTP/1.1 forwarding on asyncio (uvloop) with httptools' parsers, one upstream
connection per client connection (keep-alive and pipelining kept as the client uses them). Answers go back
byte for byte as the upstream sent them; requests go up with the same method, target, headers (the `Host`
the upstream's, the key added when `auth` is set and the request has none) and body framing. Each complete
exchange is handed to a sink; the checks run elsewhere."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

Headers = list[tuple[bytes, bytes]]
BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
)
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


@dataclass
class CapturedExchange:
    """One forwarded exchange as the checks get it: bodies as sent on the wire (content-encoding kept)."""

    started: float
    seconds: float
    method: str
    url: str
    request_headers: Headers
    request_body: bytes
    status: int
    reason: str
    response_headers: Headers
    response_body: bytes


@dataclass
class Upstream:
    """Where the proxy forwards to, and what it adds to each request."""

    url: str
    sink: Any
    auth: bytes | None = None
    origin: str = field(init=False)
    host: str = field(init=False)
    port: int = field(init=False)
    authority: bytes = field(init=False)
    prefix: bytes = field(init=False)
    tls: ssl.SSLContext | None = field(init=False)
    connections: set[ClientConnection] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.authority = parts.netloc.encode()
        self.prefix = parts.path.rstrip("/").encode()
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None


class _Request:
    """A request being read from the client."""

    def __init__(self) -> None:
        self.started = time.time()
        self.clock = time.perf_counter()
        self.target = b""
        self.headers: Headers = []
        self.body: list[bytes] = []
        self.chunked = False
        self.method = ""


class ClientConnection(asyncio.Protocol):
    """One client connection and its upstream connection."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self.parser = httptools.HttpRequestParser(self)
        self.client: asyncio.Transport | None = None
        self.remote: asyncio.Transport | None = None
        self.waiting: list[bytes] = []
        self.reading: _Request | None = None
        self.answering: deque[_Request] = deque()
        self.response = _ResponseReader(self)

    # The client side.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.client = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio.Transport
        self.upstream.connections.add(self)
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        upstream = self.upstream
        try:
            remote, _ = await loop.create_connection(
                lambda: self.response,
                upstream.host,
                upstream.port,
                ssl=upstream.tls,
                server_hostname=upstream.host if upstream.tls else None,
            )
        except OSError as exc:
            self.fail(f"malomo-contract proxy: upstream {upstream.url} did not answer: {exc}")
            return
        self.remote = remote
        if self.waiting:
            remote.write(b"".join(self.waiting))
            self.waiting.clear()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail("malomo-contract proxy: protocol upgrades (WebSocket) are not forwarded")
        except httptools.HttpParserError:
            if self.client is not None:
                self.client.write(BAD_REQUEST)
                self.client.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.upstream.connections.discard(self)
        if self.remote is not None:
            self.remote.close()

    @property
    def busy(self) -> bool:
        """A request is being read, or waits for its answer."""
        return self.reading is not None or bool(self.answering)

    def close(self) -> None:
        for transport in (self.client, self.remote):
            if transport is not None:
                transport.close()

    def pause_writing(self) -> None:
        if self.remote is not None:
            self.remote.pause_reading()

    def resume_writing(self) -> None:
        if self.remote is not None:
            self.remote.resume_reading()

    def _send_up(self, data: bytes) -> None:
        if self.remote is None:
            self.waiting.append(data)
        else:
            self.remote.write(data)

    def fail(self, text: str) -> None:
        if self.client is not None and not self.client.is_closing():
            body = text.encode()
            self.client.write(BAD_GATEWAY % len(body) + body)
            self.client.close()

    # httptools' request callbacks.

    def on_message_begin(self) -> None:
        self.reading = _Request()

    def on_url(self, url: bytes) -> None:
        assert self.reading is not None
        self.reading.target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.reading is not None
        self.reading.headers.append((name, value))

    def on_headers_complete(self) -> None:
        request = self.reading
        assert request is not None
        request.method = self.parser.get_method().decode("ascii")
        target = request.target
        if not target.startswith(b"/"):  # absolute-form, as sent to a forward proxy
            parts = urlsplit(target.decode("latin-1"))
            target = (parts.path or "/").encode() + (b"?" + parts.query.encode() if parts.query else b"")
        request.target = self.upstream.prefix + target
        headers = [
            (b"Host", self.upstream.authority) if k.lower() == b"host" else (k, v) for k, v in request.headers
        ]
        if self.upstream.auth is not None and not any(k.lower() == b"authorization" for k, _ in headers):
            headers.append((b"Authorization", self.upstream.auth))
        request.headers = headers
        request.chunked = any(
            k.lower() == b"transfer-encoding" and b"chunked" in v.lower() for k, v in headers
        )
        version = self.parser.get_http_version().encode("ascii")
        lines = b"".join(k + b": " + v + b"\r\n" for k, v in headers)
        self._send_up(
            request.method.encode() + b" " + request.target + b" HTTP/" + version + b"\r\n" + lines + b"\r\n"
        )

    def on_body(self, body: bytes) -> None:
        assert self.reading is not None
        self.reading.body.append(body)
        self._send_up(b"%x\r\n%s\r\n" % (len(body), body) if self.reading.chunked else body)

    def on_message_complete(self) -> None:
        request = self.reading
        assert request is not None
        if request.chunked:
            self._send_up(b"0\r\n\r\n")
        self.answering.append(request)
        self.reading = None


class _ResponseReader(asyncio.Protocol):
    """The upstream side: every byte straight back to the client, and the answers read for the checks."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.parser = httptools.HttpResponseParser(self)
        self.headers: Headers = []
        self.body: list[bytes] = []
        self.reason = b""
        # After a HEAD (its answer has no body whatever its Content-Length), answers on this connection
        # can no longer be told apart: they are still forwarded, but no longer checked.
        self.reading = True

    def data_received(self, data: bytes) -> None:
        client = self.connection.client
        if client is not None:
            client.write(data)
        if self.reading:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.reading = False

    def connection_lost(self, exc: Exception | None) -> None:
        client = self.connection.client
        if client is not None:
            client.close()

    def pause_writing(self) -> None:
        if self.connection.client is not None:
            self.connection.client.pause_reading()

    def resume_writing(self) -> None:
        if self.connection.client is not None:
            self.connection.client.resume_reading()

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        answering = self.connection.answering
        if answering and answering[0].method == "HEAD":
            self.reading = False

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        headers, body, reason = self.headers, b"".join(self.body), self.reason
        self.headers, self.body, self.reason = [], [], b""
        answering = self.connection.answering
        if status < 200 or not answering:
            return  # an interim answer (100 Continue): the final one follows
        request = answering.popleft()
        upstream = self.connection.upstream
        upstream.sink(
            CapturedExchange(
                request.started,
                time.perf_counter() - request.clock,
                request.method,
                upstream.origin + request.target.decode("latin-1"),
                request.headers,
                b"".join(request.body),
                status,
                reason.decode("latin-1"),
                headers,
                body,
            )
        )
