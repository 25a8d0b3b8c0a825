"""Deleting through the generated operations (`malomo.call`, `malomo.acall`) against the reference server:
parametrized over the spec's delete of a customer, skipped, naming it, when the spec has none."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import malomo
from malomo_client import AuthenticatedClient
from malomo_client.api.customers import create_customer, get_customer
from malomo_client.models import Customer, CustomerCreate
from malomo_mock import RunningServer, running
from malomo_spec import Operation
from support.customer_bodies import new_customer
from support.spec_deletes import customer_delete_params, generated_module


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running() as served:
        yield served


@pytest.fixture
def client(server: RunningServer) -> Iterator[AuthenticatedClient]:
    with malomo.connect(server.api_key, base_url=server.base_url) as connected:
        yield connected


def _created(client: AuthenticatedClient, email: str) -> Customer:
    customer: Customer = malomo.call(
        create_customer, client=client, body=CustomerCreate.from_dict(new_customer(email=email))
    )
    return customer


@pytest.mark.parametrize("delete", customer_delete_params())
def test_a_deleted_customer_is_not_found_with_a_typed_error_sync_and_async(
    client: AuthenticatedClient, server: RunningServer, delete: Operation
) -> None:
    created, other = _created(client, "gone@example.com"), _created(client, "gone.async@example.com")
    assert malomo.call(generated_module(delete), created.id, client=client) is None
    with pytest.raises(malomo.NotFoundError) as caught:
        malomo.call(get_customer, created.id, client=client)
    assert caught.value.status == 404 and caught.value.code == "not_found"
    assert caught.value.request_id and caught.value.request_id == caught.value.headers["x-request-id"]

    async def scenario() -> None:
        async with malomo.connect(server.api_key, base_url=server.base_url) as aclient:
            assert await malomo.acall(generated_module(delete), other.id, client=aclient) is None
            with pytest.raises(malomo.NotFoundError):
                await malomo.acall(get_customer, other.id, client=aclient)

    asyncio.run(scenario())
