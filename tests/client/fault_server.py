"""A scripted fault server for the client's tests: a tiny threaded HTTP/1.1 server on loopback that plays a
script of answers and faults (503, an HTML 502, a hang, a dropped connection) the reference server cannot."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

import malomo
from malomo_client.models import CustomerCreate
from support.customer_bodies import new_customer
from support.spec_document import SPEC

KEY = "sk_test_fault_secret_key_5678"
# The customer the fault servers answer with: the spec's own example, so its field set follows the spec.
JOHNNY: dict[str, Any] = SPEC["components"]["examples"]["Johnny"]["value"]
CUSTOMER_ID = str(JOHNNY["id"])
# A valid createCustomer body (the spec's required fields), for the tests that post one.
NEW_CUSTOMER = new_customer(email="a@example.com")


def create_body() -> CustomerCreate:
    return CustomerCreate.from_dict(NEW_CUSTOMER)


@dataclass
class Answer:
    """One scripted HTTP answer; a non-bytes body is sent as JSON."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)


Fault = Literal["hang", "drop"]  # hang: never answer; drop: close the connection without answering
Action = Answer | Fault


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def customer_json(number: int = 0) -> dict[str, Any]:
    """The spec's Johnny example; `number` varies only the id (number 0 keeps Johnny's) and the email."""
    return {
        **JOHNNY,
        "id": str(uuid.UUID(int=number + 1)) if number else CUSTOMER_ID,
        "email": f"c{number}@example.com",
    }


class FaultServer:
    """A threaded HTTP/1.1 server on loopback that answers each request with the next scripted action."""

    def __init__(self, *script: Action, respond: Callable[[Received], Action] | None = None, port: int = 0):
        self._script = list(script)
        self._respond = respond
        self.received: list[Received] = []
        self._stop = threading.Event()
        # Held to record a request; notified after each, for `wait_for`.
        self._lock = threading.Condition()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The requests received, once there are at least `count`: the server thread may still be reading
        one when the client has already given up on it (a busy machine)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def _next_action(self, request: Received) -> Action:
        with self._lock:
            self.received.append(request)
            self._lock.notify_all()
            if self._respond is not None:
                return self._respond(request)
            return self._script.pop(0) if self._script else Answer(200, [])

    def start(self) -> FaultServer:
        fault_server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Received(self.command, self.path, dict(self.headers.items()), body)
                action = fault_server._next_action(request)
                if action == "hang":
                    fault_server._stop.wait(30)
                    self.close_connection = True
                    return
                if action == "drop":
                    self.close_connection = True
                    return
                assert isinstance(action, Answer)
                payload = action.body if isinstance(action.body, bytes) else json.dumps(action.body).encode()
                self.send_response(action.status)
                headers = {"Content-Type": "application/json", **action.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SleepRecorder:
    """Stands in for time.sleep / asyncio.sleep: records the requested delays, returns at once."""

    def __init__(self, on_sleep: Callable[[], object] | None = None) -> None:
        self.delays: list[float] = []
        self._on_sleep = on_sleep

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self._on_sleep is not None:
            self._on_sleep()

    async def asleep(self, seconds: float) -> None:
        self(seconds)


def fast_client(server: FaultServer, **options: Any) -> Any:
    options.setdefault("backoff", 0.001)
    return malomo.connect(KEY, base_url=server.base_url, **options)


def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The `caplog_malomo` fixture: log records of every level (retries are logged at DEBUG)."""
    with caplog.at_level(logging.DEBUG):
        yield caplog
