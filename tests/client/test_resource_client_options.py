"""malomo.Malomo and AsyncMalomo against the reference server over loopback: raw answers, per-request
options, with_options copies, the key and URL from the environment, and misuse named clearly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fault_server import Answer, FaultServer, customer_json
from resource_wire import ACCEPT, PAGE_SIZE, AsyncWire, Wire, malomo_over_wire, new_wire

import malomo
from malomo_mock import RunningServer, running
from malomo_spec import Operation
from support.customer_bodies import new_customer
from support.spec_deletes import bound_method, customer_delete_params

# Fixtures, from functions shared with the other module of this behaviour.
wire = pytest.fixture(new_wire)
client = pytest.fixture(malomo_over_wire)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """This module's own reference server, with small pages (the `client` fixture talks to it)."""
    with running(page_size=PAGE_SIZE) as served:
        yield served


def test_raw_responses_of_every_method(client: malomo.Malomo) -> None:
    raw = client.customers.with_raw_response
    created = raw.create(**new_customer(email="raw@example.com"))
    assert created.status_code == 200 and created.request_id and created.request_id.startswith("req_")
    customer = created.parse()
    assert raw.retrieve(customer.id).parse() == customer
    assert raw.update(customer.id, first_name="Raw").parse().first_name == "Raw"
    assert customer.id in {c.id for c in raw.list().parse()}
    events = client.customers.events.with_raw_response.list(customer.id)
    assert events.headers["content-type"].startswith("application/json")
    assert len(events.parse().items) == 2
    with pytest.raises(malomo.NotFoundError) as raised:
        raw.retrieve(uuid.uuid4())  # an error answer still raises its typed error
    assert raised.value.request_id


@pytest.mark.parametrize("delete", customer_delete_params())
def test_raw_response_of_a_delete(client: malomo.Malomo, delete: Operation) -> None:
    raw = client.customers.with_raw_response
    customer = raw.create(**new_customer(email="raw-delete@example.com")).parse()
    deleted = bound_method(client, delete, raw=True)(customer.id)
    assert (deleted.status_code, deleted.parse()) == (204, None)
    with pytest.raises(malomo.NotFoundError) as raised:
        raw.retrieve(customer.id)  # an error answer still raises its typed error
    assert raised.value.request_id


def test_raw_responses_async(server: RunningServer) -> None:
    async def scenario() -> None:
        async with malomo.AsyncMalomo(server.api_key, base_url=server.base_url) as client:
            raw = client.customers.with_raw_response
            created = await raw.create(**new_customer(email="rawasync@example.com"))
            customer = created.parse()
            assert (await raw.retrieve(customer.id)).request_id
            assert (await raw.update(customer.id, phone_number="1")).parse().phone_number == "1"
            page = (await raw.list()).parse()
            assert isinstance(page, malomo.AsyncPage)
            assert len((await client.customers.events.with_raw_response.list(customer.id)).parse().items) == 2

    asyncio.run(scenario())


@pytest.mark.parametrize("delete", customer_delete_params())
def test_raw_response_of_a_delete_async(server: RunningServer, delete: Operation) -> None:
    async def scenario() -> None:
        async with malomo.AsyncMalomo(server.api_key, base_url=server.base_url) as client:
            customer = await client.customers.create(**new_customer(email="rawasync-delete@example.com"))
            assert (await bound_method(client, delete, raw=True)(customer.id)).status_code == 204

    asyncio.run(scenario())


def test_per_request_headers_query_and_timeout_reach_the_wire_and_nothing_else(
    client: malomo.Malomo, wire: Wire
) -> None:
    created = client.customers.create(**new_customer(email="opts@example.com"))
    client.customers.retrieve(
        created.id, extra_headers={"X-Trace": "t1"}, extra_query={"probe": "1"}, timeout=7.5
    )
    sent = wire.sent[-1]
    assert sent.headers["x-trace"] == "t1" and sent.url.params["probe"] == "1"
    assert sent.extensions["timeout"]["read"] == 7.5
    assert sent.headers["accept"] == ACCEPT

    copy = client.with_options(default_headers={"X-Copy": "c"})
    for made in (client, copy):
        made.customers.retrieve(created.id)
        plain = wire.sent[-1]
        assert "x-trace" not in plain.headers and "probe" not in plain.url.params
        assert plain.extensions["timeout"]["read"] == 30.0
    assert wire.sent[-1].headers["x-copy"] == "c" and "x-copy" not in wire.sent[-2].headers


