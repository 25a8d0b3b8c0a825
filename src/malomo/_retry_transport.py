"""Retries as httpx transports: RetryTransport (sync) and AsyncRetryTransport wrap another transport.

What is retried: connection failures, 429, 502, 503 and 504; exponential backoff with full jitter,
capped; a ``Retry-After`` answer (delta-seconds or HTTP-date) is honoured when it is at most
``max_retry_after`` seconds, and a longer one is not waited for: the answer goes back to the caller.
Once a request may have reached the server, only idempotent methods (GET, PUT, DELETE, HEAD,
OPTIONS) with a replayable body are sent again; a POST is retried only after a connect error.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import httpx

logger = logging.getLogger("malomo")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})

# The request never left this machine: safe to send again whatever the method.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)
# The request may have reached the server: safe to send again only if it is idempotent.
_MAYBE_SENT_ERRORS = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value (delta-seconds or HTTP-date), else None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an obsolete date format without zone: HTTP dates are GMT
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry and how long to wait; shared by the sync and async transports.

    ``max_retries`` extra attempts at most (0 turns retries off). The n-th retry waits a random
    time in ``[0, min(max_backoff, backoff * 2 ** (n - 1))]`` unless the answer carries a
    ``Retry-After`` of at most ``max_retry_after`` seconds, which is waited for as given.
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {retries!r}")
        for name in ("backoff", "max_backoff", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")

    def backoff_delay(self, retry_number: int, uniform: Callable[[], float]) -> float:
        """Full-jitter exponential backoff for the ``retry_number``-th retry (1-based)."""
        ceiling: float = min(self.max_backoff, self.backoff * 2 ** (retry_number - 1))
        return uniform() * ceiling

    def delay_after_error(
        self, request: httpx.Request, exc: httpx.TransportError, retries: int, uniform: Callable[[], float]
    ) -> float | None:
        """Seconds to wait before retrying after a transport error, or None to give up."""
        if retries >= self.max_retries:
            return None
        if isinstance(exc, _NOT_SENT_ERRORS):
            return self.backoff_delay(retries + 1, uniform)
        if isinstance(exc, _MAYBE_SENT_ERRORS) and _may_resend(request):
            return self.backoff_delay(retries + 1, uniform)
        return None

    def delay_after_response(
        self, request: httpx.Request, response: httpx.Response, retries: int, uniform: Callable[[], float]
    ) -> float | None:
        """Seconds to wait before retrying after this answer, or None to hand the answer back."""
        if response.status_code not in RETRY_STATUSES or retries >= self.max_retries:
            return None
        if not _may_resend(request):
            return None
        advised = parse_retry_after(response.headers.get("retry-after"))
        if advised is not None:
            return advised if advised <= self.max_retry_after else None
        return self.backoff_delay(retries + 1, uniform)


# A request extension that sets max_retries for one request (Malomo's per-request `max_retries=`).
MAX_RETRIES_EXTENSION = "malomo.max_retries"
# Set on the request at each retry, for the request's log line (malomo._logs).
RETRIES_MADE_EXTENSION = "malomo.retries_made"


def policy_for(request: httpx.Request, policy: RetryPolicy) -> RetryPolicy:
    """``policy``, with the request's own ``max_retries`` when it carries the extension."""
    wanted = request.extensions.get(MAX_RETRIES_EXTENSION)
    if wanted is None or wanted == policy.max_retries:
        return policy
    return replace(policy, max_retries=wanted)


def _may_resend(request: httpx.Request) -> bool:
    """An idempotent method whose body is held in memory (a streamed body cannot be sent twice)."""
    return request.method in IDEMPOTENT_METHODS and isinstance(request.stream, httpx.ByteStream)


def _log_retry(request: httpx.Request, reason: str, delay: float, retry: int, policy: RetryPolicy) -> None:
    # The URL without query or userinfo; headers (which hold the key) are never logged.
    url = request.url.copy_with(query=None, userinfo=b"")
    message = "Retrying %s %s in %.2fs after %s (retry %d of %d)"
    logger.info(message, request.method, url, delay, reason, retry, policy.max_retries)


class RetryTransport(httpx.BaseTransport):
    """A sync transport that retries another one (``httpx.HTTPTransport()`` by default).

    ``sleep`` and ``uniform`` (a random number in [0, 1)) are injectable for tests.
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], object] = time.sleep,
        uniform: Callable[[], float] = random.random,
    ) -> None:
        self._transport = transport if transport is not None else httpx.HTTPTransport()
        self.policy = policy if policy is not None else RetryPolicy()
        self._sleep = sleep
        self._uniform = uniform

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        retries = 0
        policy = policy_for(request, self.policy)
        while True:
            try:
                response = self._transport.handle_request(request)
            except httpx.TransportError as exc:
                delay = policy.delay_after_error(request, exc, retries, self._uniform)
                if delay is None:
                    raise
                reason = type(exc).__name__
            else:
                delay = policy.delay_after_response(request, response, retries, self._uniform)
                if delay is None:
                    return response
                reason = f"HTTP {response.status_code}"
                _discard(response)
            retries += 1
            request.extensions[RETRIES_MADE_EXTENSION] = retries
            _log_retry(request, reason, delay, retries, policy)
            self._sleep(delay)

    def close(self) -> None:
        self._transport.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The async twin of RetryTransport, wrapping ``httpx.AsyncHTTPTransport()`` by default."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        uniform: Callable[[], float] = random.random,
    ) -> None:
        self._transport = transport if transport is not None else httpx.AsyncHTTPTransport()
        self.policy = policy if policy is not None else RetryPolicy()
        self._sleep = sleep
        self._uniform = uniform

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        retries = 0
        policy = policy_for(request, self.policy)
        while True:
            try:
                response = await self._transport.handle_async_request(request)
            except httpx.TransportError as exc:
                delay = policy.delay_after_error(request, exc, retries, self._uniform)
                if delay is None:
                    raise
                reason = type(exc).__name__
            else:
                delay = policy.delay_after_response(request, response, retries, self._uniform)
                if delay is None:
                    return response
                reason = f"HTTP {response.status_code}"
                await _adiscard(response)
            retries += 1
            request.extensions[RETRIES_MADE_EXTENSION] = retries
            _log_retry(request, reason, delay, retries, policy)
            await self._sleep(delay)

    async def aclose(self) -> None:
        await self._transport.aclose()


def _discard(response: httpx.Response) -> None:
    """Read and close an answer that will be retried, so that its connection goes back to the pool."""
    with contextlib.closing(response), contextlib.suppress(httpx.HTTPError):
        response.read()


async def _adiscard(response: httpx.Response) -> None:
    async with contextlib.aclosing(response):
        with contextlib.suppress(httpx.HTTPError):
            await response.aread()
