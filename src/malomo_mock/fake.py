"""An in-process fake of the Malomo API for application tests: the reference app behind httpx transports.

No socket: a fresh store per `Fake`, the requests it received, and faults injected per operation
(`fake_faults.py`).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Self
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette

import malomo
import malomo_spec
from malomo_client.models import Customer
from malomo_mock.app import create_app
from malomo_mock.fake_faults import TRANSPORT_FAULTS, Fault, TransportFault, default_contract

# A reserved name (RFC 2606): nothing ever resolves it, and nothing is sent there, the transports answer.
BASE_URL = "https://api.malomo.test"

Seed = str | Path | Sequence[Mapping[str, Any]]

_REDACTED: Final = "[redacted]"
# The operation `Fake.add_customer` makes its request to.
_CREATE_OPERATION: Final = "createCustomer"


def _operation_of(method: str, path: str) -> str | None:
    """The operationId of a request, when its path is exactly one of the spec's (as the app routes it)."""
    found = malomo_spec.operation_for(default_contract().document, method, path)
    if found is None or found[0].url_path(found[1]) != path:
        return None
    return found[0].operation_id


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the fake received it (each retry too), the API key redacted everywhere.

    `operation` is the spec's operationId (None for a path or method the spec does not have); `query` maps
    each parameter to its values; `json` is the parsed body (None without a JSON body).
    """

    operation: str | None
    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    headers: dict[str, str] = field(repr=False)


def new_app(api_key: str | None, page_size: int, seed: Seed | None) -> Starlette:
    """A fresh reference app; a list `seed` is written to a private temporary file, removed at once
    (`create_app` reads seeds from files only)."""
    if seed is None or isinstance(seed, str | Path):
        return create_app(api_key, page_size=page_size, seed=None if seed is None else Path(seed))
    with tempfile.TemporaryDirectory(prefix="malomo-fake-") as folder:
        path = Path(folder) / "seed.json"
        path.write_text(json.dumps({"customers": list(seed)}), "utf-8")
        return create_app(api_key, page_size=page_size, seed=path)


_loop_lock = threading.Lock()
_loops: list[asyncio.AbstractEventLoop] = []


def _app_loop() -> asyncio.AbstractEventLoop:
    """The event loop that runs the app for sync requests: one per process, in a daemon thread."""
    with _loop_lock:
        if not _loops:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="malomo-fake", daemon=True).start()
            _loops.append(loop)
        return _loops[0]


async def _read_answer(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    response = await transport.handle_async_request(request)
    body = await response.aread()
    return httpx.Response(response.status_code, headers=response.headers, content=body)


class Fake:
    """The reference app in this process, for tests: `with Fake() as fake: client = fake.client()`.

    Each Fake has its own empty store (or `seed`: a seed file's path, or a list of customers in the seed
    file's format), `page_size` items a page and an API key (`api_key`, generated when None). Requests go
    through `transport` / `async_transport`; `requests` lists what was received; `fail()` injects faults.
    """

    base_url = BASE_URL

    def __init__(self, *, seed: Seed | None = None, page_size: int = 25, api_key: str | None = None) -> None:
        self.app = new_app(api_key, page_size, seed)
        self.api_key: str = self.app.state.api_key
        self.requests: list[ReceivedRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._asgi = httpx.ASGITransport(self.app)
        self.transport: httpx.BaseTransport = _SyncTransport(self)
        self.async_transport: httpx.AsyncBaseTransport = _AsyncTransport(self)
        self._closed = False

    def __repr__(self) -> str:
        return f"<Fake {self.base_url} requests={len(self.requests)} faults={len(self._faults)}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store; later requests raise RuntimeError."""
        if not self._closed:
            self._closed = True
            self.app.state.store.close()

    def client(self, **options: Any) -> malomo.Malomo:
        """A `malomo.Malomo` wired to this fake; `options` are its own (`max_retries`, `record_to`, ...)."""
        return malomo.Malomo(self.api_key, base_url=self.base_url, transport=self.transport, **options)

    def async_client(self, **options: Any) -> malomo.AsyncMalomo:
        """A `malomo.AsyncMalomo` wired to this fake; the app runs on the caller's event loop."""
        return malomo.AsyncMalomo(
            self.api_key, base_url=self.base_url, transport=self.async_transport, **options
        )

    def add_customer(self, **fields: Any) -> Customer:
        """Create a customer as `createCustomer` would (validated, with its event): the stored Customer.

        Not recorded in `requests` and never failed by `fail()`. ValueError with the API's message if refused.
        """
        path = malomo_spec.operation(default_contract().document, _CREATE_OPERATION).path
        request = httpx.Request(
            "POST",
            self.base_url + path,
            json=fields,
            headers={"Authorization": f"{default_contract().auth_scheme} {self.api_key}"},
        )
        response = self._call_app(request)
        if response.status_code >= 300:
            raise ValueError(response.json().get("message", f"HTTP {response.status_code}"))
        return Customer.from_dict(response.json())

    def fail(
        self,
        operation: str,
        status: int | None = None,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        error: TransportFault | None = None,
        from_proxy: bool = False,
    ) -> Fault:
        """Make the next `times` requests for `operation` (an operationId) fail; the app never sees them.

        `status`: answer it (any status; a documented one with the spec's error body and headers, another with
        the same Error body shape). `retry_after` adds a `Retry-After` header (seconds or an HTTP date).
        `error`: no answer but an httpx transport error instead: "reset" (a reset connection, `ReadError`),
        "timeout" (`ReadTimeout`, at once) or "refused" (`ConnectError`). `from_proxy`: an HTML page from a
        proxy in front of the API, without a request id (status 502 unless given).
        """
        known = [op.operation_id for op in malomo_spec.operations(default_contract().document)]
        if operation not in known:
            raise ValueError(f"unknown operation {operation!r}; the spec has {', '.join(known)}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be an integer >= 1, got {times!r}")
        if from_proxy and status is None:
            status = 502
        if (status is None) == (error is None):
            raise ValueError("give either a status or a transport error")
        if error is not None and error not in TRANSPORT_FAULTS:
            raise ValueError(f"error must be 'reset', 'timeout' or 'refused', got {error!r}")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
        ):
            raise ValueError(f"status must be an HTTP status code (100 to 599), got {status!r}")
        if retry_after is not None and error is not None:
            raise ValueError("retry_after needs an answer: give a status, not a transport error")
        fault = Fault(
            operation,
            times,
            status=status,
            transport_error=error,
            from_proxy=from_proxy,
            retry_after=None if retry_after is None else str(retry_after),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, _REDACTED)

    def _receive(self, request: httpx.Request) -> httpx.Response | None:
        """Record `request` (its body read); the injected fault's answer, or None to pass it to the app."""
        if self._closed:
            raise RuntimeError("this Fake is closed")
        operation = _operation_of(request.method, request.url.path)
        headers = {name: self._redact(value) for name, value in request.headers.items()}
        if "authorization" in headers:
            scheme, _, _ = headers["authorization"].partition(" ")
            headers["authorization"] = f"{scheme} {_REDACTED}"
        body = self._redact(request.content.decode("utf-8", "replace"))
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        received = ReceivedRequest(
            operation=operation,
            method=request.method,
            path=self._redact(request.url.path),
            query={
                self._redact(name): [self._redact(value) for value in values]
                for name, values in parse_qs(
                    request.url.query.decode("ascii"), keep_blank_values=True
                ).items()
            },
            json=parsed,
            headers=headers,
        )
        with self._lock:
            self.requests.append(received)
            fault = next((f for f in self._faults if operation and f.operation == operation), None)
            if fault is not None:
                fault.times -= 1
                if not fault.times:
                    self._faults.remove(fault)
        return None if fault is None else fault.answer(request)

    def _call_app(self, request: httpx.Request) -> httpx.Response:
        """The app's answer to a request whose body is read, run on the fake's event loop thread."""
        return asyncio.run_coroutine_threadsafe(_read_answer(self._asgi, request), _app_loop()).result()


class _SyncTransport(httpx.BaseTransport):
    """Sync requests to a Fake: faults and recording here, the app on the fake's event loop thread."""

    def __init__(self, fake: Fake) -> None:
        self._fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        answer = self._fake._receive(request)
        return answer if answer is not None else self._fake._call_app(request)


class _AsyncTransport(httpx.AsyncBaseTransport):
    """Async requests to a Fake: the app runs on the caller's event loop."""

    def __init__(self, fake: Fake) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        answer = self._fake._receive(request)
        return answer if answer is not None else await self._fake._asgi.handle_async_request(request)
