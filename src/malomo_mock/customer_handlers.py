"""The operations this server implements, over one store: each handler reads its request (path parameters,
cursors, a body checked against the spec) and answers the spec's JSON, `Link` header or Error."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, Final, ParamSpec, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from malomo_mock.cursors import CursorCodec, CursorError
from malomo_mock.customers_store import CustomersStore
from malomo_mock.error_answers import error_response, json_response
from malomo_mock.openapi_contract import AFTER_RELATION, BEFORE_RELATION, Contract
from malomo_mock.path_resource import Handler
from malomo_mock.request_bodies import BodyError, checked_body, read_json_object
from malomo_mock.store_records import Page, Position
from malomo_mock.value_rules import is_uuid

P = ParamSpec("P")
R = TypeVar("R")

# The operationIds of the spec this module implements (tests check the mapping against the spec).
_CREATE_CUSTOMER: Final = "createCustomer"
_LIST_CUSTOMERS: Final = "listCustomers"
_GET_CUSTOMER: Final = "getCustomer"
_UPDATE_CUSTOMER: Final = "updateCustomer"
_DELETE_CUSTOMER: Final = "deleteCustomer"
_LIST_EVENTS: Final = "listCustomerEvents"
# The names cursors are signed with (the server's own, inside its opaque cursors).
CUSTOMERS_LIST: Final = "customers"
_EVENTS_LIST_PREFIX: Final = "events:"
_HOST: Final = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class CustomersApi:
    """The handled operations of the spec over one store; request bodies are checked against the spec."""

    def __init__(self, store: CustomersStore, page_size: int, contract: Contract) -> None:
        self.store = store
        self.page_size = page_size
        self.cursors = CursorCodec(store.cursor_secret)
        self._bodies = {operation.operation_id: operation.body for operation in contract.operations}
        self._max_body_bytes = contract.max_body_bytes
        # The path parameter holding the customer's id, by operation (its name in the spec's path).
        self._id_parameters = {
            operation.operation_id: operation.operation.path_parameters[-1]
            for operation in contract.operations
            if operation.operation.path_parameters
        }
        # The filters of each list (`x-malomo-filter`) with the JSON type of their parameter.
        self._filters = {
            operation.operation_id: [
                (found, next(p.rule.type for p in operation.query if p.name == found.parameter))
                for found in operation.filters
            ]
            for operation in contract.operations
        }
        self._cursor_parameters = {
            operation_id: contract.cursor_parameters(operation_id)
            for operation_id in (_LIST_CUSTOMERS, _LIST_EVENTS)
            if any(operation.operation_id == operation_id for operation in contract.operations)
        }

    def handlers(self) -> dict[str, Handler]:
        """The handler of each operationId this server implements."""
        return {
            _CREATE_CUSTOMER: self.create_customer,
            _LIST_CUSTOMERS: self.list_customers,
            _GET_CUSTOMER: self.get_customer,
            _UPDATE_CUSTOMER: self.update_customer,
            _DELETE_CUSTOMER: self.delete_customer,
            _LIST_EVENTS: self.list_customer_events,
        }

    async def _body(self, request: Request, operation_id: str) -> dict[str, Any]:
        body = self._bodies.get(operation_id)
        document = await read_json_object(request, self._max_body_bytes)
        return document if body is None else checked_body(body, document)

    async def _write(self, write: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`write` on the store's writer thread (inline for an in-memory store): a lock held by another
        process, or a checkpoint, never stalls the event loop."""
        if self.store.writer is None:
            return write(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.store.writer, lambda: write(*args, **kwargs))

    def _customer_id(self, request: Request, operation_id: str) -> str | None:
        """The canonical lower-case uuid of the operation's id parameter, or None when it is not a uuid."""
        value: str = request.path_params[self._id_parameters[operation_id]]
        return value.lower() if is_uuid(value) else None

    @staticmethod
    def _not_found(request: Request) -> Response:
        return error_response(request.scope, 404, "not_found", "No customer with this id.")

    def _positions(
        self, request: Request, operation_id: str, list_name: str
    ) -> tuple[Position | None, Position | None]:
        """(after, before) from the list's cursor parameters; BodyError 400 when they are unusable."""
        params, names = request.query_params, self._cursor_parameters[operation_id]
        nexts, prevs = params.getlist(names.after), params.getlist(names.before)
        if len(nexts) + len(prevs) > 1:
            message = f"Send at most one of the {names.after} and {names.before} cursors, once."
            raise BodyError(400, "bad_request", message)
        if not nexts and not prevs:
            return None, None
        cursor = (nexts or prevs)[0]
        try:
            position = self.cursors.decode(list_name, cursor)
        except CursorError as exc:
            raise BodyError(400, "bad_request", "The cursor is not valid for this list.") from exc
        return (position, None) if nexts else (None, position)

    def _matching(self, request: Request, operation_id: str) -> tuple[dict[str, Any], str]:
        """The fields the list's filter parameters ask for, by field, and those parameters as a query
        string to keep on the `Link` targets ('' when none is sent)."""
        matching: dict[str, Any] = {}
        kept = []
        for found, kind in self._filters.get(operation_id, ()):
            value = request.query_params.get(found.parameter)
            if value is not None:
                matching[found.field] = _typed(value, kind)
                kept.append((found.parameter, value))
        return matching, urlencode(kept)

    def _page_response(
        self, request: Request, operation_id: str, list_name: str, page: Page, kept: str = ""
    ) -> Response:
        url, names = _absolute_url(request), self._cursor_parameters[operation_id]
        also = f"&{kept}" if kept else ""
        links = []
        if page.has_after and page.last is not None:
            cursor = self.cursors.encode(list_name, page.last)
            links.append(f'<{url}?{names.after}={cursor}{also}>; rel="{AFTER_RELATION}"')
        if page.has_before and page.first is not None:
            cursor = self.cursors.encode(list_name, page.first)
            links.append(f'<{url}?{names.before}={cursor}{also}>; rel="{BEFORE_RELATION}"')
        body = f"[{','.join(page.items)}]"
        return Response(body, 200, {"Link": ", ".join(links)} if links else None, "application/json")

    async def create_customer(self, request: Request) -> Response:
        fields = await self._body(request, _CREATE_CUSTOMER)
        return json_response(await self._write(self.store.create_customer, fields))

    async def list_customers(self, request: Request) -> Response:
        after, before = self._positions(request, _LIST_CUSTOMERS, CUSTOMERS_LIST)
        matching, kept = self._matching(request, _LIST_CUSTOMERS)
        page = self.store.list_customers(self.page_size, after, before, matching)
        return self._page_response(request, _LIST_CUSTOMERS, CUSTOMERS_LIST, page, kept)

    async def get_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request, _GET_CUSTOMER)
        customer = None if customer_id is None else self.store.customer_json(customer_id)
        return (
            self._not_found(request)
            if customer is None
            else Response(customer, media_type="application/json")
        )

    async def update_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request, _UPDATE_CUSTOMER)
        if customer_id is None:
            return self._not_found(request)
        changes = await self._body(request, _UPDATE_CUSTOMER)
        customer = await self._write(self.store.update_customer, customer_id, changes)
        return self._not_found(request) if customer is None else json_response(customer)

    async def delete_customer(self, request: Request) -> Response:
        customer_id = self._customer_id(request, _DELETE_CUSTOMER)
        if customer_id is None or not await self._write(self.store.delete_customer, customer_id):
            return self._not_found(request)
        return Response(status_code=204)

    async def list_customer_events(self, request: Request) -> Response:
        customer_id = self._customer_id(request, _LIST_EVENTS)
        if customer_id is None or not self.store.customer_exists(customer_id):
            return self._not_found(request)
        list_name = f"{_EVENTS_LIST_PREFIX}{customer_id}"
        after, before = self._positions(request, _LIST_EVENTS, list_name)
        matching, kept = self._matching(request, _LIST_EVENTS)
        page = self.store.list_events(customer_id, self.page_size, after, before, matching)
        return self._page_response(request, _LIST_EVENTS, list_name, page, kept)


def _typed(value: str, kind: str | None) -> Any:
    """A filter parameter's text as the JSON value it compares with (its parameter's schema is checked)."""
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value == "true"
    return value


def _absolute_url(request: Request) -> str:
    """Scheme, host and path of the request, without its query (built by hand: no URL parsing of Host)."""
    scope = request.scope
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):  # missing, or not a plain host[:port]: use the address that was hit
        server_host, port = scope.get("server") or ("127.0.0.1", 80)
        host = f"[{server_host}]:{port}" if ":" in server_host else f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"
