"""What every resource-style client shares: the per-call options, the defaults a client adds to each request,
the request built from a generated operation descriptor, the success answer read from it, and the pool."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from typing import Any, Generic, TypedDict, TypeVar
from urllib.parse import quote

import httpx

from malomo_client.api_headers import REQUEST_ID_HEADER
from malomo_client.resource_operations import OperationDescriptor
from malomo_client.types import UNSET

from ._client_factory import BASE_URL_VARIABLE as BASE_URL_VARIABLE
from ._client_factory import MalomoClient, _check_base_url, _check_timeout, connect
from ._errors import error_from_response, invalid_response, unexpected_status
from ._operation_calls import PARSE_ERRORS, with_full_url
from ._request_ids import with_request_id
from ._retry_transport import MAX_RETRIES_EXTENSION, RetryPolicy

T = TypeVar("T")
API_KEY_VARIABLE = "MALOMO_API_KEY"
OPTION_NAMES = ("timeout", "max_retries", "extra_headers", "extra_query")


class RequestOptions(TypedDict, total=False):
    """Options of one call, accepted by every resource method."""

    timeout: float | httpx.Timeout
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str]


class RawResponse(Generic[T]):
    """A successful answer as it came: ``status_code``, ``headers``, ``request_id``, ``http_response``;
    ``parse()`` gives what the method itself returns. An error answer still raises its typed error."""

    def __init__(self, response: httpx.Response, parsed: T) -> None:
        self.http_response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.request_id: str | None = response.headers.get(REQUEST_ID_HEADER)
        self._parsed = parsed

    def __repr__(self) -> str:
        return f"<RawResponse {self.status_code} request_id={self.request_id!r}>"

    def parse(self) -> T:
        return self._parsed


def resolve_api_key(api_key: str | None) -> str:
    """The key given, else ``$MALOMO_API_KEY``; a missing or publishable key is a ValueError."""
    if api_key is None:
        api_key = os.environ.get(API_KEY_VARIABLE)
        if not api_key:
            raise ValueError(f"no API key: pass api_key= or set {API_KEY_VARIABLE} (a secret key, sk_...)")
    if isinstance(api_key, str) and api_key.startswith("pk_"):
        raise ValueError("api_key is a publishable key (pk_...): this API takes the secret key (sk_...)")
    return api_key


def check_max_retries(max_retries: object) -> int:
    # RetryPolicy's own check, so that the message is the same wherever the number was given.
    return RetryPolicy(max_retries=max_retries).max_retries  # type: ignore[arg-type]


def _wire_value(value: Any) -> Any:
    """A query or header argument as the generated functions send it (an enum's value, a date's ISO text,
    a UUID's text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def operation_request(operation: OperationDescriptor[Any], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``httpx.Client.request`` for one call of ``operation`` (relative URL)."""
    url = operation.path
    if operation.path_parameters:
        url = url.format(**{name: quote(str(arguments[name]), safe="") for name in operation.path_parameters})
    request: dict[str, Any] = {"method": operation.method, "url": url}
    params = {
        name: _wire_value(value)
        for name in operation.query_parameters
        if (value := arguments.get(name, UNSET)) is not UNSET and value is not None
    }
    if params:
        request["params"] = params
    headers = {
        name: str(_wire_value(value))
        for name in operation.header_parameters
        if (value := arguments.get(name, UNSET)) is not UNSET and value is not None
    }
    if operation.body_media_type is not None:
        body = arguments["body"]
        request["json"] = body.to_dict() if hasattr(body, "to_dict") else body
        headers["Content-Type"] = operation.body_media_type
    if headers:
        request["headers"] = headers
    return request


def success_value(operation: OperationDescriptor[T], response: httpx.Response) -> T:
    """The parsed body of a 2xx answer; the typed error for any other answer or an undocumented 2xx body."""
    if not response.is_success:
        raise error_from_response(response)
    status = operation.success_status
    if status is None or not status[0] <= response.status_code <= status[1]:
        if response.content and response.status_code != 204:
            raise unexpected_status(response)
        return None  # type: ignore[return-value]  # as the generated parse: an empty undocumented 2xx
    if operation.parse is None:
        return None  # type: ignore[return-value]  # T is None: the operation answers no body
    try:
        value = operation.parse(response.json())
    except PARSE_ERRORS as exc:
        raise invalid_response(response, exc) from exc
    return with_request_id(value, response)


def request_id_of(result: object) -> str | None:
    """The id of the request that produced ``result``: a model, a page or a raw response of any call; None
    for anything else (or when the server sent no ``X-Request-Id``)."""
    if isinstance(result, RawResponse):
        return result.request_id
    request_id = getattr(result, "_request_id", None)
    return request_id if isinstance(request_id, str) else None


@dataclass(frozen=True)
class ClientDefaults:
    """What a client (or a with_options copy) adds to each request on the shared connection pool."""

    base_url: httpx.URL
    headers: Mapping[str, str] = field(repr=False)  # may hold another key (with_options(api_key=...))
    timeout: httpx.Timeout
    max_retries: int

    def request(
        self, operation: OperationDescriptor[Any], arguments: Mapping[str, Any], options: RequestOptions
    ) -> dict[str, Any]:
        """The keyword arguments of ``httpx.Client.request`` for one call of a generated operation."""
        unknown = sorted(set(options) - set(OPTION_NAMES))
        if unknown:  # a misspelt field lands in **options
            raise TypeError(
                f"{operation.name}(): unexpected keyword argument {unknown[0]!r}: neither a field or"
                f" parameter of the operation nor a request option ({', '.join(OPTION_NAMES)})"
            )
        for cursor in operation.cursors:
            if arguments.get(cursor, UNSET) is None:
                raise TypeError(
                    f"{operation.name}(): {cursor}=None: the page had no {cursor} page, so there is nothing"
                    f" to resume from (leave {cursor} out for the first page)"
                )
        request = operation_request(operation, arguments)
        headers = {**self.headers, **request.get("headers", {}), **options.get("extra_headers", {})}
        request["headers"] = headers
        if "extra_query" in options:
            request["params"] = {**request.get("params", {}), **options["extra_query"]}
        request["timeout"] = _check_timeout(options["timeout"]) if "timeout" in options else self.timeout
        retries = check_max_retries(options["max_retries"]) if "max_retries" in options else self.max_retries
        request["extensions"] = {MAX_RETRIES_EXTENSION: retries}
        return with_full_url(self.base_url, request)

    def copy(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        default_headers: Mapping[str, str] | None,
        secret: str,
    ) -> ClientDefaults:
        """These defaults with the ones given changed (a with_options copy); ``secret``: the key in use."""
        changes: dict[str, Any] = {}
        headers = dict(self.headers)
        if default_headers:
            headers.update({k: v for k, v in default_headers.items() if k.lower() != "authorization"})
        if api_key is not None:
            secret = resolve_api_key(api_key)
            headers["Authorization"] = f"Bearer {secret}"
        changes["headers"] = headers
        if base_url is not None:
            changes["base_url"] = httpx.URL(_check_base_url(base_url, secret))
        if timeout is not None:
            changes["timeout"] = _check_timeout(timeout)
        if max_retries is not None:
            changes["max_retries"] = check_max_retries(max_retries)
        return replace(self, **changes)


def path_id(method: str, name: str, value: str | uuid.UUID) -> uuid.UUID:
    """A resource method's ``format: uuid`` path argument as a UUID; text that is not one is refused here,
    as a ValueError naming the method and the argument: sent as is, ``..`` or an empty string would
    change the path (``delete("..")`` would be ``DELETE /``). The value is not shown: it may be anything."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{method}(): {name} must be a UUID or its text, got {type(value).__name__}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(
            f"{method}(): {name} is not a UUID (a str of {len(value)} characters);"
            " an id looks like a0a877c6-4164-4e8a-8179-48f8d4752b4e"
        ) from None


def build_connection(
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    transport: httpx.BaseTransport | None,
    async_transport: httpx.AsyncBaseTransport | None,
    record_to: str | os.PathLike[str] | None,
    record_personal_data: bool,
) -> tuple[MalomoClient, ClientDefaults]:
    """The connection pool of a new client and its defaults, from the client's constructor arguments."""
    key = resolve_api_key(api_key)
    # The pool's client sends the key, Accept and User-Agent; timeout and retries are set per request
    # (the retry transport is always there), so that with_options() copies can share the pool.
    client = connect(
        key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max(check_max_retries(max_retries), 1),
        headers=default_headers,
        transport=transport,
        async_transport=async_transport,
        record_to=record_to,
        record_personal_data=record_personal_data,
    )
    defaults = ClientDefaults(httpx.URL(client._base_url), {}, _check_timeout(timeout), max_retries)
    return client, defaults
