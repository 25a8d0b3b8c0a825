# ruff: noqa: B018  (attributes of results are read only to be rejected)
"""Typing test: deliberate mistakes, each of which `mypy --strict` must reject. Never run.

Each line ends with the error code mypy must give (as a `type: ignore`, so that the project's own mypy run
passes while every mistake is still rejected) and `# E: <text>`, a part of the message that
tests/client/test_typing.py asserts after running mypy on a copy without the ignores.
"""

from __future__ import annotations

import uuid

import malomo
from malomo_client import AuthenticatedClient
from malomo_client.api.customers import get_customer, list_customer_events, update_customer
from malomo_client.models import CustomerCreate


def resource_mistakes(client: malomo.Malomo, customer_id: uuid.UUID) -> None:
    client.customers.retrieve(12345)  # type: ignore[arg-type]  # E: "int"; expected "str | UUID"
    client.customers.events.list(b"a0a877c6-4164-4e8a-8179-48f8d4752b4e")  # type: ignore[arg-type]  # E: "bytes"; expected "str | UUID"
    client.customers.create(email="a@example.com", no_such_field="x")  # type: ignore[call-arg]  # E: Unexpected keyword argument "no_such_field"
    client.customers.create(first_name="Ann")  # type: ignore[call-arg]  # E: Missing named argument "email"
    client.customers.update(customer_id, first_name=3)  # type: ignore[arg-type]  # E: "int"; expected "str | Unset | None"
    client.customers.list(timeout="soon")  # type: ignore[arg-type]  # E: Argument "timeout" to "list" of "Customers" has incompatible type "str"
    client.customers.list(timout=1)  # type: ignore[call-arg]  # E: Unexpected keyword argument "timout"
    client.customers.retrieve(customer_id).emial  # type: ignore[attr-defined]  # E: "Customer" has no attribute "emial"
    [c.emial for c in client.customers.list()]  # type: ignore[attr-defined]  # E: "Customer" has no attribute "emial"
    client.customers.events.list()  # type: ignore[call-arg]  # E: Missing positional argument "customer_id"
    client.customers.retrieve(customer_id)["email"]  # type: ignore[index]  # E: Value of type "Customer" is not indexable
    first = client.customers.list()
    client.customers.list(next=first.next_cursor)  # type: ignore[arg-type]  # E: "str | None"; expected "str | Unset"


async def async_mistakes(client: malomo.AsyncMalomo, customer_id: uuid.UUID) -> None:
    for customer in await client.customers.list():  # type: ignore[attr-defined]  # E: has no attribute "__iter__"
        print(customer)
    client.customers.retrieve(customer_id).email  # type: ignore[attr-defined]  # E: "Coroutine[Any, Any, Customer]" has no attribute "email"
    for listed in client.customers.list():  # type: ignore[attr-defined]  # E: "AsyncPaginator[Customer]" has no attribute "__iter__"
        print(listed)
    client.customers.list().items  # type: ignore[attr-defined]  # E: "AsyncPaginator[Customer]" has no attribute "items"


def generic_mistakes(client: AuthenticatedClient, customer_id: uuid.UUID) -> None:
    malomo.call(get_customer, custmer_id=customer_id, client=client)  # type: ignore[call-overload]  # E: No overload variant of "call" matches argument types Module, "UUID", "AuthenticatedClient"
    malomo.call(update_customer, customer_id, client=client, body=CustomerCreate(email="a@example.com"))  # type: ignore[arg-type]  # E: "CustomerCreate"; expected "CustomerUpdate"
    malomo.call(get_customer, customer_id)  # type: ignore[call-overload]  # E: No overload variant of "call" matches argument types Module, "UUID"
    malomo.call(get_customer, "a0a877c6-4164-4e8a-8179-48f8d4752b4e", client=client)  # type: ignore[arg-type]  # E: "str"; expected "UUID"
    malomo.call(len, [1])  # type: ignore[call-overload]  # E: No overload variant of "call" matches
    malomo.call(get_customer.asyncio_detailed, customer_id, client=client)  # type: ignore[arg-type]  # E: Argument 1 to "call" has incompatible type "def asyncio_detailed
    malomo.paginate(list_customer_events, custmer_id=customer_id, client=client)  # type: ignore[call-overload]  # E: No overload variant of "paginate" matches
    [c.emial for c in malomo.paginate(list_customer_events, customer_id, client=client)]  # type: ignore[attr-defined]  # E: "Event" has no attribute "emial"
