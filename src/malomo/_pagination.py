"""Cursor pagination: paginate()/apaginate() iterate every item of a list operation; SyncPage/AsyncPage
are the page objects of the resource layer (``client.customers.list()``), AsyncPaginator what the async
``list()`` returns (awaited: the first page; ``async for``: every item).

Follows the ``Link: <...?next=CURSOR>; rel="next"`` header until a page has none. One page is held
at a time; to detect a looping server, a set of 16-byte digests of the cursors seen so far is kept
(about 100 bytes a page: 4,000 pages of 25 take some 400 kB).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from types import ModuleType
from typing import Any, Generic, ParamSpec, TypeVar, overload
from urllib.parse import parse_qs, urlsplit

import httpx

from malomo_client import resource_operations
from malomo_client.api_headers import REQUEST_ID_HEADER
from malomo_client.models.error import Error
from malomo_client.resource_operations import OperationDescriptor
from malomo_client.types import Response

from ._errors import invalid_link, pagination_loop
from ._operation_calls import AsyncOperation, SyncOperation, asend, operation_module, operation_name, send

T = TypeVar("T")
P = ParamSpec("P")


def _cursor_parameter(module: ModuleType) -> str:
    """The keyword the generated operation takes the ``next`` query parameter as (``next_``)."""
    parameters = inspect.signature(module._get_kwargs).parameters
    for name in ("next_", "next"):
        if name in parameters:
            return name
    raise TypeError(f"{module.__name__} has no `next` parameter: it is not a paginated list")


def next_cursor(
    response: httpx.Response, rel: str = "next", links: Mapping[str | None, Mapping[str, str]] | None = None
) -> str | None:
    """The ``next`` (or ``prev``) query parameter of the answer's ``Link rel="next"`` (``"prev"``) target;
    None when there is no such link (the last or first page). ``links``: ``response.links``, when already
    parsed (httpx parses the header on every access)."""
    target = (response.links if links is None else links).get(rel, {}).get("url")
    if target is None:
        return None
    # The stdlib parses one query string about ten times faster than building an httpx.URL.
    try:
        cursor = next(iter(parse_qs(urlsplit(target).query).get(rel, ())), None)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        cursor = None
    if not cursor:  # following such a link would restart or truncate the walk without a word
        raise invalid_link(response, target, rel)
    return cursor


class LoopDetector:
    """The cursors a walk has seen (16-byte digests), to stop a server that hands one out twice: the one loop
    check of both walkers (the pages' ``iter_pages()`` and ``paginate()``)."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def check(self, response: httpx.Response, cursor: str, where: str) -> None:
        """Remember ``cursor``; PaginationLoopError (naming ``where``) when this walk saw it before."""
        digest = hashlib.blake2b(cursor.encode(), digest_size=16).digest()
        if digest in self._seen:
            raise pagination_loop(response, where, len(self._seen))
        self._seen.add(digest)


class SyncPage(Generic[T]):
    """One page of a list: ``.items``, ``.next_cursor`` / ``.prev_cursor`` (None on the last / first page;
    a cursor passed back as ``list(next=...)`` resumes there; ``next=None`` is refused, not read as the first
    page); ``malomo.request_id_of(page)``: the request id of its answer. Iterating it yields every item from
    this page to the last, fetching pages lazily and holding one at a time; ``.iter_pages()`` yields the
    pages; ``.response`` is the page's httpx answer."""

    def __init__(self, items: list[T], response: httpx.Response, fetch: Callable[[str], SyncPage[T]]) -> None:
        self.items = items
        self.response = response
        self._request_id: str | None = response.headers.get(REQUEST_ID_HEADER)
        links = response.links
        self.next_cursor = next_cursor(response, "next", links)
        self.prev_cursor = next_cursor(response, "prev", links)
        self._fetch = fetch

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self.items)} items, next_cursor={self.next_cursor!r}>"

    def has_next_page(self) -> bool:
        return self.next_cursor is not None

    def next_page(self) -> SyncPage[T] | None:
        """The following page, fetched now; None on the last page."""
        return None if self.next_cursor is None else self._fetch(self.next_cursor)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        page: SyncPage[T] | None = self
        loop = LoopDetector()
        while page is not None:
            yield page
            if page.next_cursor is not None:
                loop.check(page.response, page.next_cursor, str(page.response.request.url.path))
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items


