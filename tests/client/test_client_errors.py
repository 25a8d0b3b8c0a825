"""Unit tests of malomo's error hierarchy and of turning an HTTP answer into a typed error."""

from __future__ import annotations

import asyncio
import email.utils
import json
import uuid
from typing import Any

import httpx
import pytest

import malomo
from malomo._errors import error_from_response, error_from_transport_error, invalid_response
from malomo._retry_transport import parse_retry_after
from malomo_client.api.customers import get_customer, update_customer

KEY = "sk_test_unit_secret_key_1234"


def answer(
    status: int, body: object = None, *, content: bytes | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", "https://api.test/customers/x", headers={"Authorization": f"Bearer {KEY}"})
    if content is None:
        content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, headers=headers or {}, request=request)


def error_body(status: int, code: str, message: str, request_id: str = "req_body") -> dict[str, object]:
    return {"code": code, "message": message, "request_id": request_id, "status": status}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, malomo.BadRequestError),
        (401, malomo.AuthenticationError),
        (404, malomo.NotFoundError),
        (406, malomo.NotAcceptableError),
        (413, malomo.BadRequestError),
        (415, malomo.BadRequestError),
        (429, malomo.RateLimitError),
        (500, malomo.ServerError),
        (502, malomo.ServerError),
        (503, malomo.ServerError),
        (504, malomo.ServerError),
    ],
)
def test_status_maps_to_its_error_class(status: int, cls: type[malomo.MalomoError]) -> None:
    error = error_from_response(answer(status, error_body(status, "some_code", "Something.")))
    assert type(error) is cls
    assert isinstance(error, malomo.MalomoError)
    assert (error.status, error.code, error.message, error.request_id) == (
        status,
        "some_code",
        "Something.",
        "req_body",
    )


def test_other_statuses_raise_the_base_class() -> None:
    error = error_from_response(answer(409, error_body(409, "conflict", "Busy.")))
    assert type(error) is malomo.MalomoError
    assert error.status == 409


def test_request_id_falls_back_on_the_header() -> None:
    error = error_from_response(answer(503, content=b"", headers={"X-Request-Id": "req_header"}))
    assert error.request_id == "req_header"
    assert error.code == "http_503"


def test_body_request_id_wins_over_the_header() -> None:
    body = error_body(404, "not_found", "No customer with this id.", "req_in_body")
    error = error_from_response(answer(404, body, headers={"X-Request-Id": "req_in_header"}))
    assert error.request_id == "req_in_body"


def test_str_is_one_line_with_status_code_message_and_request_id() -> None:
    error = error_from_response(answer(404, error_body(404, "not_found", "No such\ncustomer.", "req_1")))
    assert str(error) == "404 not_found: No such customer. (request_id=req_1)"
    assert "\n" not in str(error)


def test_html_502_gives_a_server_error_with_a_short_one_line_message() -> None:
    html = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + b"x" * 5000 + b"</body></html>"
    error = error_from_response(
        answer(502, content=html, headers={"Content-Type": "text/html", "X-Request-Id": "r9"})
    )
    assert isinstance(error, malomo.ServerError)
    assert error.code == "http_502"
    assert error.request_id == "r9"
    assert "Bad Gateway" in error.message and "text/html" in error.message
    assert "\n" not in str(error) and len(str(error)) < 400


def test_json_body_that_is_not_an_error_object_still_maps_by_status() -> None:
    error = error_from_response(answer(400, ["not", "an", "object"]))
    assert isinstance(error, malomo.BadRequestError)
    assert error.code == "http_400"
    assert error.message == "Bad Request"


def test_rate_limit_error_carries_the_retry_after_advice() -> None:
    error = error_from_response(answer(429, content=b"slow down", headers={"Retry-After": "7"}))
    assert isinstance(error, malomo.RateLimitError)
    assert error.retry_after == 7.0


def test_key_echoed_by_the_server_is_scrubbed_from_the_error() -> None:
    body = error_body(401, f"bad_{KEY}", f"The key {KEY} is unknown.", f"req_{KEY}")
    error = error_from_response(answer(401, body))
    for text in (str(error), repr(error), error.message, error.code or "", error.request_id or ""):
        assert KEY not in text
    assert "[redacted]" in error.message


def test_transport_errors_map_to_connection_and_timeout_errors() -> None:
    request = httpx.Request("GET", f"https://user:{KEY}@api.test/customers?next=abc")
    timeout = error_from_transport_error(httpx.ReadTimeout("timed out", request=request))
    refused = error_from_transport_error(httpx.ConnectError("[Errno 111] refused", request=request))
    assert type(timeout) is malomo.APITimeoutError
    assert isinstance(timeout, malomo.APIConnectionError)
    assert type(refused) is malomo.APIConnectionError
    assert timeout.status is None and refused.code == "connection_error"
    assert "GET https://api.test/customers" in str(refused)
    assert KEY not in str(refused) and KEY not in str(timeout)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1.0), ("0", 0.0), (" 2.5 ", 2.5), ("-3", 0.0), (None, None), ("soon", None), ("nan", None)],
)
def test_retry_after_delta_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date_is_relative_to_now() -> None:
    now = 1_700_000_000.0
    in_ten_seconds = email.utils.formatdate(now + 10, usegmt=True)
    assert parse_retry_after(in_ten_seconds, now=now) == pytest.approx(10.0)
    assert parse_retry_after(email.utils.formatdate(now - 10, usegmt=True), now=now) == 0.0


def test_hierarchy_is_one_shallow_tree() -> None:
    leaves = [
        malomo.BadRequestError,
        malomo.AuthenticationError,
        malomo.NotFoundError,
        malomo.RateLimitError,
        malomo.ServerError,
        malomo.APIConnectionError,
        malomo.PaginationLoopError,
    ]
    assert all(cls.__bases__ == (malomo.MalomoError,) for cls in leaves)
    assert malomo.APITimeoutError.__bases__ == (malomo.APIConnectionError,)
    assert malomo.MalomoError.__bases__ == (Exception,)


def test_a_misspelt_argument_names_the_operation_and_the_argument() -> None:
    client: Any = malomo.connect(KEY, base_url="http://127.0.0.1:9")
    operation: Any = get_customer  # the mistakes mypy would reject, made at run time
    with pytest.raises(TypeError) as raised:
        malomo.call(operation, custmer_id=uuid.uuid4(), client=client)
    assert (
        str(raised.value) == "get_customer(): got an unexpected keyword argument 'custmer_id' (it takes id)"
    )
    not_a_model: Any = {"email": "x"}
    with pytest.raises(TypeError, match=r"^update_customer\(\): body must be a CustomerUpdate, got dict$"):
        malomo.call(update_customer, uuid.uuid4(), client=client, body=not_a_model)


def test_call_refuses_an_async_operation_and_acall_a_sync_one() -> None:
    client: Any = malomo.connect(KEY, base_url="http://127.0.0.1:9")
    operation: Any = get_customer.asyncio_detailed
    with pytest.raises(
        TypeError, match=r"call\(\) runs a sync operation; get_customer.asyncio_detailed is async"
    ):
        malomo.call(operation, uuid.uuid4(), client=client)
    operation = get_customer.sync_detailed
    with pytest.raises(
        TypeError, match=r"acall\(\) awaits an async operation; get_customer.sync_detailed is sync"
    ):
        asyncio.run(malomo.acall(operation, uuid.uuid4(), client=client))


def test_a_success_body_that_does_not_fit_names_the_missing_field() -> None:
    error = invalid_response(answer(200, {"id": "x"}), KeyError("email"))
    assert "field 'email' is missing" in error.message
