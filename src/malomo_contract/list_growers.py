"""How the suite reaches each list operation of the spec, and how it adds a record to it on a target that
allows writes: the customer list grows by a create, a customer's event log by an update (the spec says each
update is recorded there). A list of the spec missing here fails `test_every_list_of_the_spec_is_walked`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from malomo_contract.customer_records import CUSTOMERS_PATH
from malomo_contract.customers_api import CustomersApi
from malomo_contract.record_fields import EVENTS_CUSTOMER_PARAMETER, ID_FIELD
from malomo_contract.spec_contract import Operation, operation
from malomo_contract.spec_values import field_value
from malomo_contract.target import ContractTarget

UPDATE = operation("updateCustomer")
# Set on each update that grows an event log: the first optional field of the update body.
EVENT_FIELD = next(field for field in UPDATE.body_fields().values() if not field.required)


@dataclass
class ListUnderTest:
    """One list of the spec, where it is, and how the suite adds a record to it (None: it cannot)."""

    operation: Operation
    # The path parameters it is listed under (its parent's ids), and the path they make.
    parameters: dict[str, str]
    path: str
    # Adds one record; returns its id when the list's items are the records themselves.
    grow: Callable[[], str | None] | None


def _customers(api: CustomersApi, target: ContractTarget) -> ListUnderTest:
    def grow() -> str:
        return str(api.create_customer("walk")[ID_FIELD])

    return ListUnderTest(
        operation("listCustomers"), {}, CUSTOMERS_PATH, grow if target.allows_writes else None
    )


def _events(api: CustomersApi, target: ContractTarget) -> ListUnderTest | None:
    """A customer's event log; the spec says each update of the customer is recorded in it."""
    list_events = operation("listCustomerEvents")
    if target.allows_writes:
        customer_id = str(api.create_customer("event-walk")[ID_FIELD])
        count = 0

        def grow() -> str | None:
            nonlocal count
            count += 1
            api.update_customer(
                customer_id, {EVENT_FIELD.name: field_value(EVENT_FIELD, count, label="walk")}
            )
            return None

        parent = {EVENTS_CUSTOMER_PARAMETER: customer_id}
        return ListUnderTest(list_events, parent, list_events.url_path(parent), grow)
    listed = api.first_page(CUSTOMERS_PATH).items
    if not listed:
        return None
    parent = {EVENTS_CUSTOMER_PARAMETER: str(listed[0][ID_FIELD])}
    return ListUnderTest(list_events, parent, list_events.url_path(parent), None)


LISTS: dict[str, Callable[[CustomersApi, ContractTarget], ListUnderTest | None]] = {
    "listCustomers": _customers,
    "listCustomerEvents": _events,
}
