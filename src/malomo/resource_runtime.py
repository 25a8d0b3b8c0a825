"""What the generated resource layer (malomo_client.resources) runs on: the requesters that send one
operation, described by its generated OperationDescriptor, with a client's defaults and the call's options,
and the result types of its methods. The only malomo module generated code names (for the type checker)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import httpx

from malomo_client.resource_operations import OperationDescriptor

from ._base_client import ClientDefaults, RawResponse, RequestOptions, path_id, success_value
from ._client_factory import MalomoClient
from ._errors import client_closed, error_from_transport_error
from ._pagination import AsyncPage, AsyncPaginator, SyncPage

T = TypeVar("T")
Arguments = Mapping[str, Any]

__all__ = [
    "AsyncPage",
    "AsyncPaginator",
    "AsyncRequester",
    "OperationDescriptor",
    "RawResponse",
    "RequestOptions",
    "SyncPage",
    "SyncRequester",
]


def _following(operation: OperationDescriptor[Any], arguments: Arguments, cursor: str) -> dict[str, Any]:
    """The arguments of the page after this one: the same, with its cursor in place of any cursor given."""
    following = {k: v for k, v in arguments.items() if k not in operation.cursors}
    return {**following, operation.cursors[0]: cursor}


class _Requester:
    """What the generated resources hold: the client's pool and defaults, and the path-id check."""

    path_id = staticmethod(path_id)

    def __init__(self, client: MalomoClient, defaults: ClientDefaults) -> None:
        self._client = client
        self._defaults = defaults
        self.closed = False  # set by the client's close(): a copy may be closed while its pool is not


class SyncRequester(_Requester):
    """Runs one generated operation for the resources of a Malomo client."""

    def _send(
        self, operation: OperationDescriptor[T], arguments: Arguments, options: RequestOptions
    ) -> tuple[T, httpx.Response]:
        request = self._defaults.request(operation, arguments, options)
        http = self._client.get_httpx_client()
        if self.closed or http.is_closed:
            raise client_closed(f"{operation.method} {operation.path}")
        try:
            response = http.request(**request)
        except httpx.TransportError as exc:
            raise error_from_transport_error(exc) from exc
        return success_value(operation, response), response

    def call(self, operation: OperationDescriptor[T], arguments: Arguments, options: RequestOptions) -> T:
        return self._send(operation, arguments, options)[0]

    def call_raw(
        self, operation: OperationDescriptor[T], arguments: Arguments, options: RequestOptions
    ) -> RawResponse[T]:
        value, response = self._send(operation, arguments, options)
        return RawResponse(response, value)

    def page(
        self, operation: OperationDescriptor[list[T]], arguments: Arguments, options: RequestOptions
    ) -> SyncPage[T]:
        return self.page_raw(operation, arguments, options).parse()

    def page_raw(
        self, operation: OperationDescriptor[list[T]], arguments: Arguments, options: RequestOptions
    ) -> RawResponse[SyncPage[T]]:
        def fetch(cursor: str) -> SyncPage[T]:
            return self.page(operation, _following(operation, arguments, cursor), options)

        items, response = self._send(operation, arguments, options)
        return RawResponse(response, SyncPage(items, response, fetch))


class AsyncRequester(_Requester):
    """Runs one generated operation for the resources of an AsyncMalomo client."""

    async def _send(
        self, operation: OperationDescriptor[T], arguments: Arguments, options: RequestOptions
    ) -> tuple[T, httpx.Response]:
        request = self._defaults.request(operation, arguments, options)
        http = self._client.get_async_httpx_client()
        if self.closed or http.is_closed:
            raise client_closed(f"{operation.method} {operation.path}")
        try:
            response = await http.request(**request)
        except httpx.TransportError as exc:
            raise error_from_transport_error(exc) from exc
        return success_value(operation, response), response

    async def call(
        self, operation: OperationDescriptor[T], arguments: Arguments, options: RequestOptions
    ) -> T:
        return (await self._send(operation, arguments, options))[0]

    async def call_raw(
        self, operation: OperationDescriptor[T], arguments: Arguments, options: RequestOptions
    ) -> RawResponse[T]:
        value, response = await self._send(operation, arguments, options)
        return RawResponse(response, value)

    def paginator(
        self, operation: OperationDescriptor[list[T]], arguments: Arguments, options: RequestOptions
    ) -> AsyncPaginator[T]:
        return AsyncPaginator(lambda: self.page(operation, arguments, options))

    async def page(
        self, operation: OperationDescriptor[list[T]], arguments: Arguments, options: RequestOptions
    ) -> AsyncPage[T]:
        return (await self.page_raw(operation, arguments, options)).parse()

    async def page_raw(
        self, operation: OperationDescriptor[list[T]], arguments: Arguments, options: RequestOptions
    ) -> RawResponse[AsyncPage[T]]:
        def fetch(cursor: str) -> Awaitable[AsyncPage[T]]:
            return self.page(operation, _following(operation, arguments, cursor), options)

        items, response = await self._send(operation, arguments, options)
        return RawResponse(response, AsyncPage(items, response, fetch))
