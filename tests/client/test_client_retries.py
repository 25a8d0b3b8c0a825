"""Retries of the malomo runtime against the scripted fault server (tests/client/fault_server.py): which
answers and faults are retried, how long the client waits, and that a retried request is sent whole."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fault_server import (
    CUSTOMER_ID,
    KEY,
    NEW_CUSTOMER,
    Answer,
    FaultServer,
    SleepRecorder,
    create_body,
    customer_json,
    debug_logs,
    fast_client,
)

import malomo
from malomo_client.api.customers import create_customer, get_customer, list_customers
from malomo_client.models import Customer

# Retries --------------------------------------------------------------------------------------


# Fixtures, from functions shared with the other module of this behaviour.
caplog_malomo = pytest.fixture(debug_logs)


def test_503_then_200_succeeds(caplog_malomo: pytest.LogCaptureFixture) -> None:
    with FaultServer(Answer(503, b"busy"), Answer(200, customer_json())) as server:
        customer = malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert isinstance(customer, Customer)
    assert str(customer.id) == CUSTOMER_ID
    assert [r.method for r in server.received] == ["GET", "GET"]
    assert any("Retrying GET" in record.getMessage() for record in caplog_malomo.records)


def test_async_503_then_200_succeeds() -> None:
    with FaultServer(Answer(503), Answer(503), Answer(200, customer_json())) as server:
        client = fast_client(server)
        customer = asyncio.run(malomo.acall(get_customer, uuid.UUID(CUSTOMER_ID), client=client))
    assert isinstance(customer, Customer)
    assert len(server.received) == 3


def test_429_with_retry_after_1_waits_about_one_second() -> None:
    sleep = SleepRecorder()
    with (
        FaultServer(Answer(429, headers={"Retry-After": "1"}), Answer(200, [])) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        response = http.get("/customers")
    assert response.status_code == 200
    assert sleep.delays == [pytest.approx(1.0)]


def test_async_429_with_retry_after_1_waits_about_one_second() -> None:
    sleep = SleepRecorder()

    async def fetch(base_url: str) -> httpx.Response:
        transport = malomo.AsyncRetryTransport(sleep=sleep.asleep)
        async with httpx.AsyncClient(base_url=base_url, transport=transport) as http:
            return await http.get("/customers")

    with FaultServer(Answer(429, headers={"Retry-After": "1"}), Answer(200, [])) as server:
        response = asyncio.run(fetch(server.base_url))
    assert response.status_code == 200
    assert sleep.delays == [pytest.approx(1.0)]


def test_retry_after_http_date_is_honoured() -> None:
    sleep = SleepRecorder()
    in_three_seconds = email.utils.formatdate(time.time() + 3, usegmt=True)
    with (
        FaultServer(Answer(503, headers={"Retry-After": in_three_seconds}), Answer(200, [])) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        assert http.get("/customers").status_code == 200
    assert len(sleep.delays) == 1
    assert 1.0 <= sleep.delays[0] <= 3.0


def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    with (
        FaultServer(Answer(429, b"", {"Retry-After": "3600", "X-Request-Id": "req_slow"})) as server,
        pytest.raises(malomo.RateLimitError) as caught,
    ):
        malomo.call(list_customers, client=fast_client(server, max_retry_after=60))
    assert caught.value.retry_after == 3600
    assert caught.value.request_id == "req_slow"
    assert len(server.received) == 1


def test_429_that_persists_raises_rate_limit_error_after_the_retries() -> None:
    with (
        FaultServer(respond=lambda _: Answer(429, b"", {"Retry-After": "0"})) as server,
        pytest.raises(malomo.RateLimitError),
    ):
        malomo.call(list_customers, client=fast_client(server, max_retries=2))
    assert len(server.received) == 3


def test_post_after_503_is_not_retried() -> None:
    with (
        FaultServer(Answer(503, b"", {"X-Request-Id": "req_503"}), Answer(200, customer_json())) as server,
        pytest.raises(malomo.ServerError) as caught,
    ):
        malomo.call(create_customer, client=fast_client(server), body=create_body())
    assert caught.value.status == 503 and caught.value.request_id == "req_503"
    assert [r.method for r in server.received] == ["POST"]


def test_post_after_a_connect_error_is_retried(closed_port: int) -> None:
    port = closed_port
    server = FaultServer(Answer(200, customer_json()), port=port)
    sleep = SleepRecorder(on_sleep=server.start)  # the server comes up while the client backs off
    transport = malomo.RetryTransport(sleep=sleep)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport) as http:
            response = http.post("/customers", json=NEW_CUSTOMER)
    finally:
        server.stop()
    assert response.status_code == 200
    assert len(sleep.delays) == 1
    assert [(r.method, json.loads(r.body)) for r in server.received] == [("POST", NEW_CUSTOMER)]


def test_async_post_after_a_connect_error_is_retried(closed_port: int) -> None:
    port = closed_port
    server = FaultServer(Answer(200, customer_json()), port=port)
    sleep = SleepRecorder(on_sleep=server.start)

    async def post() -> httpx.Response:
        transport = malomo.AsyncRetryTransport(sleep=sleep.asleep)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", transport=transport) as http:
            return await http.post("/customers", json=NEW_CUSTOMER)

    try:
        response = asyncio.run(post())
    finally:
        server.stop()
    assert response.status_code == 200
    assert [r.method for r in server.received] == ["POST"]


def test_get_after_a_dropped_connection_is_retried() -> None:
    with FaultServer("drop", Answer(200, customer_json())) as server:
        customer = malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert isinstance(customer, Customer)
    assert len(server.received) == 2


def test_post_after_a_dropped_connection_is_not_retried() -> None:
    with (
        FaultServer("drop", Answer(200, customer_json())) as server,
        pytest.raises(malomo.APIConnectionError) as caught,
    ):
        malomo.call(create_customer, client=fast_client(server), body=create_body())
    assert not isinstance(caught.value, malomo.APITimeoutError)
    assert len(server.received) == 1


@pytest.mark.parametrize(
    "make_copy",
    [
        lambda client: client.with_headers({"X-Extra": "1"}),
        lambda client: client.with_timeout(httpx.Timeout(5.0)),
        lambda client: client.with_cookies({"session": "1"}),
    ],
    ids=["with_headers", "with_timeout", "with_cookies"],
)
def test_copies_of_the_client_still_retry(make_copy: Callable[[Any], Any]) -> None:
    with FaultServer(Answer(503), Answer(200, customer_json())) as server:
        copy = make_copy(fast_client(server))
        customer = malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=copy)
    assert isinstance(customer, Customer)
    assert len(server.received) == 2
    assert server.received[0].headers.get("Authorization") == f"Bearer {KEY}"


def test_max_retries_0_turns_retries_off() -> None:
    with (
        FaultServer(Answer(503), Answer(200, customer_json())) as server,
        pytest.raises(malomo.ServerError),
    ):
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server, max_retries=0))
    assert len(server.received) == 1


def test_backoff_is_exponential_full_jitter_and_capped() -> None:
    policy = malomo.RetryPolicy(backoff=0.5, max_backoff=4.0)
    assert [policy.backoff_delay(n, lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [policy.backoff_delay(n, lambda: 0.0) for n in range(1, 6)] == [0.0] * 5
    assert policy.backoff_delay(3, lambda: 0.25) == 0.5


def test_backoff_delays_requested_between_retries_stay_within_the_jitter_bounds() -> None:
    sleep = SleepRecorder()
    transport = malomo.RetryTransport(policy=malomo.RetryPolicy(max_retries=4, backoff=1.0), sleep=sleep)
    with (
        FaultServer(Answer(502), Answer(504), Answer(503), Answer(502), Answer(200, [])) as server,
        httpx.Client(base_url=server.base_url, transport=transport) as http,
    ):
        assert http.get("/customers").status_code == 200
    assert len(sleep.delays) == 4
    assert all(0.0 <= delay <= 2 ** (n - 1) for n, delay in enumerate(sleep.delays, start=1))


class TrackedStream(httpx.SyncByteStream):
    def __init__(self, closed: list[bool]) -> None:
        self._closed = closed

    def __iter__(self) -> Iterator[bytes]:
        yield b"busy"

    def close(self) -> None:
        self._closed.append(True)


def test_discarded_answers_are_closed() -> None:
    closed: list[bool] = []
    statuses = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), stream=TrackedStream(closed))

    transport = malomo.RetryTransport(httpx.MockTransport(handler), sleep=SleepRecorder())
    response = transport.handle_request(httpx.Request("GET", "https://api.test/customers"))
    assert response.status_code == 200
    assert closed == [True, True]  # the two 503s; the 200 is the caller's to close


def test_streamed_put_body_is_not_sent_twice() -> None:
    sleep = SleepRecorder()
    with (
        FaultServer(Answer(503), Answer(200, customer_json())) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        response = http.put("/customers/x", content=iter([b'{"first_name": "A"}']))
    assert response.status_code == 503
    assert sleep.delays == []


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"backoff": -0.1},
        {"max_retry_after": -1},
    ],
)
def test_retry_policy_rejects_bad_settings(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        malomo.RetryPolicy(**options)


def test_put_delete_head_and_options_are_retried_like_get() -> None:
    sleep = SleepRecorder()
    methods = ["PUT", "DELETE", "HEAD", "OPTIONS"]
    with (
        FaultServer(*[answer for _ in methods for answer in (Answer(503), Answer(200))]) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        assert [http.request(method, "/customers/x").status_code for method in methods] == [200] * 4
    assert [r.method for r in server.received] == [method for method in methods for _ in (1, 2)]
    assert len(sleep.delays) == 4
