"""The Starlette application of the reference server: routing, auth, errors and the handled operations.

The routes are the spec's paths; each path dispatches on the method itself so that any other method gets the
documented Error body with status 405 and an `Allow` header listing the path's methods. An operation of the
spec without a handler here answers 501.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, ParamSpec, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from malomo_mock.cursors import CursorCodec, CursorError
from malomo_mock.customers_store import LOCK_TIMEOUT_SECONDS, CustomersStore, Page, Position, StoreBusy
from malomo_mock.openapi_contract import (
    HTTP_METHODS,
    Contract,
    InvalidValue,
    Operation,
    SpecError,
    load_contract,
)
from malomo_mock.request_bodies import BodyError, checked_body, read_json_object
from malomo_mock.seed_file import read_seed

Handler = Callable[[Request], Awaitable[Response]]
P = ParamSpec("P")
R = TypeVar("R")

_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HOST: Final = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
# Where a request's id is kept in its ASGI scope, for the HTTP layer's own answer to a request it cut off.
REQUEST_ID_SCOPE_KEY: Final = "malomo.request_id"
# The media type whose `version` parameter picks the API version (the spec's "Authentication and versioning").
_VENDOR_TYPE: Final = "application/vnd.malomo+json"
_RETRY_AFTER_SECONDS: Final = "1"
_log = logging.getLogger("malomo_mock")


def _json_response(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(document, separators=(",", ":")), status, headers, "application/json")


def error_response(
    scope: Scope, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The spec's Error body `{code, message, request_id, status}`."""
    body = {"code": code, "message": message, "request_id": scope[REQUEST_ID_SCOPE_KEY], "status": status}
    return _json_response(body, status, headers)


class RequestIdMiddleware:
    """Gives every request an id (kept if the scope has one), sends it as `X-Request-Id`, and turns a crash
    into an Error-shaped 500. A client that went away gets no answer and no error line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id: str = scope.setdefault(REQUEST_ID_SCOPE_KEY, f"req_{secrets.token_hex(8)}")
        header = (b"x-request-id", request_id.encode("ascii"))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # mid-body, or cut off by http_guard's body timeout: no server fault
            _log.debug("request %s (%s %s): the client went away", request_id, scope["method"], scope["path"])
        except Exception:
            # The method and path only: a body or a header could hold a key or a customer's data.
            _log.exception("request %s (%s %s) answered 500", request_id, scope["method"], scope["path"])
            if started:
                raise
            response = error_response(
                scope, 500, "internal_error", "The server failed to answer this request."
            )
            await response(scope, receive, send_with_id)


def _refused_version(accept: str, served: str) -> str | None:
    """The version `accept` asks for when it names the vendor type only with versions other than `served`."""
    asked = None
    for media_range in accept.split(","):
        media_type, *params = media_range.split(";")
        if media_type.strip().lower() != _VENDOR_TYPE:
            continue
        version = next(
            (
                value.strip().strip('"')
                for name, _, value in (param.partition("=") for param in params)
                if name.strip().lower() == "version"
            ),
            None,
        )
        if version is None or version == served:
            return None
        asked = asked or version
    return asked


class PathResource:
    """One path: dispatches on the method (405 with `Allow` for the others), checks the API key (401), the
    API version (406) and the declared query parameters (400), then runs the operation's handler."""

    def __init__(
        self, api_key: str, api_version: str, operations: dict[str, tuple[Operation, Handler]]
    ) -> None:
        self._key = api_key.encode("utf-8")
        self._version = api_version
        self._operations = operations
        self._allow = ", ".join(operations)

    def _authorized(self, headers: Headers) -> bool:
        """`Authorization: Bearer <the secret key>` (scheme in any case); a `pk_` key never passes."""
        scheme, _, token = headers.get("authorization", "").encode("latin-1").partition(b" ")
        token = token.strip()
        if scheme.lower() != b"bearer" or token.startswith(b"pk_"):
            return False
        return hmac.compare_digest(token, self._key)

    async def _answer(self, scope: Scope, receive: Receive) -> Response:
        found = self._operations.get(scope["method"])
        if found is None:
            message = f"{scope['method'][:16]} is not allowed here; allowed: {self._allow}."
            return error_response(scope, 405, "method_not_allowed", message, {"Allow": self._allow})
        headers = Headers(scope=scope)
        if not self._authorized(headers):
            message = "A valid secret API key is required."
            return error_response(scope, 401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})
        accept = headers.get("accept", "")
        asked = _refused_version(accept, self._version) if "vnd.malomo" in accept.lower() else None
        if asked is not None:
            message = (
                f"This server speaks version {self._version} of the API;"
                f" the request asked for version {asked[:16]}."
            )
            return error_response(scope, 406, "not_acceptable", message)
        operation, handler = found
        request = Request(scope, receive)
        try:
            if operation.query and (scope.get("query_string") or operation.requires_query()):
                operation.check_query(request.query_params.getlist)
            return await handler(request)
        except InvalidValue as exc:
            return error_response(scope, 400, "bad_request", str(exc))
        except BodyError as exc:
            return error_response(scope, exc.status, exc.code, exc.message)
        except StoreBusy:
            message = "The store is locked by another writer; retry shortly."
            headers_out = {"Retry-After": _RETRY_AFTER_SECONDS}
            return error_response(scope, 503, "service_unavailable", message, headers_out)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._answer(scope, receive)
        await response(scope, receive, send)


