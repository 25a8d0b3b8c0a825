"""Malomo and AsyncMalomo: the resource-style clients users construct (``client.customers.create(...)``),
thin over the base client (malomo._base_client) and the generated resources (run by malomo.resource_runtime).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from malomo_client.resources import AsyncMalomoResources, MalomoResources

from ._base_client import build_connection
from .resource_runtime import AsyncRequester, SyncRequester


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
        self._client, self._defaults = build_connection(api_key, base_url, timeout, max_retries, *options)
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
        copy._defaults = self._defaults.copy(api_key, base_url, timeout, max_retries, default_headers, secret)
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
        self._client, self._defaults = build_connection(api_key, base_url, timeout, max_retries, *options)
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
        copy._defaults = self._defaults.copy(api_key, base_url, timeout, max_retries, default_headers, secret)
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
