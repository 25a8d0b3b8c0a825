"""The spec's Error answer `{code, message, request_id, status}` and the middleware that gives every request
its id (`X-Request-Id`) and turns a crash into an Error-shaped 500."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any, Final

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from malomo_client.models import Error

# Where a request's id is kept in its ASGI scope, for the HTTP layer's own answer to a request it cut off.
REQUEST_ID_SCOPE_KEY: Final = "malomo.request_id"
_log = logging.getLogger("malomo_mock")


def json_response(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(document, separators=(",", ":")), status, headers, "application/json")


def error_response(
    scope: Scope, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The spec's Error body `{code, message, request_id, status}` (the generated model's fields)."""
    body = Error(code=code, message=message, request_id=scope[REQUEST_ID_SCOPE_KEY], status=status)
    return json_response(body.to_dict(), status, headers)


class RequestIdMiddleware:
    """Gives every request an id (kept if the scope has one), sends it as `X-Request-Id`, and turns a crash
    into an Error-shaped 500. A client that went away gets no answer and no error line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id: str = scope.setdefault(REQUEST_ID_SCOPE_KEY, f"req_{secrets.token_hex(8)}")
        header = (b"x-request-id", request_id.encode("ascii"))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # mid-body, or cut off by http_guard's body timeout: no server fault
            _log.debug("request %s (%s %s): the client went away", request_id, scope["method"], scope["path"])
        except Exception:
            # The method and path only: a body or a header could hold a key or a customer's data.
            _log.exception("request %s (%s %s) answered 500", request_id, scope["method"], scope["path"])
            if started:
                raise
            response = error_response(
                scope, 500, "internal_error", "The server failed to answer this request."
            )
            await response(scope, receive, send_with_id)
