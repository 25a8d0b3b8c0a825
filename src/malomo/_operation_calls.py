"""call() and acall(): run any generated operation, return its parsed success model or raise a typed error.

How: a generated operation module builds its request in ``_get_kwargs`` and reads the answer in
``_parse_response``; its ``sync_detailed`` only sends in between. call() does the same three steps
itself, so it sees the raw answer first: a non-2xx answer becomes the typed error before the
generated ``response.json()`` could trip on an HTML 502, and paginate() reads the ``Link`` header
from the same answer. Those two generated names are fixed by the pinned generator version; the
tests of this module fail if an upgrade renames them.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any, ParamSpec, Protocol, TypeVar, overload

import httpx

from malomo_client.errors import UnexpectedStatus
from malomo_client.models.error import Error
from malomo_client.types import Response

from ._errors import (
    client_closed,
    error_from_response,
    error_from_transport_error,
    invalid_response,
    unexpected_status,
)
from ._request_ids import with_request_id

P = ParamSpec("P")
T = TypeVar("T")

_OPERATION_FUNCTIONS = {"sync", "sync_detailed", "asyncio", "asyncio_detailed"}
# What a generated model's from_dict raises on a body that does not fit the spec.
PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def operation_module(operation: object) -> ModuleType:
    """The generated operation module of ``operation`` (the module itself or one of its functions)."""
    module: object = operation
    if not isinstance(operation, ModuleType) and getattr(operation, "__name__", None) in _OPERATION_FUNCTIONS:
        module = sys.modules.get(getattr(operation, "__module__", ""))
    if not isinstance(module, ModuleType) or not callable(getattr(module, "_get_kwargs", None)):
        raise TypeError(
            f"{operation!r} is not a generated operation: pass its module "
            "(e.g. malomo_client.api.customers.get_customer) or one of its functions"
        )
    return module


def operation_name(module: ModuleType) -> str:
    return module.__name__.rpartition(".")[2]


def build_request(module: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``httpx.Client.request`` for this operation; a wrong argument is a
    TypeError that names the operation and the argument (never the generated ``_get_kwargs``)."""
    try:
        return dict(module._get_kwargs(*args, **kwargs))
    except (TypeError, AttributeError) as exc:
        name = operation_name(module)
        signature = inspect.signature(module._get_kwargs)
        unknown = [key for key in kwargs if key not in signature.parameters]
        if unknown:
            takes = ", ".join(signature.parameters)
            message = f"{name}(): got an unexpected keyword argument {unknown[0]!r} (it takes {takes})"
            raise TypeError(message) from None
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as wrong:
            raise TypeError(f"{name}(): {wrong}") from None
        body = bound.arguments.get("body")
        wanted = signature.parameters["body"].annotation if "body" in signature.parameters else None
        if isinstance(wanted, type) and body is not None and not isinstance(body, wanted):
            raise TypeError(
                f"{name}(): body must be a {wanted.__name__}, got {type(body).__name__}"
            ) from None
        raise TypeError(f"{name}(): {exc}") from exc