def test_per_request_max_retries_drives_the_retries_of_that_call_only() -> None:
    busy = Answer(503, {"code": "busy"}, {"Retry-After": "0"})
    with (
        FaultServer(busy, busy, Answer(200, customer_json()), busy) as faults,
        malomo.Malomo("sk_test_resource_key_1234", base_url=faults.base_url, max_retries=0) as client,
    ):
        customer_id = uuid.UUID(customer_json()["id"])
        assert client.customers.retrieve(customer_id, max_retries=2).email == "c0@example.com"
        assert len(faults.received) == 3
        with pytest.raises(malomo.ServerError):
            client.customers.retrieve(customer_id)
        assert len(faults.received) == 4


def test_with_options_shares_the_pool_and_leaves_the_original_alone(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[httpx.Client] = []
    original_init = httpx.Client.__init__

    def counting_init(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        pools.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", counting_init)
    wire = Wire()
    with malomo.Malomo(server.api_key, base_url=server.base_url, transport=wire, timeout=9) as client:
        client.customers.list()
        copy = client.with_options(timeout=3, max_retries=0, default_headers={"X-Copy": "yes"})
        copy.customers.list()
        client.customers.list()
        assert len(pools) == 1
    _, by_copy, by_original = wire.sent
    assert by_copy.headers["x-copy"] == "yes" and by_copy.extensions["timeout"]["read"] == 3
    assert "x-copy" not in by_original.headers and by_original.extensions["timeout"]["read"] == 9
    assert pools[0].is_closed  # `with` closed the pool


def test_with_options_api_key_is_sent_and_never_shown(server: RunningServer, wire: Wire) -> None:
    with malomo.Malomo(server.api_key, base_url=server.base_url, transport=wire) as client:
        wrong = client.with_options(api_key="sk_test_another_key_987")
        with pytest.raises(malomo.AuthenticationError):
            wrong.customers.list()
        assert wire.sent[-1].headers["authorization"] == "Bearer sk_test_another_key_987"
        assert "sk_test" not in repr(wrong) and "sk_test" not in repr(client)
        client.customers.list()
        assert wire.sent[-1].headers["authorization"] == f"Bearer {server.api_key}"


def test_key_and_url_come_from_the_environment(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALOMO_API_KEY", server.api_key)
    monkeypatch.setenv("MALOMO_BASE_URL", server.base_url)
    with malomo.Malomo() as client:
        assert client.customers.create(**new_customer(email="env@example.com")).email == "env@example.com"
    monkeypatch.delenv("MALOMO_BASE_URL")
    assert "api.gomalomo.com" in repr(malomo.Malomo())  # the spec's server


@pytest.mark.parametrize(
    ("key", "complaint"), [(None, "MALOMO_API_KEY"), ("pk_test_publishable", "publishable")]
)
def test_a_missing_or_publishable_key_is_refused_at_construction(
    key: str | None, complaint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MALOMO_API_KEY", raising=False)
    for kind in (malomo.Malomo, malomo.AsyncMalomo):
        with pytest.raises(ValueError, match=complaint):
            kind(key)


def test_another_api_version_is_a_typed_error(client: malomo.Malomo) -> None:
    with pytest.raises(malomo.NotAcceptableError) as raised:
        client.customers.list(extra_headers={"Accept": "application/vnd.malomo+json; version=1"})
    assert raised.value.status == 406 and raised.value.request_id


def test_a_misspelt_keyword_is_named_with_the_operation(client: malomo.Malomo) -> None:
    misspelt: Any = new_customer(email="typo@example.com", frist_name="Ann")  # otherwise valid
    with pytest.raises(TypeError, match=r"^create_customer\(\): unexpected keyword argument 'frist_name'"):
        client.customers.create(**misspelt)


def test_with_options_copies_of_the_async_client_share_its_pool(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[httpx.AsyncClient] = []
    original_init = httpx.AsyncClient.__init__

    def counting_init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        pools.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting_init)
    wire = AsyncWire()

    async def scenario() -> None:
        async with malomo.AsyncMalomo(server.api_key, base_url=server.base_url, transport=wire) as client:
            await client.with_options(default_headers={"X-Copy": "a"}).customers.list()
            await client.customers.list()

    asyncio.run(scenario())
    copy_request, original_request = wire.sent
    assert copy_request.headers["x-copy"] == "a" and "x-copy" not in original_request.headers
    assert len(pools) == 1 and pools[0].is_closed
