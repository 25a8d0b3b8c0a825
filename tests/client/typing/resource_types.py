"""Typing test, checked by `mypy --strict` (tests/client/test_typing.py and CI's lint run): the resource
methods' arguments and options, pages and raw answers, and the generic layer's results, are typed exactly.
Each resource method's own result type is checked by lines test_typing.py writes from the spec (no method
is named here that a spec edit could remove). Never run."""

from __future__ import annotations

import uuid
from typing import assert_type

import malomo
from malomo_client import AuthenticatedClient
from malomo_client.api.customers import get_customer, list_customer_events, list_customers
from malomo_client.models import Customer, Event


def sync_resources(client: malomo.Malomo, customer_id: uuid.UUID) -> None:
    assert_type(client.customers.create(email="a@example.com", first_name=None), Customer)
    assert_type(client.customers.retrieve(customer_id, timeout=2.0), Customer)
    assert_type(client.customers.retrieve("a0a877c6-4164-4e8a-8179-48f8d4752b4e"), Customer)
    assert_type(client.customers.update(str(customer_id), first_name="Ann"), Customer)
    assert_type(client.customers.events.list(str(customer_id)), malomo.SyncPage[Event])
    assert_type(client.customers.update(customer_id, phone_number=None, max_retries=0), Customer)
    page = client.customers.list(next="cursor", extra_query={"a": "b"})
    assert_type(page, malomo.SyncPage[Customer])
    assert_type(page.items, list[Customer])
    assert_type(page.next_cursor, str | None)
    assert_type(page.prev_cursor, str | None)
    assert_type(next(iter(page)), Customer)
    assert_type(next(page.iter_pages()), malomo.SyncPage[Customer])
    assert_type(client.customers.events.list(customer_id), malomo.SyncPage[Event])
    raw = client.customers.with_raw_response
    assert_type(raw.create(email="a@example.com"), malomo.RawResponse[Customer])
    assert_type(raw.retrieve(customer_id).parse(), Customer)
    assert_type(raw.update(customer_id).request_id, str | None)
    assert_type(raw.list().parse(), malomo.SyncPage[Customer])
    assert_type(client.customers.events.with_raw_response.list(customer_id).parse(), malomo.SyncPage[Event])
    assert_type(client.with_options(timeout=1), malomo.Malomo)


async def async_resources(client: malomo.AsyncMalomo, customer_id: uuid.UUID) -> None:
    assert_type(await client.customers.create(email="a@example.com"), Customer)
    assert_type(await client.customers.retrieve(customer_id), Customer)
    assert_type(await client.customers.update(customer_id, email="b@example.com"), Customer)
    assert_type(await client.customers.retrieve(str(customer_id)), Customer)
    assert_type(client.customers.list(), malomo.AsyncPaginator[Customer])
    assert_type([customer async for customer in client.customers.list(next="cursor")], list[Customer])
    assert_type([event async for event in client.customers.events.list(str(customer_id))], list[Event])
    page = await client.customers.list()
    assert_type(page, malomo.AsyncPage[Customer])
    assert_type([customer async for customer in page], list[Customer])
    assert_type([one async for one in page.iter_pages()], list[malomo.AsyncPage[Customer]])
    assert_type(await client.customers.events.list(customer_id), malomo.AsyncPage[Event])
    raw = client.customers.with_raw_response
    assert_type(await raw.create(email="a@example.com"), malomo.RawResponse[Customer])
    assert_type((await raw.retrieve(customer_id)).parse(), Customer)
    assert_type(await raw.update(customer_id), malomo.RawResponse[Customer])
    assert_type((await raw.list()).parse(), malomo.AsyncPage[Customer])
    events = await client.customers.events.with_raw_response.list(customer_id)
    assert_type(events.parse(), malomo.AsyncPage[Event])
    assert_type(client.with_options(max_retries=1), malomo.AsyncMalomo)


async def generic_layer(client: AuthenticatedClient, customer_id: uuid.UUID) -> None:
    assert_type(malomo.call(get_customer, customer_id, client=client), Customer)
    assert_type(malomo.call(get_customer.sync_detailed, customer_id, client=client), Customer)
    assert_type(await malomo.acall(get_customer, customer_id, client=client), Customer)
    assert_type(await malomo.acall(get_customer.asyncio_detailed, customer_id, client=client), Customer)
    assert_type(next(malomo.paginate(list_customers, client=client)), Customer)
    assert_type(next(malomo.paginate(list_customer_events, customer_id, client=client)), Event)
    events = malomo.apaginate(list_customer_events, customer_id, client=client)
    assert_type([event async for event in events], list[Event])
