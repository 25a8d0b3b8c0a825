"""Serving the app with uvicorn on a socket bound up front, in a background thread (`running`, the CLI),
behind the limits of `http_guard`."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from malomo_mock.app import create_app
from malomo_mock.http_guard import DEFAULT_LIMITS, HttpLimits, guarded_protocol
from malomo_mock.store_database import LOCK_TIMEOUT_SECONDS


@dataclass(frozen=True)
class RunningServer:
    """A server accepting connections at `base_url` and answering to `api_key`."""

    base_url: str
    api_key: str


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); OSError when the address cannot be bound."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uvicorn_server(app: ASGIApp, limits: HttpLimits = DEFAULT_LIMITS) -> uvicorn.Server:
    """A quiet uvicorn server on httptools with `limits`: no access log, no lifespan, no proxy-header
    rewriting (nothing in the app reads the client address), signals left to whoever owns the main thread
    (the CLI or the test process)."""
    config = uvicorn.Config(
        app,
        http=guarded_protocol(limits),
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=limits.shutdown_timeout,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    return server


class ServerThread:
    """A uvicorn server running `app` on `sock` in a daemon thread, started and stopped explicitly."""

    def __init__(self, app: ASGIApp, sock: socket.socket, limits: HttpLimits = DEFAULT_LIMITS) -> None:
        self._sock = sock
        self._server = uvicorn_server(app, limits)
        self._thread = threading.Thread(target=self._serve, name="malomo-mock", daemon=True)
        self._error: BaseException | None = None

    def _serve(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # pragma: no cover - reported by start()
            self._error = exc

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        for _ in range(int(timeout / 0.005)):
            if self._server.started or not self._thread.is_alive():
                break
            self._thread.join(0.005)
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"malomo-mock did not start: {self._error!r}")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(15)
        self._sock.close()


@contextlib.contextmanager
def running(
    api_key: str | None = None,
    *,
    page_size: int = 25,
    db: str | Path | None = None,
    seed: Path | None = None,
    spec: Path | None = None,
    wrap_app: Callable[[ASGIApp], ASGIApp] | None = None,
    limits: HttpLimits = DEFAULT_LIMITS,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> Iterator[RunningServer]:
    """Serve a fresh reference server on a free loopback port for the duration of the block.

    `spec` is the OpenAPI document to serve (the packaged one by default). `wrap_app` (tests only) wraps
    the app in an ASGI middleware before it is served; `limits` are the HTTP layer's (timeouts, header
    size, connections: `http_guard.HttpLimits`). A write waits at most `lock_timeout` seconds from its
    arrival for a lock another process holds on `db`, then is answered 503.
    """
    app = create_app(
        api_key,
        db=db if db is not None else ":memory:",
        page_size=page_size,
        seed=seed,
        spec=spec,
        lock_timeout=lock_timeout,
    )
    sock = bind_socket("127.0.0.1", 0)
    thread = ServerThread(wrap_app(app) if wrap_app is not None else app, sock, limits)
    try:
        thread.start()
        yield RunningServer(base_url=base_url_of(sock), api_key=app.state.api_key)
    finally:
        thread.stop()  # closes the socket too; a second stop after a failed start() does no harm
        app.state.store.close()
