"""Malomo and AsyncMalomo: the resource-style clients (``client.customers.create(...)``), and the requesters
that run each generated resource method with the client's defaults and the call's own options.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Generic, Self, TypedDict, TypeVar

import httpx

from malomo_client.models.error import Error
from malomo_client.resources import AsyncMalomoResources, MalomoResources
from malomo_client.types import Response

from ._client_factory import DEFAULT_BASE_URL, MalomoClient, _check_base_url, _check_timeout, connect
from ._errors import error_from_transport_error
from ._operation_calls import build_request, operation_module, operation_name, success_value, with_full_url
from ._pagination import AsyncPage, AsyncPaginator, SyncPage, cursor_parameters
from ._retry_transport import MAX_RETRIES_EXTENSION, RetryPolicy

T = TypeVar("T")
API_KEY_VARIABLE = "MALOMO_API_KEY"
BASE_URL_VARIABLE = "MALOMO_BASE_URL"
_OPTION_NAMES = ("timeout", "max_retries", "extra_headers", "extra_query")
# A generated operation's sync_detailed (only its module is used: it types the result), its arguments.
Operation = Callable[..., Response[T | Error]]
ListOperation = Callable[..., Response[list[T] | Error]]
Arguments = dict[str, Any]


class RequestOptions(TypedDict, total=False):
    """Options of one call, accepted by every resource method."""

    timeout: float | httpx.Timeout
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str]


class RawResponse(Generic[T]):
    """A successful answer as it came: ``status_code``, ``headers``, ``request_id``, ``http_response``;
    ``parse()`` gives what the method itself returns. An error answer still raises its typed error."""

    def __init__(self, response: httpx.Response, parsed: T) -> None:
        self.http_response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.request_id: str | None = response.headers.get("x-request-id")
        self._parsed = parsed

    def __repr__(self) -> str:
        return f"<RawResponse {self.status_code} request_id={self.request_id!r}>"

    def parse(self) -> T:
        return self._parsed


def _resolve_api_key(api_key: str | None) -> str:
    if api_key is None:
        api_key = os.environ.get(API_KEY_VARIABLE)
        if not api_key:
            raise ValueError(f"no API key: pass api_key= or set {API_KEY_VARIABLE} (a secret key, sk_...)")
    if isinstance(api_key, str) and api_key.startswith("pk_"):
        raise ValueError("api_key is a publishable key (pk_...): this API takes the secret key (sk_...)")
    return api_key


def _check_max_retries(max_retries: object) -> int:
    # RetryPolicy's own check, so that the message is the same wherever the number was given.
    return RetryPolicy(max_retries=max_retries).max_retries  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Defaults:
    """What a client (or a with_options copy) adds to each request on the shared connection pool."""

    base_url: httpx.URL
    headers: Mapping[str, str] = field(repr=False)  # may hold another key (with_options(api_key=...))
    timeout: httpx.Timeout
    max_retries: int

    def request(
        self, operation: object, arguments: dict[str, Any], options: RequestOptions
    ) -> dict[str, Any]:
        """The keyword arguments of ``httpx.Client.request`` for one call of a generated operation."""
        module = operation_module(operation)
        unknown = sorted(set(options) - set(_OPTION_NAMES))
        if unknown:  # a misspelt field lands in **options
            raise TypeError(
                f"{operation_name(module)}(): unexpected keyword argument {unknown[0]!r}: neither a field or"
                f" parameter of the operation nor a request option ({', '.join(_OPTION_NAMES)})"
            )
        request = build_request(module, (), arguments)
        headers = {**self.headers, **request.get("headers", {}), **options.get("extra_headers", {})}
        request["headers"] = headers
        if "extra_query" in options:
            request["params"] = {**request.get("params", {}), **options["extra_query"]}
        request["timeout"] = _check_timeout(options["timeout"]) if "timeout" in options else self.timeout
        retries = _check_max_retries(options["max_retries"]) if "max_retries" in options else self.max_retries
        request["extensions"] = {MAX_RETRIES_EXTENSION: retries}
        return with_full_url(self.base_url, request)


def _copy_defaults(
    defaults: _Defaults,
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
    secret: str,
) -> _Defaults:
    changes: dict[str, Any] = {}
    headers = dict(defaults.headers)
    if default_headers:
        headers.update({k: v for k, v in default_headers.items() if k.lower() != "authorization"})
    if api_key is not None:
        secret = _resolve_api_key(api_key)
        headers["Authorization"] = f"Bearer {secret}"
    changes["headers"] = headers
    if base_url is not None:
        changes["base_url"] = httpx.URL(_check_base_url(base_url, secret))
    if timeout is not None:
        changes["timeout"] = _check_timeout(timeout)
    if max_retries is not None:
        changes["max_retries"] = _check_max_retries(max_retries)
    return replace(defaults, **changes)


def path_id(method: str, name: str, value: str | uuid.UUID) -> uuid.UUID:
    """A resource method's ``format: uuid`` path argument as a UUID; text that is not one is refused here,
    as a ValueError naming the method and the argument: sent as is, ``..`` or an empty string would
    change the path (``delete("..")`` would be ``DELETE /``). The value is not shown: it may be anything."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{method}(): {name} must be a UUID or its text, got {type(value).__name__}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(
            f"{method}(): {name} is not a UUID (a str of {len(value)} characters);"
            " an id looks like a0a877c6-4164-4e8a-8179-48f8d4752b4e"
        ) from None


