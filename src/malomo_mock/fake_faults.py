"""The failures a `Fake` serves instead of the app's answer: a documented or undocumented status with the
spec's Error body and required headers, a proxy's HTML page, or an httpx transport error."""

from __future__ import annotations

import functools
import http
import secrets
from dataclasses import dataclass
from typing import Any, Final, Literal

import httpx

from malomo_client.models import Error
from malomo_mock.openapi_contract import Contract, load_contract

TransportFault = Literal["reset", "timeout", "refused"]
TRANSPORT_FAULTS: Final = ("reset", "timeout", "refused")

# Headers whose value the fake makes itself rather than from the spec's example.
_REQUEST_ID_HEADER: Final = "x-request-id"
_CHALLENGE_HEADER: Final = "www-authenticate"
_PROXY_PAGE: Final = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>{status} {phrase}</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@functools.cache
def default_contract() -> Contract:
    """The contract the app serves by default, the same parsed document `create_app` uses."""
    return load_contract()


def _documented_header(name: str, header: Any, request_id: str) -> str:
    """The value of a required header the spec documents for an answer."""
    header = default_contract().resolve(header)
    if name.lower() == _REQUEST_ID_HEADER:
        return request_id
    if name.lower() == _CHALLENGE_HEADER:
        return default_contract().auth_scheme
    example = header.get("example", header.get("schema", {}).get("example"))
    if example is None:
        raise ValueError(f"the fake cannot make up the documented header {name}: give it an example")
    return str(example)


def _phrase(status: int) -> str:
    """The reason phrase of `status` (`Service Unavailable`), or `HTTP 520` for one Python does not name."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


@dataclass
class Fault:
    """A failure served instead of the app's answer to the next `times` requests for `operation`."""

    operation: str
    times: int
    status: int | None = None
    transport_error: TransportFault | None = None
    from_proxy: bool = False
    retry_after: str | None = None

    def answer(self, request: httpx.Request) -> httpx.Response:
        """The failing answer; raises the httpx error of a transport fault."""
        if self.transport_error == "reset":
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if self.transport_error == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.transport_error == "refused":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        assert self.status is not None
        extra = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        phrase = _phrase(self.status)
        if self.from_proxy:
            page = _PROXY_PAGE.format(status=self.status, phrase=phrase)
            headers = {"Content-Type": "text/html", "Server": "nginx", **extra}
            return httpx.Response(self.status, headers=headers, text=page)
        request_id = f"req_{secrets.token_hex(8)}"
        headers = {"X-Request-Id": request_id}
        contract = default_contract()
        responses = contract.operation(self.operation).operation.responses
        documented = contract.resolve(responses.get(str(self.status), {}))
        for name, header in documented.get("headers", {}).items():
            if contract.resolve(header).get("required"):
                headers[name] = _documented_header(name, header, request_id)
        if self.status < 400:
            return httpx.Response(self.status, headers={**headers, **extra})
        example = documented.get("content", {}).get("application/json", {}).get("example", {})
        code = example.get("code", phrase.lower().replace(" ", "_").replace("-", "_"))
        error = Error(
            code=code, message=example.get("message", f"{phrase}."), request_id=request_id, status=self.status
        )
        return httpx.Response(self.status, headers={**headers, **extra}, json=error.to_dict())