def _request(module: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The client, and the keyword arguments of ``httpx.Client.request`` for this call."""
    options = dict(kwargs)
    client = options.pop("client", None)
    if client is None:
        raise TypeError(
            f"{operation_name(module)}(): client= is required (e.g. client=malomo.connect(api_key))"
        )
    return client, build_request(module, args, options)


def success_value(module: ModuleType, client: Any, response: httpx.Response) -> Any:
    """The parsed body of a 2xx answer; the typed error for any other answer."""
    if not response.is_success:
        raise error_from_response(response)
    try:
        parsed = module._parse_response(client=client, response=response)
    except UnexpectedStatus:
        raise unexpected_status(response) from None
    except PARSE_ERRORS as exc:
        raise invalid_response(response, exc) from exc
    if parsed is None and response.content and response.status_code != 204:
        raise unexpected_status(response)
    return with_request_id(parsed, response)


def with_full_url(base_url: httpx.URL, request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with its ``params`` and ``base_url`` folded into one URL string, built as httpx builds it.

    httpx parses the URL twice more to add ``params=`` and twice more to join a relative URL onto
    ``base_url``; with a long cursor that costs more than parsing a whole page of customers.
    """
    url = request["url"]
    params = request.pop("params", None)
    if params:
        url = f"{url}?{httpx.QueryParams(params)}"
    if base_url.is_absolute_url and not base_url.query and not base_url.fragment:
        url = f"{str(base_url).rstrip('/')}/{url.lstrip('/')}"
    request["url"] = url
    return request


def send(module: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, httpx.Response]:
    """Run the operation once: (parsed success value, raw answer), or raise the typed error."""
    client, request = _request(module, args, kwargs)
    httpx_client = client.get_httpx_client()
    if httpx_client.is_closed:
        raise client_closed(operation_name(module))
    try:
        response = httpx_client.request(**with_full_url(httpx_client.base_url, request))
    except httpx.TransportError as exc:
        raise error_from_transport_error(exc) from exc
    return success_value(module, client, response), response


async def asend(
    module: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, httpx.Response]:
    """Async twin of send()."""
    client, request = _request(module, args, kwargs)
    httpx_client = client.get_async_httpx_client()
    if httpx_client.is_closed:
        raise client_closed(operation_name(module))
    try:
        response = await httpx_client.request(**with_full_url(httpx_client.base_url, request))
    except httpx.TransportError as exc:
        raise error_from_transport_error(exc) from exc
    return success_value(module, client, response), response


class SyncOperation(Protocol[P, T]):
    """A generated operation module, as call() and paginate() type it (by its ``sync_detailed``)."""

    def sync_detailed(self, *args: P.args, **kwargs: P.kwargs) -> Response[T | Error]: ...


class AsyncOperation(Protocol[P, T]):
    """A generated operation module, as acall() and apaginate() type it (by its ``asyncio_detailed``)."""

    async def asyncio_detailed(self, *args: P.args, **kwargs: P.kwargs) -> Response[T | Error]: ...


def _check_flavour(operation: object, caller: str, want_async: bool) -> None:
    """Refuse an async operation function in call() and a sync one in acall(): each would run wrongly."""
    if isinstance(operation, ModuleType) or inspect.iscoroutinefunction(operation) == want_async:
        return
    name = f"{getattr(operation, '__module__', '?').rpartition('.')[2]}.{getattr(operation, '__name__', '?')}"
    if want_async:
        raise TypeError(f"{caller}() awaits an async operation; {name} is sync: use malomo.call() instead")
    raise TypeError(f"{caller}() runs a sync operation; {name} is async: use await malomo.acall() instead")


@overload
def call(operation: Callable[P, Response[T | Error]], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
@overload
def call(operation: SyncOperation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
def call(operation: object, /, *args: Any, **kwargs: Any) -> Any:
    """Run a generated operation; return its parsed success model (None for 204) or raise a MalomoError.

    ``operation`` is a generated module (``get_customer``) or its ``sync_detailed`` function (``sync``
    runs too, untyped); the other arguments are the operation's own, ``client=`` included::

        customer = malomo.call(get_customer, customer_id, client=client)
    """
    _check_flavour(operation, "call", want_async=False)
    value, _ = send(operation_module(operation), args, kwargs)
    return value


@overload
async def acall(
    operation: Callable[P, Awaitable[Response[T | Error]]], /, *args: P.args, **kwargs: P.kwargs
) -> T: ...
@overload
async def acall(operation: AsyncOperation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
async def acall(operation: object, /, *args: Any, **kwargs: Any) -> Any:
    """Async twin of call(): ``customer = await malomo.acall(get_customer, customer_id, client=client)``."""
    _check_flavour(operation, "acall", want_async=True)
    value, _ = await asend(operation_module(operation), args, kwargs)
    return value