class _Requester:
    """What the generated resources hold: the client's pool and defaults, and the path-id check."""

    path_id = staticmethod(path_id)

    def __init__(self, client: MalomoClient, defaults: _Defaults) -> None:
        self._client = client
        self._defaults = defaults


class SyncRequester(_Requester):
    """Runs one generated operation for the resources of a Malomo client."""

    def _send(
        self, operation: object, arguments: dict[str, Any], options: RequestOptions
    ) -> tuple[Any, httpx.Response]:
        request = self._defaults.request(operation, arguments, options)
        try:
            response = self._client.get_httpx_client().request(**request)
        except httpx.TransportError as exc:
            raise error_from_transport_error(exc) from exc
        return success_value(operation_module(operation), self._client, response), response

    def call(
        self,
        operation: Callable[..., Response[T | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> T:
        value: T = self._send(operation, arguments, options)[0]
        return value

    def call_raw(
        self,
        operation: Callable[..., Response[T | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> RawResponse[T]:
        value, response = self._send(operation, arguments, options)
        return RawResponse(response, value)

    def page(
        self,
        operation: Callable[..., Response[list[T] | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> SyncPage[T]:
        return self.page_raw(operation, arguments, options).parse()

    def page_raw(
        self,
        operation: Callable[..., Response[list[T] | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> RawResponse[SyncPage[T]]:
        cursor_name, cursor_names = cursor_parameters(operation_module(operation))

        def fetch(cursor: str) -> SyncPage[T]:
            following = {k: v for k, v in arguments.items() if k not in cursor_names}
            return self.page(operation, {**following, cursor_name: cursor}, options)

        items, response = self._send(operation, arguments, options)
        return RawResponse(response, SyncPage(items, response, fetch))


class AsyncRequester(_Requester):
    """Runs one generated operation for the resources of an AsyncMalomo client."""

    async def _send(
        self, operation: object, arguments: dict[str, Any], options: RequestOptions
    ) -> tuple[Any, httpx.Response]:
        request = self._defaults.request(operation, arguments, options)
        try:
            response = await self._client.get_async_httpx_client().request(**request)
        except httpx.TransportError as exc:
            raise error_from_transport_error(exc) from exc
        return success_value(operation_module(operation), self._client, response), response

    async def call(
        self,
        operation: Callable[..., Response[T | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> T:
        value: T = (await self._send(operation, arguments, options))[0]
        return value

    async def call_raw(
        self,
        operation: Callable[..., Response[T | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> RawResponse[T]:
        value, response = await self._send(operation, arguments, options)
        return RawResponse(response, value)

    def paginator(
        self,
        operation: Callable[..., Response[list[T] | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> AsyncPaginator[T]:
        return AsyncPaginator(lambda: self.page(operation, arguments, options))

    async def page(
        self,
        operation: Callable[..., Response[list[T] | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> AsyncPage[T]:
        return (await self.page_raw(operation, arguments, options)).parse()

    async def page_raw(
        self,
        operation: Callable[..., Response[list[T] | Error]],
        arguments: dict[str, Any],
        options: RequestOptions,
    ) -> RawResponse[AsyncPage[T]]:
        cursor_name, cursor_names = cursor_parameters(operation_module(operation))

        def fetch(cursor: str) -> Awaitable[AsyncPage[T]]:
            following = {k: v for k, v in arguments.items() if k not in cursor_names}
            return self.page(operation, {**following, cursor_name: cursor}, options)

        items, response = await self._send(operation, arguments, options)
        return RawResponse(response, AsyncPage(items, response, fetch))


def _build(
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    transport: httpx.BaseTransport | None,
    async_transport: httpx.AsyncBaseTransport | None,
    record_to: str | os.PathLike[str] | None,
    record_personal_data: bool,
) -> tuple[MalomoClient, _Defaults]:
    key = _resolve_api_key(api_key)
    url = base_url if base_url is not None else os.environ.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL
    # The pool's client sends the key, Accept and User-Agent; timeout and retries are set per request
    # (the retry transport is always there), so that with_options() copies can share the pool.
    client = connect(
        key,
        base_url=url,
        timeout=timeout,
        max_retries=max(_check_max_retries(max_retries), 1),
        headers=default_headers,
        transport=transport,
        async_transport=async_transport,
        record_to=record_to,
        record_personal_data=record_personal_data,
    )
    defaults = _Defaults(httpx.URL(client._base_url), {}, _check_timeout(timeout), max_retries)
    return client, defaults


class Malomo(MalomoResources):
    """The Malomo API, sync: ``client.customers.create(email=...)``, ``client.customers.list()``, ...

    ``api_key`` defaults to ``$MALOMO_API_KEY`` and ``base_url`` to ``$MALOMO_BASE_URL``, then to the
    spec's server; a missing key or a publishable (``pk_``) key is refused here. ``timeout`` (seconds per
    attempt, or an ``httpx.Timeout``) and ``max_retries`` are the defaults of every call, which may set its
    own (``timeout=``, ``max_retries=``, ``extra_headers=``, ``extra_query=``). ``transport`` replaces the
    innermost httpx transport (retries and recording still run over it): a proxy, custom TLS, or an
    in-process ``httpx.MockTransport`` / WSGI app in tests. ``record_to=PATH`` records to a HAR file as
    ``malomo.connect`` does. Use ``with Malomo() as client:`` or ``close()`` to close its connections.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 3,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        record_to: str | os.PathLike[str] | None = None,
        record_personal_data: bool = False,
    ) -> None:
        options = (default_headers, transport, None, record_to, record_personal_data)
        self._client, self._defaults = _build(api_key, base_url, timeout, max_retries, *options)
        super().__init__(SyncRequester(self._client, self._defaults))

    def __repr__(self) -> str:
        return f"<Malomo base_url={str(self._defaults.base_url)!r}>"

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy with other defaults, on the same connection pool; this client is left as it was."""
        copy = object.__new__(type(self))
        copy._client = self._client
        secret = self._client.token
        copy._defaults = _copy_defaults(
            self._defaults, api_key, base_url, timeout, max_retries, default_headers, secret
        )
        if api_key is not None and self._client.recorder is not None:
            self._client.recorder.add_secret(api_key)
        MalomoResources.__init__(copy, SyncRequester(copy._client, copy._defaults))
        return copy

    def close(self) -> None:
        """Close the connection pool (shared with this client's with_options copies)."""
        self._client.get_httpx_client().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class AsyncMalomo(AsyncMalomoResources):
    """The Malomo API, async: ``await client.customers.create(email=...)``; ``async for c in
    client.customers.list()``. The same arguments as Malomo; ``transport`` is an ``httpx.AsyncBaseTransport``
    (an in-process ``httpx.ASGITransport`` over an app, for instance)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 3,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        record_to: str | os.PathLike[str] | None = None,
        record_personal_data: bool = False,
    ) -> None:
        options = (default_headers, None, transport, record_to, record_personal_data)
        self._client, self._defaults = _build(api_key, base_url, timeout, max_retries, *options)
        super().__init__(AsyncRequester(self._client, self._defaults))

    def __repr__(self) -> str:
        return f"<AsyncMalomo base_url={str(self._defaults.base_url)!r}>"

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy with other defaults, on the same connection pool; this client is left as it was."""
        copy = object.__new__(type(self))
        copy._client = self._client
        secret = self._client.token
        copy._defaults = _copy_defaults(
            self._defaults, api_key, base_url, timeout, max_retries, default_headers, secret
        )
        if api_key is not None and self._client.recorder is not None:
            self._client.recorder.add_secret(api_key)
        AsyncMalomoResources.__init__(copy, AsyncRequester(copy._client, copy._defaults))
        return copy

    async def close(self) -> None:
        """Close the connection pool (shared with this client's with_options copies)."""
        await self._client.get_async_httpx_client().aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
