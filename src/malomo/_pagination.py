"""paginate() and apaginate(): lazy iteration over every item of a cursor-paginated list operation.

Follows the ``Link: <...?next=CURSOR>; rel="next"`` header until a page has none. One page is held
at a time; to detect a looping server, a set of 16-byte digests of the cursors seen so far is kept
(about 100 bytes a page: 4,000 pages of 25 take some 400 kB).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import ModuleType
from typing import Any, TypeVar, overload
from urllib.parse import parse_qs, urlsplit

import httpx

from malomo_client.models.error import Error
from malomo_client.types import Response

from ._errors import invalid_link, pagination_loop
from ._operation_calls import asend, operation_module, send

T = TypeVar("T")


def _cursor_parameter(module: ModuleType) -> str:
    """The keyword the generated operation takes the ``next`` query parameter as (``next_``)."""
    parameters = inspect.signature(module._get_kwargs).parameters
    for name in ("next_", "next"):
        if name in parameters:
            return name
    raise TypeError(f"{module.__name__} has no `next` parameter: it is not a paginated list")


def next_cursor(response: httpx.Response) -> str | None:
    """The ``next`` query parameter of the answer's ``Link rel="next"`` target; None on the last page."""
    target = response.links.get("next", {}).get("url")
    if target is None:
        return None
    # The stdlib parses one query string about ten times faster than building an httpx.URL.
    try:
        cursor = next(iter(parse_qs(urlsplit(target).query).get("next", ())), None)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        cursor = None
    if not cursor:  # following such a link would restart or truncate the walk without a word
        raise invalid_link(response, target)
    return cursor


class _Walk:
    """One walk over the pages: the operation, its arguments with the current cursor, the cursors seen."""

    def __init__(self, operation: object, params: dict[str, Any]) -> None:
        self.module = operation_module(operation)
        self._cursor_name = _cursor_parameter(self.module)
        if params.get("prev") is not None:
            raise TypeError("paginate() walks forward with `next`; it takes no `prev` cursor")
        if self._cursor_name != "next" and "next" in params:  # accept the spec's name too
            params[self._cursor_name] = params.pop("next")
        self.params = params
        self._seen: set[bytes] = set()

    def advance(self, response: httpx.Response) -> bool:
        """Take the next page's cursor from ``response``; False after the last page."""
        cursor = next_cursor(response)
        if cursor is None:
            return False
        digest = hashlib.blake2b(cursor.encode(), digest_size=16).digest()
        if digest in self._seen:
            raise pagination_loop(response, self.module.__name__, len(self._seen))
        self._seen.add(digest)
        self.params[self._cursor_name] = cursor
        return True


@overload
def paginate(
    operation: Callable[..., Response[list[T] | Error]], /, *, client: Any, **params: Any
) -> Iterator[T]: ...
@overload
def paginate(operation: ModuleType, /, *, client: Any, **params: Any) -> Iterator[Any]: ...
def paginate(
    operation: Callable[..., Response[Any]] | ModuleType, /, *, client: Any, **params: Any
) -> Iterator[Any]:
    """Yield every item of every page of a list operation, fetching each page when it is needed.

    ``operation`` is a generated list module (``list_customers``) or its ``sync_detailed``;
    ``params`` are the operation's other arguments (``customer_id=...``), and ``next_=`` may give
    a starting cursor. A non-2xx page raises its typed MalomoError; a repeated cursor raises
    PaginationLoopError.
    """
    walk = _Walk(operation, params)
    while True:
        items, response = send(walk.module, (), {**walk.params, "client": client})
        yield from items or ()
        del items
        if not walk.advance(response):
            return


@overload
def apaginate(
    operation: Callable[..., Awaitable[Response[list[T] | Error]]], /, *, client: Any, **params: Any
) -> AsyncIterator[T]: ...
@overload
def apaginate(operation: ModuleType, /, *, client: Any, **params: Any) -> AsyncIterator[Any]: ...
async def apaginate(
    operation: Callable[..., Awaitable[Response[Any]]] | ModuleType, /, *, client: Any, **params: Any
) -> AsyncIterator[Any]:
    """Async twin of paginate(): ``async for customer in malomo.apaginate(list_customers, client=c)``."""
    walk = _Walk(operation, params)
    while True:
        items, response = await asend(walk.module, (), {**walk.params, "client": client})
        for item in items or ():
            yield item
        del items
        if not walk.advance(response):
            return
