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

from ._base_client import ClientDefaults, build_connection
from .resource_runtime import AsyncRequester, SyncRequester


class _Settings:
    """What Malomo and AsyncMalomo show of their settings: read back, and in the repr (never the key)."""

    _defaults: ClientDefaults
    _owns_pool: bool
    _requester: SyncRequester | AsyncRequester

    @property
    def base_url(self) -> str:
        """The URL the API's paths are joined to."""
        return str(self._defaults.base_url)

    @property
    def timeout(self) -> httpx.Timeout:
        """Each call's timeout unless it sets its own (``timeout=``)."""
        return self._defaults.timeout

    @property
    def max_retries(self) -> int:
        """Each call's retries unless it sets its own (``max_retries=``)."""
        return self._defaults.max_retries

    def __repr__(self) -> str:
        closed = " closed" if self._requester.closed else ""
        copy = "" if self._owns_pool else " (a with_options copy)"
        timeout = self.timeout
        shown = timeout.read if len(set(timeout.as_dict().values())) == 1 else timeout
        return (
            f"<{type(self).__name__}{closed} base_url={self.base_url!r} timeout={shown!r}"
            f" max_retries={self.max_retries}{copy}>"
        )


class Malomo(_Settings, MalomoResources):
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
        self._owns_pool = True
        self._requester = SyncRequester(self._client, self._defaults)
        super().__init__(self._requester)

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
        copy._owns_pool = False
        copy._requester = SyncRequester(copy._client, copy._defaults)
        MalomoResources.__init__(copy, copy._requester)
        return copy

    def close(self) -> None:
        """Close this client: its requests then raise ClientClosedError. The client that opened the
        connection pool closes it (its with_options copies can then send nothing either); a copy's close()
        closes only the copy and leaves the pool to its original."""
        self._requester.closed = True
        if self._owns_pool:
            self._client.get_httpx_client().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class AsyncMalomo(_Settings, AsyncMalomoResources):
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
        self._owns_pool = True
        self._requester = AsyncRequester(self._client, self._defaults)
        super().__init__(self._requester)

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
        copy._owns_pool = False
        copy._requester = AsyncRequester(copy._client, copy._defaults)
        AsyncMalomoResources.__init__(copy, copy._requester)
        return copy

    async def close(self) -> None:
        """Close this client, as Malomo.close() does: the pool only if this client opened it (not a copy)."""
        self._requester.closed = True
        if self._owns_pool:
            await self._client.get_async_httpx_client().aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
