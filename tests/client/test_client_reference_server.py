"""The malomo runtime against the reference server over real loopback HTTP: CRUD, pagination, typed errors."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import malomo
from malomo._logs import LoggingTransport
from malomo_client import AuthenticatedClient
from malomo_client.api.customers import (
    create_customer,
    get_customer,
    list_customer_events,
    list_customers,
    update_customer,
)
from malomo_client.models import Customer, CustomerCreate, CustomerUpdate, Event
from malomo_mock import RunningServer, running
from support.customer_bodies import new_customer as customer_body

PAGE_SIZE = 3
CUSTOMERS = 40  # 14 pages of 3


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running(page_size=PAGE_SIZE) as served:
        yield served


@pytest.fixture
def client(server: RunningServer) -> Iterator[AuthenticatedClient]:
    with malomo.connect(server.api_key, base_url=server.base_url, backoff=0.01) as connected:
        yield connected


@pytest.fixture(scope="module")
def filled_server() -> Iterator[tuple[RunningServer, set[uuid.UUID]]]:
    """A server of its own holding exactly CUSTOMERS customers, for the pagination tests."""
    with running(page_size=PAGE_SIZE) as served:
        with malomo.connect(served.api_key, base_url=served.base_url) as client:
            ids = {
                malomo.call(
                    create_customer,
                    client=client,
                    body=CustomerCreate.from_dict(customer_body(email=f"p{n}@example.com")),
                ).id
                for n in range(CUSTOMERS)
            }
        yield served, ids


def count_requests(client: AuthenticatedClient) -> list[httpx.Request]:
    sent: list[httpx.Request] = []
    client.get_httpx_client().event_hooks["request"].append(sent.append)
    return sent


def new_customer(client: AuthenticatedClient, **fields: Any) -> Customer:
    email = fields.pop("email", f"{uuid.uuid4().hex[:12]}@example.com")
    customer: Customer = malomo.call(
        create_customer, client=client, body=CustomerCreate.from_dict(customer_body(email=email, **fields))
    )
    return customer


# CRUD and events ------------------------------------------------------------------------------


def test_crud_and_events_round_trip(client: AuthenticatedClient) -> None:
    created = new_customer(client, first_name="Johnny", last_name="Rose")
    assert isinstance(created, Customer) and created.first_name == "Johnny"

    fetched = malomo.call(get_customer, created.id, client=client)
    assert fetched == created

    updated = malomo.call(update_customer, created.id, client=client, body=CustomerUpdate(phone_number="555"))
    assert updated.phone_number == "555" and updated.first_name == "Johnny"
    assert updated.updated_at > created.updated_at

    events = list(malomo.paginate(list_customer_events, client=client, customer_id=created.id))
    assert all(isinstance(event, Event) for event in events)
    assert [event.type_ for event in events] == ["CustomerCreated", "CustomerUpdated"]


def test_async_crud_and_events_round_trip(server: RunningServer) -> None:
    async def scenario() -> list[str]:
        async with malomo.connect(server.api_key, base_url=server.base_url) as client:
            body = CustomerCreate.from_dict(customer_body(email="async@example.com"))
            created = await malomo.acall(create_customer, client=client, body=body)
            assert (await malomo.acall(get_customer.asyncio_detailed, created.id, client=client)) == created
            await malomo.acall(update_customer, created.id, client=client, body=CustomerUpdate(last_name="A"))
            events = [
                e.type_
                async for e in malomo.apaginate(list_customer_events, client=client, customer_id=created.id)
            ]
            return events

    assert asyncio.run(scenario()) == ["CustomerCreated", "CustomerUpdated"]


def test_call_accepts_the_module_or_any_of_its_functions(client: AuthenticatedClient) -> None:
    created = new_customer(client)
    # `sync` and `asyncio` run too, though only the module and the *_detailed functions are typed.
    operations: list[Any] = [get_customer, get_customer.sync_detailed, get_customer.sync]
    for operation in operations:
        assert malomo.call(operation, created.id, client=client) == created
    async_operation: Any = get_customer.asyncio
    assert asyncio.run(malomo.acall(async_operation, created.id, client=client)) == created


def test_call_raises_typed_errors_with_a_client_not_made_by_connect(server: RunningServer) -> None:
    with (
        AuthenticatedClient(base_url=server.base_url, token=server.api_key) as plain,
        pytest.raises(malomo.NotFoundError),
    ):
        malomo.call(get_customer, uuid.uuid4(), client=plain)


# Pagination -----------------------------------------------------------------------------------


def test_paginate_returns_every_customer_exactly_once(
    filled_server: tuple[RunningServer, set[uuid.UUID]],
) -> None:
    served, ids = filled_server
    with malomo.connect(served.api_key, base_url=served.base_url) as client:
        sent = count_requests(client)
        seen = [customer.id for customer in malomo.paginate(list_customers, client=client)]
    assert len(seen) == CUSTOMERS and set(seen) == ids
    assert len(sent) == -(-CUSTOMERS // PAGE_SIZE) > 10


def test_apaginate_returns_every_customer_exactly_once(
    filled_server: tuple[RunningServer, set[uuid.UUID]],
) -> None:
    served, ids = filled_server

    async def collect() -> list[uuid.UUID]:
        async with malomo.connect(served.api_key, base_url=served.base_url) as client:
            return [
                customer.id
                async for customer in malomo.apaginate(list_customers.asyncio_detailed, client=client)
            ]

    seen = asyncio.run(collect())
    assert len(seen) == CUSTOMERS and set(seen) == ids


def test_paginate_is_lazy(filled_server: tuple[RunningServer, set[uuid.UUID]]) -> None:
    served, _ = filled_server
    with malomo.connect(served.api_key, base_url=served.base_url) as client:
        sent = count_requests(client)
        pages = malomo.paginate(list_customers, client=client)
        assert sent == []
        first_four = [next(pages) for _ in range(PAGE_SIZE + 1)]
        assert len(first_four) == PAGE_SIZE + 1 and len(sent) == 2


def test_paginate_can_start_from_a_cursor(filled_server: tuple[RunningServer, set[uuid.UUID]]) -> None:
    served, _ = filled_server
    with malomo.connect(served.api_key, base_url=served.base_url) as client:
        first_page = list_customers.sync_detailed(client=client)
        cursor = httpx.URL(httpx.Response(200, headers=first_page.headers).links["next"]["url"]).params[
            "next"
        ]
        rest = list(malomo.paginate(list_customers, client=client, next_=cursor))
    assert len(rest) == CUSTOMERS - PAGE_SIZE


def test_paginate_refuses_an_operation_without_a_next_parameter(client: AuthenticatedClient) -> None:
    with pytest.raises(TypeError, match="no `next` parameter"):
        list(malomo.paginate(get_customer, client=client, id=uuid.uuid4()))  # type: ignore[call-overload]


# Typed errors ---------------------------------------------------------------------------------


def test_wrong_key_raises_authentication_error_with_request_id(server: RunningServer) -> None:
    wrong_key = "sk_test_not_the_right_key"
    with (
        malomo.connect(wrong_key, base_url=server.base_url) as client,
        pytest.raises(malomo.AuthenticationError) as caught,
    ):
        malomo.call(list_customers, client=client)
    error = caught.value
    assert (error.status, error.code) == (401, "unauthorized")
    assert error.request_id and error.request_id.startswith("req_")
    assert f"request_id={error.request_id}" in str(error)
    assert wrong_key not in str(error) and wrong_key not in repr(error)


def test_unknown_customer_raises_not_found_error(client: AuthenticatedClient) -> None:
    with pytest.raises(malomo.NotFoundError) as caught:
        malomo.call(get_customer, uuid.uuid4(), client=client)
    assert caught.value.request_id and caught.value.request_id.startswith("req_")


def test_invalid_email_raises_bad_request_error(client: AuthenticatedClient) -> None:
    with pytest.raises(malomo.BadRequestError) as caught:
        malomo.call(
            create_customer, client=client, body=CustomerCreate.from_dict(customer_body(email="johnny"))
        )
    assert caught.value.status == 400 and caught.value.code == "bad_request"
    assert caught.value.request_id and "\n" not in str(caught.value)


def test_a_forged_cursor_raises_bad_request_error_from_paginate(client: AuthenticatedClient) -> None:
    with pytest.raises(malomo.BadRequestError):
        list(malomo.paginate(list_customers, client=client, next_="forged-cursor"))


def test_unreachable_server_raises_connection_error(closed_port: int) -> None:
    base_url = f"http://127.0.0.1:{closed_port}"
    client = malomo.connect("sk_test_x", base_url=base_url, max_retries=1, backoff=0.001)
    with pytest.raises(malomo.APIConnectionError) as caught:
        malomo.call(list_customers, client=client)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert str(caught.value).startswith(f"connection_error: GET {base_url}/customers failed")


# connect(): configuration, validation, secrecy -------------------------------------------------


def test_connect_builds_sync_and_async_clients_with_a_finite_timeout() -> None:
    client = malomo.connect("sk_test_abc", timeout=5)
    sync_http, async_http = client.get_httpx_client(), client.get_async_httpx_client()
    assert isinstance(sync_http, httpx.Client) and isinstance(async_http, httpx.AsyncClient)
    assert sync_http.timeout == async_http.timeout == httpx.Timeout(5.0)
    assert str(sync_http.base_url) == "https://api.gomalomo.com"
    assert malomo.connect("sk_test_abc").get_httpx_client().timeout == httpx.Timeout(30.0)
    assert sync_http.headers["accept"] == "application/vnd.malomo+json; version=2"
    assert sync_http.headers["user-agent"].startswith("malomo-openapi/")


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"api_key": ""}, "api_key must not be empty"),
        ({"api_key": "   "}, "api_key must not be empty"),
        ({"api_key": "sk_test_abc def"}, "whitespace"),
        ({"api_key": "sk_test_secret\n"}, "whitespace"),
        ({"max_retries": -1}, "max_retries"),
        ({"base_url": "ftp://api.gomalomo.com"}, "http:// or https://"),
        ({"base_url": "api.gomalomo.com"}, "http:// or https://"),
        ({"base_url": "https://sk_test_secret@"}, "base_url"),
        ({"timeout": 0}, "timeout"),
        ({"backoff": -1.0}, "backoff"),
    ],
)
def test_connect_rejects_bad_arguments_without_showing_the_key(
    arguments: dict[str, Any], complaint: str
) -> None:
    options: dict[str, Any] = {"api_key": "sk_test_secret", **arguments}
    with pytest.raises(ValueError, match=complaint) as caught:
        malomo.connect(**options)
    secret = options["api_key"].strip()
    assert not secret or secret not in str(caught.value)


def test_no_repr_shows_the_key() -> None:
    key = "sk_test_repr_secret_key"
    client = malomo.connect(key)
    texts = [repr(client), str(client)]
    with client:
        texts += [repr(client), repr(client.get_httpx_client()), repr(client.get_async_httpx_client())]
        texts += [repr(client.get_httpx_client()._transport), repr(malomo.RetryPolicy())]
    evolved = client.with_headers({"X-Extra": "1"})
    evolved.get_httpx_client()
    texts.append(repr(evolved))
    assert all(key not in text for text in texts)


def test_with_headers_timeout_and_cookies_copies_leave_the_original_unchanged(
    client: AuthenticatedClient,
) -> None:
    sent = count_requests(client)
    created = new_customer(client)  # the original's httpx client is open before the copies are made
    copies = [
        client.with_headers({"X-Copy": "1"}),
        client.with_timeout(httpx.Timeout(0.25)),
        client.with_cookies({"copy": "1"}),
    ]
    assert copies[0].get_httpx_client().headers["x-copy"] == "1"
    assert copies[1].get_httpx_client().timeout == httpx.Timeout(0.25)
    malomo.call(get_customer, created.id, client=client)
    original = client.get_httpx_client()
    assert "x-copy" not in sent[-1].headers and "cookie" not in sent[-1].headers
    assert original.timeout != httpx.Timeout(0.25) and not original.cookies


def test_concurrent_acalls_each_get_their_own_result_or_error(server: RunningServer) -> None:
    async def scenario() -> list[object]:
        async with malomo.connect(server.api_key, base_url=server.base_url) as client:
            created = await malomo.acall(
                create_customer,
                client=client,
                body=CustomerCreate.from_dict(customer_body(email="g@example.com")),
            )
            calls = [
                malomo.acall(get_customer, created.id if n % 2 else uuid.uuid4(), client=client)
                for n in range(10)
            ]
            return list(await asyncio.gather(*calls, return_exceptions=True))

    results = asyncio.run(scenario())
    assert [type(result) for result in results] == [malomo.NotFoundError, Customer] * 5


def test_a_custom_transport_is_wrapped_by_the_retries() -> None:
    statuses = iter([503, 200])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), json=[])

    client = malomo.connect("sk_test_x", transport=httpx.MockTransport(answer), backoff=0.001)
    assert malomo.call(list_customers, client=client) == []


def test_max_retries_0_leaves_the_transport_without_retries() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(503))
    client = malomo.connect("sk_test_x", transport=inner, max_retries=0)
    logging_transport = client.get_httpx_client()._transport
    assert isinstance(logging_transport, LoggingTransport) and logging_transport._transport is inner
    with pytest.raises(malomo.ServerError):
        malomo.call(list_customers, client=client)
