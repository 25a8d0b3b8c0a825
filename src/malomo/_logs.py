"""Request logging: ``MALOMO_LOG=info`` prints one line per request (method, path, status, request id,
elapsed, retries) to stderr, ``MALOMO_LOG=debug`` the headers too, the key and cookies filtered. Never a body,
a query string (a filter may hold an email) or a personal field. The lines go to the ``malomo`` logger, which
an application may configure itself instead."""

from __future__ import annotations

import logging
import os
import time

import httpx

from malomo_client.api_headers import REQUEST_ID_HEADER

from ._retry_transport import RETRIES_MADE_EXTENSION

logger = logging.getLogger("malomo")

LOG_VARIABLE = "MALOMO_LOG"
LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


class _MalomoLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler MALOMO_LOG installs (once), told apart from an application's own."""


def setup_from_environment() -> None:
    """Apply ``$MALOMO_LOG`` (info or debug) to the ``malomo`` logger: read whenever a client is built."""
    wanted = os.environ.get(LOG_VARIABLE, "").strip().lower()
    if not wanted:
        return
    level = LEVELS.get(wanted)
    if level is None:
        logger.warning("%s=%r is not one of %s: ignored", LOG_VARIABLE, wanted, ", ".join(LEVELS))
        return
    if not any(isinstance(handler, _MalomoLogHandler) for handler in logger.handlers):
        handler = _MalomoLogHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)


def filtered_headers(headers: httpx.Headers) -> dict[str, str]:
    """``headers`` as a dict, the credentials and cookies replaced with ``[filtered]``."""
    return {
        name: "[filtered]" if name.lower() in SECRET_HEADERS else value for name, value in headers.items()
    }


def log_exchange(
    request: httpx.Request, response: httpx.Response | None, error: Exception | None, started: float
) -> None:
    """The request's line (and, at debug, its headers): the answer's status and request id, or the failure."""
    elapsed = (time.perf_counter() - started) * 1000
    retries = request.extensions.get(RETRIES_MADE_EXTENSION, 0)
    path = request.url.path
    if response is not None:
        request_id = response.headers.get(REQUEST_ID_HEADER)
        logger.info(
            "%s %s -> %d request_id=%s elapsed=%.1fms retries=%d",
            request.method, path, response.status_code, request_id, elapsed, retries,
        )  # fmt: skip
    else:
        logger.info(
            "%s %s failed: %s elapsed=%.1fms retries=%d",
            request.method, path, type(error).__name__, elapsed, retries,
        )  # fmt: skip
    if logger.isEnabledFor(logging.DEBUG):
        method = request.method
        logger.debug("%s %s request headers: %s", method, path, filtered_headers(request.headers))
        if response is not None:
            logger.debug("%s %s response headers: %s", method, path, filtered_headers(response.headers))


class LoggingTransport(httpx.BaseTransport):
    """The outermost transport of a client: times each request, retries included, and logs it at info."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not logger.isEnabledFor(logging.INFO):
            return self._transport.handle_request(request)
        started = time.perf_counter()
        try:
            response = self._transport.handle_request(request)
        except Exception as exc:
            log_exchange(request, None, exc, started)
            raise
        log_exchange(request, response, None, started)
        return response

    def close(self) -> None:
        self._transport.close()


class AsyncLoggingTransport(httpx.AsyncBaseTransport):
    """The async twin of LoggingTransport."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not logger.isEnabledFor(logging.INFO):
            return await self._transport.handle_async_request(request)
        started = time.perf_counter()
        try:
            response = await self._transport.handle_async_request(request)
        except Exception as exc:
            log_exchange(request, None, exc, started)
            raise
        log_exchange(request, response, None, started)
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()
