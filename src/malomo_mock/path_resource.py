"""The HTTP side of one path of the spec: the method (405 with `Allow`), the API key (401), the API version
asked in `Accept` (406) and the declared query parameters (400) are checked before its operation's handler
runs; the handler's refusals become the spec's Error answers."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from malomo_mock.error_answers import error_response
from malomo_mock.openapi_contract import Contract, OperationRules
from malomo_mock.request_bodies import BodyError
from malomo_mock.store_database import StoreBusy
from malomo_mock.value_rules import InvalidValue

Handler = Callable[[Request], Awaitable[Response]]


def _refused_version(accept: str, media_type: str, served: str) -> str | None:
    """The version `accept` asks for when it names `media_type` only with versions other than `served`."""
    asked = None
    for media_range in accept.split(","):
        asked_type, *params = media_range.split(";")
        if asked_type.strip().lower() != media_type:
            continue
        version = next(
            (
                value.strip().strip('"')
                for name, _, value in (param.partition("=") for param in params)
                if name.strip().lower() == "version"
            ),
            None,
        )
        if version is None or version == served:
            return None
        asked = asked or version
    return asked


class PathResource:
    """One path: dispatches on the method (405 with `Allow` for the others), checks the API key (401), the
    API version (406) and the declared query parameters (400), then runs the operation's handler."""

    def __init__(
        self, api_key: str, contract: Contract, operations: dict[str, tuple[OperationRules, Handler]]
    ) -> None:
        self._key = api_key.encode("utf-8")
        self._version = contract.api_version
        self._media_type = contract.media_type  # lower case
        self._scheme = contract.auth_scheme
        self._scheme_lower = self._scheme.lower().encode("latin-1")
        self._operations = operations
        self._allow = ", ".join(operations)

    def _authorized(self, headers: Headers) -> bool:
        """`Authorization: <the spec's scheme> <the secret key>` (scheme in any case); a `pk_` key never
        passes."""
        scheme, _, token = headers.get("authorization", "").encode("latin-1").partition(b" ")
        token = token.strip()
        if scheme.lower() != self._scheme_lower or token.startswith(b"pk_"):
            return False
        return hmac.compare_digest(token, self._key)

    async def _answer(self, scope: Scope, receive: Receive) -> Response:
        found = self._operations.get(scope["method"])
        if found is None:
            message = f"{scope['method'][:16]} is not allowed here; allowed: {self._allow}."
            return error_response(scope, 405, "method_not_allowed", message, {"Allow": self._allow})
        headers = Headers(scope=scope)
        if not self._authorized(headers):
            message = "A valid secret API key is required."
            return error_response(scope, 401, "unauthorized", message, {"WWW-Authenticate": self._scheme})
        accept = headers.get("accept", "")
        named = self._media_type in accept.lower()
        asked = _refused_version(accept, self._media_type, self._version) if named else None
        if asked is not None:
            message = (
                f"This server speaks version {self._version} of the API;"
                f" the request asked for version {asked[:16]}."
            )
            return error_response(scope, 406, "not_acceptable", message)
        operation, handler = found
        request = Request(scope, receive)
        try:
            if operation.query and (scope.get("query_string") or operation.requires_query()):
                operation.check_query(request.query_params.getlist)
            return await handler(request)
        except InvalidValue as exc:
            return error_response(scope, 400, "bad_request", str(exc))
        except BodyError as exc:
            return error_response(scope, exc.status, exc.code, exc.message)
        except StoreBusy as exc:  # a lock held elsewhere, or full storage (StorageFull)
            headers_out = {"Retry-After": str(exc.retry_after)}
            return error_response(scope, 503, exc.code, exc.message, headers_out)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._answer(scope, receive)
        await response(scope, receive, send)


def not_implemented(operation_id: str) -> Handler:
    """The handler of an operation this server does not implement: 501 naming it."""

    async def answer(request: Request) -> Response:
        message = f"{operation_id} is in the spec but not implemented by this server."
        return error_response(request.scope, 501, "not_implemented", message)

    return answer


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a path the spec does not have."""
    if scope["type"] != "http":  # pragma: no cover - websockets and lifespan are not served
        return
    response = error_response(scope, 404, "not_found", "No such resource.")
    await response(scope, receive, send)
