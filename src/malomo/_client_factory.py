"""connect(): a generated AuthenticatedClient set up for production use (key, headers, timeout, retries)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx
from attrs import define, field

from malomo_client import AuthenticatedClient

# The spec's media type and version (its info), rendered into the generated package by tools/codegen.
from malomo_client.api_headers import ACCEPT as ACCEPT

from ._logs import AsyncLoggingTransport, LoggingTransport, setup_from_environment
from ._recording import AsyncRecordingTransport, HarRecorder, RecordingTransport
from ._retry_transport import AsyncRetryTransport, RetryPolicy, RetryTransport
from ._version import USER_AGENT

DEFAULT_BASE_URL = "https://api.gomalomo.com"
BASE_URL_VARIABLE = "MALOMO_BASE_URL"


def _check_api_key(api_key: object) -> str:
    # Messages here describe the key, never quote it.
    if not isinstance(api_key, str):
        raise ValueError(f"api_key must be a string, got {type(api_key).__name__}")
    if not api_key.strip():
        raise ValueError("api_key must not be empty")
    if any(char.isspace() or not char.isprintable() for char in api_key):
        raise ValueError("api_key must not contain whitespace or control characters")
    return api_key


def _check_base_url(base_url: object, api_key: str) -> str:
    shown = str(base_url).replace(api_key, "[redacted]")
    if not isinstance(base_url, str):
        raise ValueError(f"base_url must be a string, got {type(base_url).__name__}")
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        raise ValueError(f"base_url is not a valid URL: {shown!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an http:// or https:// URL with a host, got {shown!r}")
    if url.query or url.fragment:
        raise ValueError(f"base_url must not have a query or fragment, got {shown!r}")
    return base_url.rstrip("/")


def _check_timeout(timeout: object) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0 or an httpx.Timeout, got {timeout!r}")
    return httpx.Timeout(float(timeout))


@define
class MalomoClient(AuthenticatedClient):
    """The generated AuthenticatedClient whose httpx clients always go through the retry transports.

    The generated ``with_headers()``, ``with_timeout()`` and ``with_cookies()`` copy it with attrs'
    ``evolve`` and build their httpx clients anew, so a copy retries (and records) like the original.
    A ``recorder`` sits inside the retries, right over the innermost transport: it records each
    attempt as it went over the wire (a 503 that was retried too), which is what a check of the server needs.
    """

    retry_policy: RetryPolicy = field(factory=RetryPolicy, kw_only=True)
    # The innermost transports; None: a fresh httpx one for each httpx client this builds.
    transport: httpx.BaseTransport | None = field(default=None, kw_only=True, repr=False)
    async_transport: httpx.AsyncBaseTransport | None = field(default=None, kw_only=True, repr=False)
    recorder: HarRecorder | None = field(default=None, kw_only=True, repr=False)

    def _settings(self) -> dict[str, Any]:
        headers = {**self._headers, self.auth_header_name: f"{self.prefix} {self.token}"}
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            "headers": headers,
            "timeout": self._timeout,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
        }

    def get_httpx_client(self) -> httpx.Client:
        if self._client is None:
            transport = self.transport
            if transport is None:
                transport = httpx.HTTPTransport(verify=self._verify_ssl)
            if self.recorder is not None:
                transport = RecordingTransport(transport, recorder=self.recorder)
            if self.retry_policy.max_retries:
                transport = RetryTransport(transport, policy=self.retry_policy)
            self._client = httpx.Client(transport=LoggingTransport(transport), **self._settings())
        return self._client

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        if self._async_client is None:
            transport = self.async_transport
            if transport is None:
                transport = httpx.AsyncHTTPTransport(verify=self._verify_ssl)
            if self.recorder is not None:
                transport = AsyncRecordingTransport(transport, recorder=self.recorder)
            if self.retry_policy.max_retries:
                transport = AsyncRetryTransport(transport, policy=self.retry_policy)
            logged = AsyncLoggingTransport(transport)
            self._async_client = httpx.AsyncClient(transport=logged, **self._settings())
        return self._async_client


def connect(
    api_key: str,
    *,
    base_url: str | None = None,
    timeout: float | httpx.Timeout = 30.0,
    max_retries: int = 3,
    backoff: float = 0.5,
    max_backoff: float = 8.0,
    max_retry_after: float = 60.0,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    async_transport: httpx.AsyncBaseTransport | None = None,
    record_to: str | os.PathLike[str] | None = None,
    record_personal_data: bool = False,
) -> MalomoClient:
    """A ``MalomoClient`` (a generated ``AuthenticatedClient``) for the Malomo API, sync and async.

    ``base_url`` defaults to ``$MALOMO_BASE_URL``, then to the spec's server (as ``malomo.Malomo``).
    It sends ``Authorization: Bearer <api_key>``, the API version ``Accept`` header and a
    ``malomo-openapi/<version>`` User-Agent, gives up on a request after ``timeout`` seconds (per
    attempt; an ``httpx.Timeout`` sets each phase) and retries as RetryPolicy describes
    (``max_retries=0`` turns retries off). ``headers`` are sent too. ``transport`` /
    ``async_transport`` replace the innermost httpx transports (the retries wrap them), e.g. for a
    proxy or custom TLS: with transports of its own, httpx reads no ``HTTP(S)_PROXY`` variable.
    Copies made by ``with_headers()``, ``with_timeout()`` and ``with_cookies()`` keep the retries.
    ``record_to=PATH`` writes every exchange (each attempt) of the sync and async clients to a HAR 1.2
    file, the key always redacted and customers' emails, names and phone numbers replaced with
    placeholders unless ``record_personal_data=True``; clients of one process recording to the same
    path share the file (it is emptied when the first of them opens it).
    Close it with ``with client:`` / ``async with client:``.
    """
    api_key = _check_api_key(api_key)
    setup_from_environment()
    if base_url is None:
        base_url = os.environ.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL
    policy = RetryPolicy(
        max_retries=max_retries, backoff=backoff, max_backoff=max_backoff, max_retry_after=max_retry_after
    )
    recorder = None
    if record_to is not None:
        recorder = HarRecorder.for_path(record_to, keep_personal_data=record_personal_data)
        recorder.add_secret(api_key)
    extra = {name: value for name, value in (headers or {}).items() if name.lower() != "authorization"}
    return MalomoClient(
        base_url=_check_base_url(base_url, api_key),
        token=api_key,
        timeout=_check_timeout(timeout),
        headers={"Accept": ACCEPT, "User-Agent": USER_AGENT, **extra},
        retry_policy=policy,
        transport=transport,
        async_transport=async_transport,
        recorder=recorder,
    )
