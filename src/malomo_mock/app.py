"""The Starlette application of the reference server: routing, auth, errors and the five operations.

One Starlette route per path; each path dispatches on the method itself so that any other method gets the
documented Error body with status 405 and an `Allow` header listing the path's methods.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from malomo_mock.cursors import CursorCodec, CursorError
from malomo_mock.customers_store import CustomersStore, Page, Position
from malomo_mock.request_bodies import BodyError, read_json_object, validate_customer_fields
from malomo_mock.seed_file import read_seed

Handler = Callable[[Request], Awaitable[Response]]

_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HOST: Final = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_REQUEST_ID_KEY: Final = "malomo.request_id"
_MAX_CURSOR_LENGTH: Final = 512


def _json_response(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(document, separators=(",", ":")), status, headers, "application/json")


def error_response(
    scope: Scope, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The spec's Error body `{code, message, request_id, status}`."""
    body = {"code": code, "message": message, "request_id": scope[_REQUEST_ID_KEY], "status": status}
    return _json_response(body, status, headers)


class RequestIdMiddleware:
    """Gives every request an id, sends it as `X-Request-Id`, and turns a crash into an Error-shaped 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope[_REQUEST_ID_KEY] = f"req_{secrets.token_hex(8)}"
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
        except Exception:
            if started:
                raise
            response = error_response(
                scope, 500, "internal_error", "The server failed to answer this request."
            )
            await response(scope, receive, send_with_id)


class PathResource:
    """One path: dispatches on the method, answers 405 with `Allow` for the others, checks the API key."""

    def __init__(self, api_key: str, handlers: dict[str, Handler]) -> None:
        self._key = api_key.encode("utf-8")
        self._handlers = handlers
        self._allow = ", ".join(handlers)

    def _authorized(self, scope: Scope) -> bool:
        """`Authorization: Bearer <the secret key>` (scheme in any case); a `pk_` key never passes."""
        scheme, _, token = Headers(scope=scope).get("authorization", "").encode("latin-1").partition(b" ")
        token = token.strip()
        if scheme.lower() != b"bearer" or token.startswith(b"pk_"):
            return False
        return hmac.compare_digest(token, self._key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handlers.get(scope["method"])
        if handler is None:
            message = f"{scope['method'][:16]} is not allowed here; allowed: {self._allow}."
            response = error_response(scope, 405, "method_not_allowed", message, {"Allow": self._allow})
        elif not self._authorized(scope):
            response = error_response(scope, 401, "unauthorized", "A valid secret API key is required.")
        else:
            try:
                response = await handler(Request(scope, receive))
            except BodyError as exc:
                response = error_response(scope, exc.status, exc.code, exc.message)
        await response(scope, receive, send)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":  # pragma: no cover - websockets and lifespan are not served
        return
    response = error_response(scope, 404, "not_found", "No such resource.")
    await response(scope, receive, send)


class CustomersApi:
    """The five operations of the spec over one store."""

    def __init__(self, store: CustomersStore, page_size: int) -> None:
        self.store = store
        self.page_size = page_size
        self.cursors = CursorCodec(store.cursor_secret)

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
        if len(cursor) > _MAX_CURSOR_LENGTH:
            raise BodyError(400, "bad_request", "The cursor is not valid for this list.")
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
        return _json_response(page.items, 200, {"Link": ", ".join(links)} if links else None)

    async def create_customer(self, request: Request) -> Response:
        fields = validate_customer_fields(await read_json_object(request), creating=True)
        return _json_response(self.store.create_customer(fields))

    async def list_customers(self, request: Request) -> Response:
        after, before = self._positions(request, "customers")
        page = self.store.list_customers(self.page_size, after, before)
        return self._page_response(request, "customers", page)

    async def get_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request)
        customer = None if customer_id is None else self.store.get_customer(customer_id)
        return self._not_found(request) if customer is None else _json_response(customer)

    async def update_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request)
        if customer_id is None:
            return self._not_found(request)
        changes = validate_customer_fields(await read_json_object(request), creating=False)
        customer = self.store.update_customer(customer_id, changes)
        return self._not_found(request) if customer is None else _json_response(customer)

    async def delete_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request)
        if customer_id is None or not self.store.delete_customer(customer_id):
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
) -> Starlette:
    """The reference server as a Starlette app over a new store (`db`: `:memory:` or a SQLite file path).

    `api_key` None generates one (read it back from `app.state.api_key`). A bad `seed` raises `SeedError`.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    # A generated key has the shape of Malomo's test keys.
    key = api_key if api_key is not None else f"sk_test_{secrets.token_urlsafe(24)}"
    store = CustomersStore(str(db))
    try:
        if seed is not None:
            store.insert_seed(read_seed(Path(seed)))
    except Exception:
        store.close()
        raise
    api = CustomersApi(store, page_size)
    routes = [
        Route("/customers", PathResource(key, {"GET": api.list_customers, "POST": api.create_customer})),
        Route(
            "/customers/{id}",
            PathResource(
                key, {"GET": api.get_customer, "PUT": api.update_customer, "DELETE": api.delete_customer}
            ),
        ),
        Route("/customers/{customer_id}/events", PathResource(key, {"GET": api.list_customer_events})),
    ]
    app = Starlette(routes=routes)
    app.router.redirect_slashes = False
    app.router.default = _not_found
    app.add_middleware(RequestIdMiddleware)
    app.state.api_key = key
    app.state.store = store
    return app
