"""call() and acall(): run any generated operation, return its parsed success model or raise a typed error.

How: a response event hook on the client's httpx client sees every raw answer before the generated
``_parse_response`` does. Inside call()/acall() (a context variable says so) it raises the typed error
for a non-2xx answer, so an HTML 502 or a non-JSON 404 never reaches the generated ``response.json()``.
Outside call()/acall() the hook does nothing and the generated functions behave as generated.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ParamSpec, TypeVar, overload

import httpx

from malomo_client.models.error import Error
from malomo_client.types import Response

from ._errors import MalomoError, error_from_response, error_from_transport_error

__all__ = ["acall", "call"]

P = ParamSpec("P")
T = TypeVar("T")

_OPERATION_FUNCTIONS = {"sync", "sync_detailed", "asyncio", "asyncio_detailed"}
# What a generated model's from_dict raises on a body that does not fit the spec.
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


@dataclass
class _Capture:
    """The last raw answer of the operation running in this context."""

    response: httpx.Response | None = None


_capture: ContextVar[_Capture | None] = ContextVar("malomo_capture", default=None)


def raise_for_status_hook(response: httpx.Response) -> None:
    """Sync httpx response hook: inside call(), remember the answer and raise the typed error if non-2xx."""
    capture = _capture.get()
    if capture is None:
        return
    capture.response = response
    if not response.is_success:
        response.read()
        raise error_from_response(response)


async def araise_for_status_hook(response: httpx.Response) -> None:
    """Async twin of raise_for_status_hook, for httpx.AsyncClient."""
    capture = _capture.get()
    if capture is None:
        return
    capture.response = response
    if not response.is_success:
        await response.aread()
        raise error_from_response(response)


def install_hooks(httpx_client: httpx.Client | httpx.AsyncClient) -> None:
    """Add the status hook to a client (idempotent), so call() works with any generated client too."""
    hooks = httpx_client.event_hooks["response"]
    hook = araise_for_status_hook if isinstance(httpx_client, httpx.AsyncClient) else raise_for_status_hook
    if hook not in hooks:
        hooks.append(hook)


def resolve_operation(operation: object, *, asynchronous: bool) -> Callable[..., Any]:
    """The ``sync_detailed`` / ``asyncio_detailed`` function of a generated operation module or function."""
    wanted = "asyncio_detailed" if asynchronous else "sync_detailed"
    module: object = operation
    if not isinstance(operation, ModuleType):
        name = getattr(operation, "__name__", None)
        if callable(operation) and name in _OPERATION_FUNCTIONS:
            module = sys.modules.get(getattr(operation, "__module__", ""), None)
        elif callable(operation):
            return operation  # some other callable that returns a generated Response
    function: object = getattr(module, wanted, None)
    if not callable(function):
        raise TypeError(
            f"{operation!r} is not a generated operation: pass its module "
            f"(e.g. malomo_client.api.customers.get_customer) or its {wanted} function"
        )
    return function


def _client_of(kwargs: dict[str, Any]) -> Any:
    client = kwargs.get("client")
    if client is None:
        raise TypeError("client= is required (e.g. client=malomo.connect(api_key))")
    return client


def _contract_error(response: httpx.Response, exc: BaseException) -> MalomoError:
    """A 2xx answer whose body the generated model could not parse."""
    return MalomoError(
        f"the {response.status_code} answer does not match the spec ({type(exc).__name__})",
        status=response.status_code,
        code="invalid_response",
        request_id=response.headers.get("x-request-id"),
        headers=response.headers,
    )


def _success_value(result: Response[Any], raw: httpx.Response | None) -> Any:
    if result.parsed is None and raw is not None and raw.content and raw.status_code != 204:
        raise MalomoError(
            f"status {raw.status_code} is not a declared answer of this operation",
            status=raw.status_code,
            code="unexpected_status",
            request_id=raw.headers.get("x-request-id"),
            headers=raw.headers,
        )
    return result.parsed


@contextmanager
def _capturing() -> Iterator[_Capture]:
    """Switch the status hook on for one operation and turn what it raises into typed errors."""
    capture = _Capture()
    token = _capture.set(capture)
    try:
        yield capture
    except MalomoError:
        raise
    except httpx.TransportError as exc:
        raise error_from_transport_error(exc) from exc
    except _PARSE_ERRORS as exc:
        if capture.response is None:
            raise
        raise _contract_error(capture.response, exc) from exc
    finally:
        _capture.reset(token)


def call_detailed(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, httpx.Response | None]:
    """Run a sync_detailed function; return (parsed success value, raw answer) or raise the typed error."""
    install_hooks(_client_of(kwargs).get_httpx_client())
    with _capturing() as capture:
        result = function(*args, **kwargs)
    return _success_value(result, capture.response), capture.response


async def acall_detailed(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, httpx.Response | None]:
    """Async twin of call_detailed, for an asyncio_detailed function."""
    install_hooks(_client_of(kwargs).get_async_httpx_client())
    with _capturing() as capture:
        result = await function(*args, **kwargs)
    return _success_value(result, capture.response), capture.response


@overload
def call(operation: Callable[P, Response[T | Error]], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
@overload
def call(operation: ModuleType | Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...
def call(operation: Callable[..., Any] | ModuleType, /, *args: Any, **kwargs: Any) -> Any:
    """Run a generated operation; return its parsed success model (None for 204) or raise a MalomoError.

    ``operation`` is a generated module (``get_customer``) or one of its functions; the other
    arguments are the operation's own, ``client=`` included::

        customer = malomo.call(get_customer, customer_id, client=client)
    """
    value, _ = call_detailed(resolve_operation(operation, asynchronous=False), args, kwargs)
    return value


@overload
async def acall(
    operation: Callable[P, Awaitable[Response[T | Error]]], /, *args: P.args, **kwargs: P.kwargs
) -> T: ...
@overload
async def acall(operation: ModuleType | Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...
async def acall(operation: Callable[..., Any] | ModuleType, /, *args: Any, **kwargs: Any) -> Any:
    """Async twin of call(): ``customer = await malomo.acall(get_customer, customer_id, client=client)``."""
    value, _ = await acall_detailed(resolve_operation(operation, asynchronous=True), args, kwargs)
    return value
