"""The proxy's hot path: a raw ASGI app that forwards each request to the upstream server over one pooled
httpx transport and streams the answer back unchanged, then hands a copy of the exchange to a sink (the
checks run elsewhere, after the answer is sent)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

Headers = list[tuple[bytes, bytes]]
# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are not forwarded; the host is upstream's.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-authenticate",
        b"proxy-authorization",
    }
)
BAD_GATEWAY = 502


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


Sink = Callable[[CapturedExchange], None]


class ForwardingApp:
    """Forwards every HTTP request to `upstream` (its path prefixed with upstream's) and every answer back as
    the upstream sent it; `auth` is added when the request has no Authorization of its own."""

    def __init__(self, upstream: str, sink: Sink, auth: bytes | None = None) -> None:
        parts = httpx.URL(upstream)
        self.scheme, self.host, self.port = parts.scheme, parts.host, parts.port
        self.prefix = parts.raw_path.rstrip(b"/")
        self.authority = parts.netloc
        self.sink = sink
        self.auth = auth
        # One keep-alive pool for every client; no limit beyond the OS's: the proxy must not queue requests.
        self.transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=200)
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started, clock = time.time(), time.perf_counter()
        headers = [(k, v) for k, v in scope["headers"] if k not in HOP_BY_HOP and k != b"host"]
        if self.auth is not None and not any(k == b"authorization" for k, _ in headers):
            headers.append((b"authorization", self.auth))
        headers.insert(0, (b"host", self.authority))
        target = (
            self.prefix + scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
        )
        sent: list[bytes] = []
        first = await receive()
        body = first.get("body", b"")
        sent.append(body)
        stream: Any = body
        if first.get("more_body"):
            stream = _request_stream(receive, sent)
        url = httpx.URL(scheme=self.scheme, host=self.host, port=self.port, raw_path=target)
        request = httpx.Request(scope["method"], url, headers=headers, content=stream)
        try:
            response = await self.transport.handle_async_request(request)
        except httpx.HTTPError as exc:
            await _bad_gateway(send, f"malomo-contract proxy: upstream did not answer: {exc}")
            return
        kept = [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]
        await send(_start(response.status_code, kept))
        received: list[bytes] = []
        try:
            async for chunk in response.stream:  # type: ignore[union-attr]
                received.append(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await response.aclose()
        await send({"type": "http.response.body", "body": b""})
        self.sink(
            CapturedExchange(
                started,
                time.perf_counter() - clock,
                scope["method"],
                str(url),
                headers,
                b"".join(sent),
                response.status_code,
                response.reason_phrase,
                kept,
                b"".join(received),
            )
        )

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.transport.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _request_stream(receive: Any, sent: list[bytes]) -> AsyncIterator[bytes]:
    """The rest of a request body that arrives in parts, forwarded part by part (and kept in `sent`)."""
    yield sent[0]
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        sent.append(chunk)
        if chunk:
            yield chunk
        if not message.get("more_body"):
            return


async def _bad_gateway(send: Any, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send(_start(BAD_GATEWAY, headers))
    await send({"type": "http.response.body", "body": body})


def _start(status: int, headers: Headers) -> dict[str, Any]:
    """ASGI's `http.response.start` message."""
    return dict(type="http.response.start", status=status, headers=headers)
