"""Typed errors, pagination faults, timeouts and secrets of the malomo runtime against the scripted fault
server (tests/client/fault_server.py): the reference server cannot answer 503, an HTML 502 or a looping
cursor on demand.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import uuid
from typing import Any

import httpx
import pytest
from fault_server import (
    CUSTOMER_ID,
    KEY,
    Answer,
    FaultServer,
    Received,
    create_body,
    customer_json,
    debug_logs,
    fast_client,
)

import malomo
from malomo_client.api.customers import create_customer, get_customer, list_customers
from malomo_client.models import Customer

# Typed errors on non-JSON and contract-breaking answers ------------------------------------------

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


# Fixtures, from functions shared with the other module of this behaviour.
caplog_malomo = pytest.fixture(debug_logs)


def test_html_502_raises_server_error() -> None:
    html = Answer(502, HTML_502, {"Content-Type": "text/html"})
    with FaultServer(respond=lambda _: html) as server, pytest.raises(malomo.ServerError) as caught:
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server, max_retries=1))
    assert caught.value.status == 502
    assert "Bad Gateway" in str(caught.value)
    assert len(server.received) == 2


def test_a_404_with_an_html_body_is_not_the_apis_and_says_the_base_url_looks_wrong() -> None:
    html = Answer(
        404, b"<html><body>Not here</body></html>", {"Content-Type": "text/html", "X-Request-Id": "r4"}
    )
    with FaultServer(html) as server, pytest.raises(malomo.BaseURLError) as caught:
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert caught.value.request_id == "r4"
    assert caught.value.url == f"{server.base_url}/customers/{CUSTOMER_ID}"
    assert caught.value.url in str(caught.value) and "base URL looks wrong" in str(caught.value)
    assert not isinstance(caught.value.__context__, json.JSONDecodeError)


def test_async_declared_401_with_an_empty_body_raises_authentication_error() -> None:
    with (
        FaultServer(Answer(401, b"", {"X-Request-Id": "r401"})) as server,
        pytest.raises(malomo.AuthenticationError) as caught,
    ):
        asyncio.run(malomo.acall(list_customers, client=fast_client(server)))
    assert caught.value.request_id == "r401"


def test_200_with_a_body_that_breaks_the_spec_raises_malomo_error() -> None:
    with (
        FaultServer(Answer(200, b"<html>maintenance</html>", {"X-Request-Id": "r200"})) as server,
        pytest.raises(malomo.MalomoError) as caught,
    ):
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (
        200,
        "invalid_response",
        "r200",
    )


def test_undeclared_success_status_raises_instead_of_returning_none() -> None:
    with FaultServer(Answer(201, customer_json())) as server, pytest.raises(malomo.MalomoError) as caught:
        malomo.call(create_customer, client=fast_client(server), body=create_body())
    assert caught.value.code == "unexpected_status"


def test_plain_generated_calls_keep_their_generated_behaviour() -> None:
    with FaultServer(
        Answer(404, {"code": "not_found", "message": "m", "request_id": "r", "status": 404})
    ) as server:
        response = get_customer.sync_detailed(uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert response.status_code == 404  # the hook only raises inside malomo.call()


# Pagination faults ----------------------------------------------------------------------------


def looping_pages(request: Received) -> Answer:
    """Every page points at the same next cursor: a server bug that would loop forever."""
    number = 2 if "next=" in request.path else 1
    link = '</customers?next=c2FtZQ>; rel="next"'
    return Answer(200, [customer_json(number)], {"Link": link, "X-Request-Id": f"req_page{number}"})


def test_a_looping_cursor_raises_instead_of_spinning() -> None:
    seen: list[Customer] = []
    with (
        FaultServer(respond=looping_pages) as server,
        pytest.raises(malomo.PaginationLoopError) as caught,
    ):
        seen.extend(malomo.paginate(list_customers, client=fast_client(server)))
    assert len(seen) == 2
    assert len(server.received) == 2
    assert caught.value.request_id == "req_page2"


def test_async_looping_cursor_raises_instead_of_spinning() -> None:
    async def drain(client: Any) -> list[Customer]:
        return [item async for item in malomo.apaginate(list_customers, client=client)]

    with FaultServer(respond=looping_pages) as server, pytest.raises(malomo.PaginationLoopError):
        asyncio.run(drain(fast_client(server)))
    assert len(server.received) == 2


def test_paginate_follows_absolute_link_targets_and_stops_without_next() -> None:
    def pages(request: Received) -> Answer:
        if "next=second" in request.path:
            return Answer(200, [customer_json(2)])
        return Answer(
            200, [customer_json(1)], {"Link": '<http://elsewhere.test/customers?next=second>; rel="next"'}
        )

    with FaultServer(respond=pages) as server:
        emails = [c.email for c in malomo.paginate(list_customers, client=fast_client(server))]
    assert emails == ["c1@example.com", "c2@example.com"]
    assert [r.path for r in server.received] == ["/customers", "/customers?next=second"]


@pytest.mark.parametrize("prefix", ["", "/", "/staging/malomo", "/staging/malomo/"])
def test_requests_go_under_the_base_urls_path(prefix: str) -> None:
    # call() joins the operation's path onto base_url itself (one URL parse instead of three).
    with FaultServer(Answer(200, customer_json()), Answer(200, [])) as server:
        client = malomo.connect(KEY, base_url=server.base_url + prefix)
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=client)
        asyncio.run(malomo.acall(list_customers, client=client, next_="a b/c"))
    expected = prefix.rstrip("/")
    assert [r.path for r in server.received] == [
        f"{expected}/customers/{CUSTOMER_ID}",
        f"{expected}/customers?next=a+b%2Fc",
    ]


def test_a_failing_page_raises_its_typed_error() -> None:
    def pages(request: Received) -> Answer:
        if "next=" in request.path:
            return Answer(
                400, {"code": "bad_request", "message": "bad cursor", "request_id": "rb", "status": 400}
            )
        return Answer(200, [customer_json(1)], {"Link": '</customers?next=zz>; rel="next"'})

    with FaultServer(respond=pages) as server:
        iterator = malomo.paginate(list_customers, client=fast_client(server))
        assert next(iterator).email == "c1@example.com"
        with pytest.raises(malomo.BadRequestError, match="bad cursor"):
            next(iterator)


# Timeouts -------------------------------------------------------------------------------------


def test_a_server_that_does_not_answer_raises_a_timeout_error() -> None:
    with FaultServer(respond=lambda _: "hang") as server:
        with pytest.raises(malomo.APITimeoutError) as caught:
            malomo.call(
                get_customer,
                uuid.UUID(CUSTOMER_ID),
                client=fast_client(server, timeout=httpx.Timeout(0.2, connect=5.0), max_retries=0),
            )
        assert len(server.wait_for(1)) == 1
    # The client's own timeout fired: without one, the server's 30 s hang would end in a closed connection.
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_async_timeout_raises_a_timeout_error() -> None:
    with FaultServer(respond=lambda _: "hang") as server:
        client = fast_client(server, timeout=httpx.Timeout(0.2, connect=5.0), max_retries=0)
        with pytest.raises(malomo.APITimeoutError):
            asyncio.run(malomo.acall(list_customers, client=client))


def test_get_read_timeout_is_retried_but_post_is_not() -> None:
    with FaultServer(respond=lambda _: "hang") as server:
        client = fast_client(server, timeout=httpx.Timeout(0.2, connect=5.0), max_retries=1)
        with pytest.raises(malomo.APITimeoutError):
            malomo.call(list_customers, client=client)
        assert [r.method for r in server.wait_for(2)] == ["GET", "GET"]
        with pytest.raises(malomo.APITimeoutError):
            malomo.call(create_customer, client=client, body=create_body())
        assert [r.method for r in server.wait_for(3)] == ["GET", "GET", "POST"]


# Headers and secrets --------------------------------------------------------------------------


def test_connect_sends_the_key_version_and_user_agent() -> None:
    with FaultServer(Answer(200, [])) as server:
        malomo.call(list_customers, client=fast_client(server))
    headers = {name.lower(): value for name, value in server.received[0].headers.items()}
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["accept"] == "application/vnd.malomo+json; version=2"
    assert headers["user-agent"] == f"malomo-openapi/{importlib.metadata.version('malomo-openapi')}"


def test_the_key_is_in_no_log_record_or_exception_message(caplog_malomo: pytest.LogCaptureFixture) -> None:
    echo = Answer(
        401, {"code": "unauthorized", "message": f"Unknown key {KEY}", "request_id": "r", "status": 401}
    )
    errors: list[BaseException] = []
    with FaultServer(Answer(503), Answer(502, HTML_502), echo, "drop", "hang", "hang") as server:
        client = fast_client(server, timeout=httpx.Timeout(0.3, connect=5.0), max_retries=2)
        for _ in range(2):
            try:
                malomo.call(list_customers, client=client)
            except malomo.MalomoError as exc:
                errors.append(exc)
                while exc.__cause__ is not None or exc.__context__ is not None:
                    errors.append(exc.__cause__ or exc.__context__)  # type: ignore[arg-type]
                    exc = errors[-1]  # type: ignore[assignment]
    assert len([e for e in errors if isinstance(e, malomo.MalomoError)]) == 2  # 401, then the timeout
    assert caplog_malomo.records, "retries are logged"
    for record in caplog_malomo.records:
        assert KEY not in record.getMessage()
    for error in errors:
        assert KEY not in str(error) and KEY not in repr(error)


@pytest.mark.parametrize(
    "target",
    ["/customers?page=2", "/customers?next=", "http://[::1/customers?next=abc"],
    ids=["other parameter", "empty cursor", "unparsable URL"],
)
def test_a_next_link_without_a_cursor_raises_instead_of_truncating(target: str) -> None:
    link = Answer(200, [customer_json(1)], {"Link": f'<{target}>; rel="next"'})
    with FaultServer(link) as server, pytest.raises(malomo.MalomoError, match="has no `next` cursor"):
        list(malomo.paginate(list_customers, client=fast_client(server)))
