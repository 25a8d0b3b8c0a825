"""A customer's life as the contract describes it: create, read back, partial update, event log, delete.

Every field of the create and update bodies is read from the spec, so a field the spec adds is covered here
with no change: each field sent is read back exactly, `null` clears each nullable one, a field left out is
kept, and each kind of update (set a field, clear it) is recorded in the event log.
"""

from __future__ import annotations

from typing import Any

import pytest

from malomo_contract.contract_checks import (
    created_customer_has_the_sent_fields,
    deleted_customer_is_not_found,
    get_returns_the_customer_as_last_written,
    update_applies_every_sent_field,
    update_keeps_left_out_fields,
    updated_at_is_not_before_created_at,
    updated_at_moves_forward,
    updates_are_recorded_in_event_log,
)
from malomo_contract.customers_api import CustomersApi, customer_path
from malomo_contract.profiles import Profile
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.spec_contract import operation, operations
from malomo_contract.spec_values import field_value, valid_body

pytestmark = pytest.mark.writes

CREATE = operation("createCustomer")
UPDATE = operation("updateCustomer")
CREATE_FIELDS = CREATE.body_fields()
UPDATE_FIELDS = UPDATE.body_fields()
NULLABLE_ON_CREATE = [name for name, field in CREATE_FIELDS.items() if field.nullable]
OPTIONAL_ON_CREATE = [name for name, field in CREATE_FIELDS.items() if not field.required]
# (how, field): set each field of the update body to a new value, and clear each nullable one with null.
UPDATE_KINDS = [("set", name) for name in UPDATE_FIELDS] + [
    ("clear", name) for name, field in UPDATE_FIELDS.items() if field.nullable
]


def _count_events(api: CustomersApi, customer_id: str, max_pages: int) -> int:
    return len(
        api.walk(
            api.first_page(customer_path("listCustomerEvents", customer_id)), rel="next", max_pages=max_pages
        ).items
    )


def _create_body(how: str, name: str | None) -> dict[str, Any]:
    body = valid_body(CREATE, "create", every_field=how == "every field")
    if name is not None:
        field = CREATE_FIELDS[name]
        body[name] = None if how == "null" else field_value(field, 1, label="create")
    return body


CREATE_CASES = [
    pytest.param("required only", None, id="required fields only"),
    pytest.param("every field", None, id="every field"),
    *(pytest.param("set", name, id=f"{name} set") for name in OPTIONAL_ON_CREATE),
    *(pytest.param("null", name, id=f"{name} null") for name in NULLABLE_ON_CREATE),
]


@pytest.mark.parametrize("how,name", CREATE_CASES)
def test_created_customer_reads_back_exactly_as_sent(how: str, name: str | None, api: CustomersApi) -> None:
    sent = _create_body(how, name)
    created = api.expect_object(api.create(sent), operation("createCustomer").label)
    created_customer_has_the_sent_fields(sent, created, NULLABLE_ON_CREATE)
    updated_at_is_not_before_created_at(created)
    get_returns_the_customer_as_last_written(created, api.get_customer(created[ID_FIELD]))


@pytest.mark.parametrize("how,name", [pytest.param(h, n, id=f"{n} {h}") for h, n in UPDATE_KINDS])
def test_update_applies_the_field_keeps_the_others_and_is_logged(
    how: str, name: str, api: CustomersApi, profile: Profile
) -> None:
    before = api.create_customer("update", **valid_body(CREATE, "update", every_field=True))
    events_before = _count_events(api, before[ID_FIELD], profile.max_walk_pages)
    patch = {name: None if how == "clear" else field_value(UPDATE_FIELDS[name], 2, label="updated")}
    answered = api.update_customer(before[ID_FIELD], patch)
    fetched = api.get_customer(before[ID_FIELD])
    update_applies_every_sent_field(patch, fetched)
    update_keeps_left_out_fields(before, patch, fetched)
    get_returns_the_customer_as_last_written(answered, fetched)
    updated_at_moves_forward(before, fetched)
    updated_at_is_not_before_created_at(fetched)
    updates_are_recorded_in_event_log(
        events_before,
        _count_events(api, before[ID_FIELD], profile.max_walk_pages),
        1,
        f"update that {'clears' if how == 'clear' else 'sets'} `{name}`",
    )


def test_update_with_every_field_applies_them_all(api: CustomersApi) -> None:
    before = api.create_customer("update-all", **valid_body(CREATE, "update-all", every_field=True))
    patch = valid_body(UPDATE, "updated-all", 3, every_field=True)
    answered = api.update_customer(before[ID_FIELD], patch)
    fetched = api.get_customer(before[ID_FIELD])
    update_applies_every_sent_field(patch, fetched)
    get_returns_the_customer_as_last_written(answered, fetched)
    updated_at_moves_forward(before, fetched)


def test_update_with_an_empty_body_keeps_every_field(api: CustomersApi) -> None:
    before = api.create_customer("update-empty", **valid_body(CREATE, "update-empty", every_field=True))
    answered = api.update_customer(before[ID_FIELD], {})
    fetched = api.get_customer(before[ID_FIELD])
    update_keeps_left_out_fields(before, {}, fetched)
    get_returns_the_customer_as_last_written(answered, fetched)


def test_successive_updates_each_stay_visible(api: CustomersApi) -> None:
    customer = api.create_customer("successive")
    names = list(UPDATE_FIELDS)
    for step in range(4):
        name = names[step % len(names)]
        patch = {name: field_value(UPDATE_FIELDS[name], step + 4, label=f"successive-{step}")}
        answered = api.update_customer(customer[ID_FIELD], patch)
        fetched = api.get_customer(customer[ID_FIELD])
        update_applies_every_sent_field(patch, fetched)
        update_keeps_left_out_fields(customer, patch, fetched)
        get_returns_the_customer_as_last_written(answered, fetched)
        updated_at_moves_forward(customer, fetched)
        customer = fetched


def test_deleted_customer_is_not_found_by_any_operation(api: CustomersApi) -> None:
    if not any(op.operation_id == "deleteCustomer" for op in operations()):
        pytest.skip("the spec has no deleteCustomer operation")
    customer = api.create_customer("delete")
    response = api.delete(customer[ID_FIELD])
    delete = operation("deleteCustomer").label
    assert response.status_code == 204, f"{delete}: expected 204, got {response.status_code}"
    deleted_customer_is_not_found(api.get(customer[ID_FIELD]), operation("getCustomer").label)
    deleted_customer_is_not_found(api.update(customer[ID_FIELD], {}), operation("updateCustomer").label)
    deleted_customer_is_not_found(api.list_events(customer[ID_FIELD]), operation("listCustomerEvents").label)
    deleted_customer_is_not_found(api.delete(customer[ID_FIELD]), f"{delete} (a second time)")
