"""malomo.Malomo and AsyncMalomo, the resource-style clients, against the reference server over loopback:
every resource method sync and async, pages, raw answers, per-request options, with_options copies."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_client_faults import Answer, FaultServer, customer_json

import malomo
from malomo_mock import RunningServer, running
from support.customer_bodies import new_customer

PAGE_SIZE = 2
ACCEPT = "application/vnd.malomo+json; version=2"


class Wire(httpx.HTTPTransport):
    """The real HTTP transport, keeping each request it sends (as the server receives it)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return super().handle_request(request)


class AsyncWire(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await super().handle_async_request(request)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running(page_size=PAGE_SIZE) as served:
        yield served


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def client(server: RunningServer, wire: Wire) -> Iterator[malomo.Malomo]:
    with malomo.Malomo(server.api_key, base_url=server.base_url, transport=wire) as made:
        yield made


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def test_every_customer_method_sync(client: malomo.Malomo, wire: Wire) -> None:
    created = client.customers.create(email="sync@example.com", first_name="Ann", last_name="Lee")
    assert sent_json(wire.sent[-1]) == {"email": "sync@example.com", "first_name": "Ann", "last_name": "Lee"}
    assert client.customers.retrieve(created.id) == created

    updated = client.customers.update(created.id, first_name=None, phone_number="555-0100")
    # None is sent as null (and clears); what was not passed is not sent (and is kept).
    assert sent_json(wire.sent[-1]) == {"first_name": None, "phone_number": "555-0100"}
    assert (updated.first_name, updated.last_name, updated.phone_number) == (None, "Lee", "555-0100")

    events = list(client.customers.events.list(created.id))
    assert [event.type_ for event in events] == ["CustomerCreated", "CustomerUpdated"]
    assert created.id in {customer.id for customer in client.customers.list()}

    client.customers.delete(created.id)
    with pytest.raises(malomo.NotFoundError):
        client.customers.retrieve(created.id)


def test_every_customer_method_async(server: RunningServer) -> None:
    wire = AsyncWire()

    async def scenario() -> None:
        async with malomo.AsyncMalomo(server.api_key, base_url=server.base_url, transport=wire) as client:
            created = await client.customers.create(
                **new_customer(email="async@example.com", last_name="Rose")
            )
            assert await client.customers.retrieve(created.id) == created
            updated = await client.customers.update(created.id, last_name=None)
            assert sent_json(wire.sent[-1]) == {"last_name": None}
            assert updated.last_name is None and updated.email == "async@example.com"
            page = await client.customers.events.list(created.id)
            assert [event.type_ async for event in page] == ["CustomerCreated", "CustomerUpdated"]
            assert created.id in {customer.id async for customer in await client.customers.list()}
            await client.customers.delete(created.id)
            with pytest.raises(malomo.NotFoundError):
                await client.customers.retrieve(created.id)

    asyncio.run(scenario())


def test_a_list_is_a_page_that_walks_lazily_and_resumes_from_a_cursor(server: RunningServer) -> None:
    with running(page_size=PAGE_SIZE) as own:
        wire = Wire()
        with malomo.Malomo(own.api_key, base_url=own.base_url, transport=wire) as client:
            emails = [
                client.customers.create(**new_customer(email=f"p{n}@example.com")).email for n in range(5)
            ]
            sent_before = len(wire.sent)
            first = client.customers.list()
            assert [c.email for c in first.items] == emails[:2]
            assert first.prev_cursor is None and first.next_cursor is not None
            assert len(wire.sent) == sent_before + 1  # the later pages are not fetched yet

            walk = iter(first)
            assert [next(walk).email for _ in range(3)] == emails[:3]
            assert len(wire.sent) == sent_before + 2  # one more page, when its first item was wanted

            assert [c.email for c in first] == emails
            assert [len(page.items) for page in first.iter_pages()] == [2, 2, 1]
            resumed = client.customers.list(next=first.next_cursor)
            assert [c.email for c in resumed.items] == emails[2:4]
            assert resumed.prev_cursor is not None
            assert [c.email for c in client.customers.list(prev=resumed.prev_cursor).items] == emails[:2]


def test_an_async_list_is_walked_directly_lazily_or_awaited_for_its_first_page() -> None:
    async def scenario(own: RunningServer, wire: AsyncWire) -> None:
        async with malomo.AsyncMalomo(own.api_key, base_url=own.base_url, transport=wire) as client:
            emails = [
                (await client.customers.create(**new_customer(email=f"a{n}@example.com"))).email
                for n in range(5)
            ]
            sent_before = len(wire.sent)
            listing = client.customers.list()
            assert len(wire.sent) == sent_before  # nothing is sent before it is awaited or walked
            walk = aiter(listing)
            assert [(await anext(walk)).email for _ in range(3)] == emails[:3]
            assert len(wire.sent) == sent_before + 2  # the second page when its first item was wanted
            assert [c.email async for c in client.customers.list()] == emails
            assert len(wire.sent) == sent_before + 5

            first = await client.customers.list()  # the awaited form: the first page
            assert isinstance(first, malomo.AsyncPage) and [c.email for c in first.items] == emails[:2]
            assert first.next_cursor is not None
            resumed = client.customers.list(next=first.next_cursor)
            assert [c.email async for c in resumed] == emails[2:]
            assert [len(page.items) async for page in (await listing).iter_pages()] == [2, 2, 1]

    with running(page_size=PAGE_SIZE) as own:
        asyncio.run(scenario(own, AsyncWire()))


def test_path_ids_may_be_given_as_text(client: malomo.Malomo, wire: Wire) -> None:
    created = client.customers.create(**new_customer(email="text-id@example.com"))
    text = str(created.id)
    assert client.customers.retrieve(text) == created
    assert wire.sent[-1].url.path == f"/customers/{text}"
    assert client.customers.update(text.upper(), first_name="Text").first_name == "Text"
    assert wire.sent[-1].url.path == f"/customers/{text}"  # sent in the canonical form
    assert len(client.customers.events.list(text).items) == 2
    assert client.customers.with_raw_response.retrieve(text).parse().id == created.id
    client.customers.delete(text)
    with pytest.raises(malomo.NotFoundError) as raised:
        client.customers.retrieve(text)  # an unknown id is still the server's 404
    assert raised.value.request_id


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (lambda c: c.customers.retrieve("ann@example.com"), r"^customers\.retrieve\(\): id is not a UUID"),
        (lambda c: c.customers.delete(".."), r"^customers\.delete\(\): id is not a UUID"),
        (lambda c: c.customers.update("", first_name="x"), r"^customers\.update\(\): id is not a UUID"),
        (lambda c: c.customers.events.list("../x"), r"^customers\.events\.list\(\): customer_id is not"),
        (lambda c: c.customers.with_raw_response.retrieve("1"), r"^customers\.retrieve\(\): id is not"),
    ],
)
def test_a_path_id_that_is_not_a_uuid_is_refused_before_sending_naming_the_argument(
    client: malomo.Malomo, wire: Wire, call: Any, complaint: str
) -> None:
    # Sent as is, ".." or "" would change the path: delete("..") would be DELETE /.
    with pytest.raises(ValueError, match=complaint) as raised:
        call(client)
    assert "ann@example.com" not in str(raised.value)  # the value may be anything: it is not shown
    assert raised.traceback[-1].name == "path_id"  # raised by the check, not deep inside a request
    assert wire.sent == []


def test_a_path_id_of_another_type_is_a_type_error_naming_the_argument(client: malomo.Malomo) -> None:
    wrong: Any = 12345
    with pytest.raises(TypeError, match=r"^customers\.retrieve\(\): id must be a UUID or its text, got int$"):
        client.customers.retrieve(wrong)


def test_async_path_ids_may_be_given_as_text_and_are_checked(server: RunningServer) -> None:
    async def scenario() -> None:
        async with malomo.AsyncMalomo(server.api_key, base_url=server.base_url) as client:
            created = await client.customers.create(**new_customer(email="async-text-id@example.com"))
            assert await client.customers.retrieve(str(created.id)) == created
            assert len([e async for e in client.customers.events.list(str(created.id))]) == 1
            with pytest.raises(ValueError, match=r"^customers\.delete\(\): id is not a UUID"):
                await client.customers.delete("..")

    asyncio.run(scenario())


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
    deleted = raw.delete(customer.id)
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
            assert (await raw.delete(customer.id)).status_code == 204

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
