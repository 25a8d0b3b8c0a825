"""The malomo exception hierarchy, and every function that builds one of its errors.

One shallow tree, every class documented here::

    MalomoError                  any failure of an API call; status, code, message, request_id
    ├── APIConnectionError       the request got no HTTP answer (DNS, refused, reset, ...); status None
    │   └── APITimeoutError      ... because a connect/read/write/pool timeout fired
    ├── BadRequestError          400, 413, 415, 422: the request was refused as written
    ├── AuthenticationError      401: missing, unknown or publishable (pk_) key
    ├── NotFoundError            404: no such resource (also a malformed id)
    ├── BaseURLError             404 from no operation of the API, or without its Error body: a wrong base URL
    ├── NotAcceptableError       406: the server does not speak the API version the client asks for
    ├── RateLimitError           429 (after retries ran out); retry_after = the server's advice
    ├── ServerError              any 5xx, whatever its body (an HTML 502 from a proxy too)
    ├── PaginationLoopError      a list endpoint handed back a cursor it had already handed out
    └── ClientClosedError        a request on a client after its close() (or its pool's); status None

Any other non-2xx status, and a 2xx answer whose body does not fit the spec, raise
``MalomoError`` itself. No message ever holds the API key: the key sent with the request is
scrubbed from anything taken from the response.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from malomo_client.api_headers import REQUEST_ID_HEADER
from malomo_client.models.error import Error

from ._api_paths import is_api_path
from ._retry_transport import parse_retry_after

_MAX_MESSAGE_CHARS = 300
_WHITESPACE = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")


class MalomoError(Exception):
    """Base class of every error raised by the malomo client runtime.

    Attributes:
        status: the HTTP status of the answer, or None when there was no answer.
        code: the machine-readable code from the error body (``not_found``), or a code
            chosen by the client (``http_502``, ``connection_error``) when the body had none.
        message: a one-line human-readable explanation.
        request_id: the server's request id (body ``request_id`` or ``X-Request-Id`` header),
            or None when the server sent none.
        headers: the response headers (never the request's, which hold the key).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = _one_line(message)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.headers: Mapping[str, str] = headers if headers is not None else httpx.Headers()
        super().__init__(self.message)

    def __str__(self) -> str:
        head = " ".join(part for part in (str(self.status) if self.status else None, self.code) if part)
        text = f"{head}: {self.message}" if head else self.message
        return f"{text} (request_id={self.request_id})" if self.request_id else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class APIConnectionError(MalomoError):
    """The request got no HTTP answer: DNS failure, connection refused or reset, protocol error."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout fired (see ``connect(timeout=...)``)."""


class BadRequestError(MalomoError):
    """400, 413, 415 or 422: the request was malformed, too large or of the wrong media type."""


class AuthenticationError(MalomoError):
    """401: the API key is missing, unknown, or a publishable (pk_) key."""


class NotFoundError(MalomoError):
    """404: no resource has this id (a malformed id is answered the same way)."""


class BaseURLError(MalomoError):
    """404 for a path that is no operation of the API (a base URL with a path too many, such as ``/v2``), or a
    404 whose body is not the API's Error (another server): the base URL looks wrong. Not a NotFoundError, so
    that an ``except NotFoundError`` meant for a missing record does not hide it. ``url``: the URL asked."""

    def __init__(self, message: str, *, url: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.url = url


class ClientClosedError(MalomoError):
    """A request on a client that was closed (``close()``, or the end of its ``with`` block), or on a copy
    whose original closed the connection pool they share."""


class NotAcceptableError(MalomoError):
    """406: the server does not serve the API version this client asks for (``Accept: ...; version=2``)."""


class RateLimitError(MalomoError):
    """429 after the retries ran out. ``retry_after`` is the server's advice in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(MalomoError):
    """Any 5xx answer after the retries ran out, whatever its body."""


class PaginationLoopError(MalomoError):
    """A list endpoint returned a ``next`` cursor it had already returned: it would loop forever."""


_STATUS_CLASSES: dict[int, type[MalomoError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    406: NotAcceptableError,
    413: BadRequestError,
    415: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}


def _one_line(text: str) -> str:
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[: _MAX_MESSAGE_CHARS - 3] + "..."
    return text


def _sent_secret(response: httpx.Response) -> str | None:
    """The credential the request carried, so that it can be scrubbed from texts the server echoes."""
    try:
        authorization = response.request.headers.get("authorization")
    except RuntimeError:  # a response built by hand, without a request
        return None
    if not authorization:
        return None
    scheme, _, credential = str(authorization).partition(" ")
    return credential or scheme


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "[redacted]") if secret else text


def _about(
    response: httpx.Response, code: str, message: str, cls: type[MalomoError] = MalomoError
) -> MalomoError:
    """An error about an answer that is not an error answer: its status, request id and headers."""
    request_id = response.headers.get(REQUEST_ID_HEADER) or None
    return cls(
        message, status=response.status_code, code=code, request_id=request_id, headers=response.headers
    )


def invalid_response(response: httpx.Response, exc: BaseException) -> MalomoError:
    """A 2xx answer whose body the generated model could not parse; the message says what did not fit."""
    if isinstance(exc, KeyError):
        detail = f"field {exc.args[0]!r} is missing" if exc.args else "a field is missing"
    else:
        detail = f"{type(exc).__name__}: {exc}"
    message = f"the {response.status_code} answer does not match the spec ({detail})"
    return _about(response, "invalid_response", message)


def unexpected_status(response: httpx.Response) -> MalomoError:
    """A 2xx answer with a body, of a status the operation does not declare."""
    message = f"status {response.status_code} is not a declared answer of this operation"
    return _about(response, "unexpected_status", message)


def invalid_link(response: httpx.Response, target: str, rel: str = "next") -> MalomoError:
    """A `Link: rel="next"` target without a cursor: following it would restart or cut the walk."""
    return _about(response, "invalid_link", f'the Link rel="{rel}" target {target!r} has no `{rel}` cursor')


def pagination_loop(response: httpx.Response, operation: str, pages: int) -> MalomoError:
    """A list operation handed out a cursor it had already handed out."""
    message = (
        f"{operation} returned a next cursor it had already returned (after {pages} pages); "
        "stopping instead of looping forever"
    )
    return _about(response, "pagination_loop", message, PaginationLoopError)


# The Error model's text fields, named by the generated model (its attrs fields), read from a body that is
# not quite an Error (the names are the JSON keys as long as the spec names its fields in snake case).
_ERROR_FIELDS = attrs.fields(Error)
_TEXT_FIELDS = (_ERROR_FIELDS.code.name, _ERROR_FIELDS.message.name, _ERROR_FIELDS.request_id.name)


def _error_fields(body: object) -> tuple[str | None, str | None, str | None]:
    """The code, message and request_id of an error body (None where there is no text): read with the spec's
    Error model, or, from a body that is not quite one (a server breaking the contract), whichever it has."""
    if not isinstance(body, dict):
        return None, None, None
    try:
        error = Error.from_dict(body)
        values: tuple[object, ...] = (error.code, error.message, error.request_id)
    except (KeyError, TypeError, ValueError):
        values = tuple(body.get(name) for name in _TEXT_FIELDS)
    code, message, request_id = (value if isinstance(value, str) else None for value in values)
    return code, message, request_id


def error_from_response(response: httpx.Response) -> MalomoError:
    """The typed error for a non-2xx answer (or a 2xx that broke the contract); the body must be read.

    Uses the spec's ``Error`` body when there is one and falls back on the status line when the
    body is not JSON (an HTML 502 page, an empty 503), so it never raises itself.
    """
    status = response.status_code
    secret = _sent_secret(response)
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        body = None
    code, message, request_id = _error_fields(body)
    request_id = request_id or response.headers.get(REQUEST_ID_HEADER) or None

    if message is None:
        message = response.reason_phrase or "HTTP error"
        if response.content and body is None:
            snippet = _one_line(_TAGS.sub(" ", response.content[:2000].decode("utf-8", "replace")))
            kind = response.headers.get("content-type", "unknown type").split(";")[0]
            if snippet:
                message = f"{message} (non-JSON {kind} body: {snippet[:120]})"
    message = _scrub(message, secret)
    code = _scrub(code, secret) if code else f"http_{status}"
    request_id = _scrub(request_id, secret) if request_id else None

    if status == 404 and _from_elsewhere(response, body):
        return wrong_base_url(response, request_id)
    cls = _STATUS_CLASSES.get(status) or (ServerError if 500 <= status <= 599 else MalomoError)
    error = cls(message, status=status, code=code, request_id=request_id, headers=response.headers)
    if isinstance(error, RateLimitError):
        error.retry_after = parse_retry_after(response.headers.get("retry-after"))
    return error


def _from_elsewhere(response: httpx.Response, body: object) -> bool:
    """Whether a 404 came from no operation of the API: its path is none, or its body is not the spec's Error
    (every 404 of the API carries one)."""
    try:
        path = response.request.url.path
    except RuntimeError:  # a response built by hand, without a request
        return False
    if not is_api_path(path) or not isinstance(body, dict):
        return True
    try:
        Error.from_dict(body)
    except (KeyError, TypeError, ValueError, AttributeError):
        return True
    return False


def wrong_base_url(response: httpx.Response, request_id: str | None) -> BaseURLError:
    """The error of a 404 that did not come from an operation of the API."""
    url = str(response.request.url.copy_with(query=None, userinfo=b""))
    message = (
        f"404 from {response.request.method} {url}, which is no operation of the Malomo API (or the answer is"
        " not its error body): the base URL looks wrong; the API's paths (/customers...) follow it directly"
    )
    return BaseURLError(
        message, url=url, status=404, code="wrong_base_url", request_id=request_id, headers=response.headers
    )


def client_closed(target: str) -> ClientClosedError:
    """The error of a request on a closed client."""
    return ClientClosedError(
        f"{target}: the client was closed (close() or the end of its `with` block); build a new one",
        code="client_closed",
    )


def error_from_transport_error(exc: httpx.TransportError) -> APIConnectionError:
    """The typed error for an httpx transport failure (the request got no HTTP answer)."""
    try:
        target = f"{exc.request.method} {exc.request.url.copy_with(query=None, userinfo=b'')}"
    except RuntimeError:
        target = "request"
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{target} timed out ({type(exc).__name__}: {detail})", code="timeout")
    return APIConnectionError(
        f"{target} failed without an HTTP answer ({type(exc).__name__}: {detail})", code="connection_error"
    )
