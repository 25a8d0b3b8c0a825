"""malomo.Malomo and AsyncMalomo, the resource-style clients, against the reference server over loopback:
every resource method sync and async, pages, and path ids given as text."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from resource_wire import PAGE_SIZE, AsyncWire, Wire, malomo_over_wire, new_wire, sent_json

import malomo
from malomo_mock import RunningServer, running
from malomo_spec import Operation
from support.customer_bodies import new_customer
from support.spec_deletes import CUSTOMER_DELETE, bound_method, customer_delete_params, needs_customer_delete

# Fixtures, from functions shared with the other module of this behaviour.
wire = pytest.fixture(new_wire)
client = pytest.fixture(malomo_over_wire)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """This module's own reference server, with small pages (the `client` fixture talks to it)."""
    with running(page_size=PAGE_SIZE) as served:
        yield served


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


@pytest.mark.parametrize("delete", customer_delete_params())
def test_delete_sync(client: malomo.Malomo, delete: Operation) -> None:
    created = client.customers.create(**new_customer(email="sync-delete@example.com"))
    assert bound_method(client, delete)(created.id) is None
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

    asyncio.run(scenario())


@pytest.mark.parametrize("delete", customer_delete_params())
def test_delete_async(server: RunningServer, delete: Operation) -> None:
    async def scenario() -> None:
        async with malomo.AsyncMalomo(server.api_key, base_url=server.base_url) as client:
            created = await client.customers.create(**new_customer(email="async-delete@example.com"))
            assert await bound_method(client, delete)(created.id) is None
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


@pytest.mark.parametrize("delete", customer_delete_params())
def test_a_delete_takes_the_id_as_text(client: malomo.Malomo, wire: Wire, delete: Operation) -> None:
    text = str(client.customers.create(**new_customer(email="text-id-delete@example.com")).id)
    bound_method(client, delete)(text.upper())
    assert wire.sent[-1].url.path == f"/customers/{text}"  # sent in the canonical form
    with pytest.raises(malomo.NotFoundError) as raised:
        client.customers.retrieve(text)  # an unknown id is still the server's 404
    assert raised.value.request_id


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (lambda c: c.customers.retrieve("ann@example.com"), r"^customers\.retrieve\(\): id is not a UUID"),
        pytest.param(
            lambda c: bound_method(c, CUSTOMER_DELETE)("..") if CUSTOMER_DELETE else None,
            r"^customers\.delete\(\): id is not a UUID",
            marks=needs_customer_delete,
        ),
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
            with pytest.raises(ValueError, match=r"^customers\.update\(\): id is not a UUID"):
                await client.customers.update("..")
            if CUSTOMER_DELETE is not None:  # the same check on every method that takes an id
                with pytest.raises(ValueError, match=r"^customers\.delete\(\): id is not a UUID"):
                    await bound_method(client, CUSTOMER_DELETE)("..")

    asyncio.run(scenario())