class AsyncPage(Generic[T]):
    """The async twin of SyncPage: ``async for item in page``, ``async for page in page.iter_pages()``,
    ``await page.next_page()``."""

    def __init__(
        self, items: list[T], response: httpx.Response, fetch: Callable[[str], Awaitable[AsyncPage[T]]]
    ) -> None:
        self.items = items
        self.response = response
        self._request_id: str | None = response.headers.get(REQUEST_ID_HEADER)
        links = response.links
        self.next_cursor = next_cursor(response, "next", links)
        self.prev_cursor = next_cursor(response, "prev", links)
        self._fetch = fetch

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self.items)} items, next_cursor={self.next_cursor!r}>"

    def has_next_page(self) -> bool:
        return self.next_cursor is not None

    async def next_page(self) -> AsyncPage[T] | None:
        """The following page, fetched now; None on the last page."""
        return None if self.next_cursor is None else await self._fetch(self.next_cursor)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page: AsyncPage[T] | None = self
        loop = LoopDetector()
        while page is not None:
            yield page
            if page.next_cursor is not None:
                loop.check(page.response, page.next_cursor, str(page.response.request.url.path))
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item


class AsyncPaginator(Generic[T]):
    """What an async ``list()`` returns, before any request: ``await`` it for the first page (an
    AsyncPage), or ``async for item in client.customers.list()`` to walk every item of every page,
    fetched lazily, one page at a time. Each await or walk sends its own requests."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first_page = first_page

    def __repr__(self) -> str:
        return f"<{type(self).__name__} (await it for the first page, or async for over every item)>"

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for item in await self._first_page():
            yield item


def _keywords(operation: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a list operation by name (a path parameter may be passed by position)."""
    if not args:
        return dict(kwargs)
    module = operation_module(operation)
    names = [
        n
        for n, p in inspect.signature(module._get_kwargs).parameters.items()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    if len(args) > len(names):
        raise TypeError(
            f"{operation_name(module)}(): takes {len(names)} positional arguments, got {len(args)}"
        )
    return {**dict(zip(names, args, strict=False)), **kwargs}


def _spec_cursors(module: ModuleType) -> tuple[str, ...]:
    """The spec's cursor parameters of a generated list operation, forward first (``("next", "prev")``),
    from its resource descriptor; empty when it has none."""
    descriptor = getattr(resource_operations, operation_name(module).upper(), None)
    return descriptor.cursors if isinstance(descriptor, OperationDescriptor) else ()


class _Walk:
    """One walk over the pages: the operation, its arguments with the current cursor, the cursors seen."""

    def __init__(self, operation: object, params: dict[str, Any]) -> None:
        self.module = operation_module(operation)
        self._cursor_name = _cursor_parameter(self.module)
        forward, *backward = _spec_cursors(self.module) or (self._cursor_name,)
        if any(params.get(name) is not None for name in backward):
            raise TypeError(f"paginate() walks forward with `{forward}`; it takes no `{backward[0]}` cursor")
        if self._cursor_name != forward and forward in params:  # accept the spec's name too
            params[self._cursor_name] = params.pop(forward)
        self.params = params
        self._loop = LoopDetector()

    def advance(self, response: httpx.Response) -> bool:
        """Take the next page's cursor from ``response``; False after the last page."""
        cursor = next_cursor(response)
        if cursor is None:
            return False
        self._loop.check(response, cursor, self.module.__name__)
        self.params[self._cursor_name] = cursor
        return True


@overload
def paginate(
    operation: Callable[P, Response[list[T] | Error]], /, *args: P.args, **kwargs: P.kwargs
) -> Iterator[T]: ...
@overload
def paginate(operation: SyncOperation[P, list[T]], /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]: ...
def paginate(operation: object, /, *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Yield every item of every page of a list operation, fetching each page when it is needed.

    ``operation`` is a generated list module (``list_customers``) or its ``sync_detailed``; the other
    arguments are the operation's own, ``client=`` included (``customer_id=...``), and ``next_=`` may
    give a starting cursor. A non-2xx page raises its typed MalomoError; a repeated cursor raises
    PaginationLoopError.
    """
    walk = _Walk(operation, _keywords(operation, args, kwargs))
    client = walk.params.pop("client", None)
    while True:
        items, response = send(walk.module, (), {**walk.params, "client": client})
        yield from items or ()
        del items
        if not walk.advance(response):
            return


@overload
def apaginate(
    operation: Callable[P, Awaitable[Response[list[T] | Error]]], /, *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[T]: ...
@overload
def apaginate(
    operation: AsyncOperation[P, list[T]], /, *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[T]: ...
async def apaginate(operation: object, /, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
    """Async twin of paginate(): ``async for customer in malomo.apaginate(list_customers, client=c)``."""
    walk = _Walk(operation, _keywords(operation, args, kwargs))
    client = walk.params.pop("client", None)
    while True:
        items, response = await asend(walk.module, (), {**walk.params, "client": client})
        for item in items or ():
            yield item
        del items
        if not walk.advance(response):
            return