def _not_implemented(operation_id: str) -> Handler:
    async def answer(request: Request) -> Response:
        message = f"{operation_id} is in the spec but not implemented by this server."
        return error_response(request.scope, 501, "not_implemented", message)

    return answer


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":  # pragma: no cover - websockets and lifespan are not served
        return
    response = error_response(scope, 404, "not_found", "No such resource.")
    await response(scope, receive, send)


class CustomersApi:
    """The handled operations of the spec over one store; request bodies are checked against the spec."""

    def __init__(self, store: CustomersStore, page_size: int, contract: Contract) -> None:
        self.store = store
        self.page_size = page_size
        self.cursors = CursorCodec(store.cursor_secret)
        self._bodies = {operation.operation_id: operation.body for operation in contract.operations}

    def handlers(self) -> dict[str, Handler]:
        """The handler of each operationId this server implements."""
        return {
            "createCustomer": self.create_customer,
            "listCustomers": self.list_customers,
            "getCustomer": self.get_customer,
            "updateCustomer": self.update_customer,
            "deleteCustomer": self.delete_customer,
            "listCustomerEvents": self.list_customer_events,
        }

    async def _body(self, request: Request, operation_id: str) -> dict[str, Any]:
        body = self._bodies.get(operation_id)
        document = await read_json_object(request)
        return document if body is None else checked_body(body, document)

    async def _write(self, write: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`write` on the store's writer thread (inline for an in-memory store): a lock held by another
        process, or a checkpoint, never stalls the event loop."""
        if self.store.writer is None:
            return write(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.store.writer, lambda: write(*args, **kwargs))

    @staticmethod
    def _customer_id(request: Request, name: str = "id") -> str | None:
        """The canonical lower-case uuid of the path parameter, or None when it is not a uuid."""
        value: str = request.path_params[name]
        return value.lower() if _UUID.fullmatch(value) else None

    @staticmethod
    def _not_found(request: Request) -> Response:
        return error_response(request.scope, 404, "not_found", "No customer with this id.")

    def _positions(self, request: Request, list_name: str) -> tuple[Position | None, Position | None]:
        """(after, before) from the `next` / `prev` query parameters; BodyError 400 when they are unusable."""
        params = request.query_params
        nexts, prevs = params.getlist("next"), params.getlist("prev")
        if len(nexts) + len(prevs) > 1:
            raise BodyError(400, "bad_request", "Send at most one of the next and prev cursors, once.")
        if not nexts and not prevs:
            return None, None
        cursor = (nexts or prevs)[0]
        try:
            position = self.cursors.decode(list_name, cursor)
        except CursorError as exc:
            raise BodyError(400, "bad_request", "The cursor is not valid for this list.") from exc
        return (position, None) if nexts else (None, position)

    def _page_response(self, request: Request, list_name: str, page: Page) -> Response:
        url = _absolute_url(request)
        links = []
        if page.has_after and page.last is not None:
            links.append(f'<{url}?next={self.cursors.encode(list_name, page.last)}>; rel="next"')
        if page.has_before and page.first is not None:
            links.append(f'<{url}?prev={self.cursors.encode(list_name, page.first)}>; rel="prev"')
        body = f"[{','.join(page.items)}]"
        return Response(body, 200, {"Link": ", ".join(links)} if links else None, "application/json")

    async def create_customer(self, request: Request) -> Response:
        fields = await self._body(request, "createCustomer")
        return _json_response(await self._write(self.store.create_customer, fields))

    async def list_customers(self, request: Request) -> Response:
        after, before = self._positions(request, "customers")
        page = self.store.list_customers(self.page_size, after, before)
        return self._page_response(request, "customers", page)

    async def get_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request)
        customer = None if customer_id is None else self.store.customer_json(customer_id)
        return (
            self._not_found(request)
            if customer is None
            else Response(customer, media_type="application/json")
        )

    async def update_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request)
        if customer_id is None:
            return self._not_found(request)
        changes = await self._body(request, "updateCustomer")
        customer = await self._write(self.store.update_customer, customer_id, changes)
        return self._not_found(request) if customer is None else _json_response(customer)

    async def delete_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request)
        if customer_id is None or not await self._write(self.store.delete_customer, customer_id):
            return self._not_found(request)
        return Response(status_code=204)

    async def list_customer_events(self, request: Request) -> Response:
        customer_id = self._customer_id(request, "customer_id")
        if customer_id is None or not self.store.customer_exists(customer_id):
            return self._not_found(request)
        list_name = f"events:{customer_id}"
        after, before = self._positions(request, list_name)
        page = self.store.list_events(customer_id, self.page_size, after, before)
        return self._page_response(request, list_name, page)


def _absolute_url(request: Request) -> str:
    """Scheme, host and path of the request, without its query (built by hand: no URL parsing of Host)."""
    scope = request.scope
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):  # missing, or not a plain host[:port]: use the address that was hit
        server_host, port = scope.get("server") or ("127.0.0.1", 80)
        host = f"[{server_host}]:{port}" if ":" in server_host else f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"


def create_app(
    api_key: str | None = None,
    db: str | Path = ":memory:",
    page_size: int = 25,
    seed: Path | None = None,
    spec: Path | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> Starlette:
    """The reference server as a Starlette app over a new store (`db`: `:memory:` or a SQLite file path),
    serving the OpenAPI document `spec` (the packaged spec by default).

    `api_key` None generates one (read it back from `app.state.api_key`). A bad `seed` raises `SeedError`,
    a spec the server cannot serve `SpecError`. A write waits `lock_timeout` seconds for a lock another
    process holds on `db`, then answers 503 with `Retry-After`. `app.state.unimplemented` lists the
    operationIds of the spec without a handler (they answer 501); `app.state.coverage` says so in one line
    (None when every operation has one).
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    contract = load_contract(Path(spec)) if spec is not None else load_contract()
    # A generated key has the shape of Malomo's test keys.
    key = api_key if api_key is not None else f"sk_test_{secrets.token_urlsafe(24)}"
    store = CustomersStore(str(db), contract, lock_timeout)
    try:
        if seed is not None:
            store.insert_seed(read_seed(Path(seed), contract))
    except Exception:
        store.close()
        raise
    handlers = CustomersApi(store, page_size, contract).handlers()
    for operation in contract.operations:
        if operation.unservable is not None and operation.operation_id in handlers:
            store.close()
            raise SpecError(operation.unservable)
    routes = []
    for path, operations in contract.paths().items():
        methods = sorted(operations, key=lambda method: HTTP_METHODS.index(method.lower()))
        served = {
            method: (
                operations[method],
                handlers.get(operations[method].operation_id)
                or _not_implemented(operations[method].operation_id),
            )
            for method in methods
        }
        routes.append(Route(path, PathResource(key, contract.api_version, served)))
    app = Starlette(routes=routes)
    app.router.redirect_slashes = False
    app.router.default = _not_found
    app.add_middleware(RequestIdMiddleware)
    app.state.api_key = key
    app.state.store = store
    app.state.unimplemented = [
        op.operation_id for op in contract.operations if op.operation_id not in handlers
    ]
    app.state.coverage = (
        f"serves {len(contract.operations) - len(app.state.unimplemented)} of {len(contract.operations)}"
        f" operations; not implemented: {', '.join(app.state.unimplemented)}"
        if app.state.unimplemented
        else None
    )
    return app
