"""A customer's life as the contract describes it: create, read back, partial update, event log, delete."""

from __future__ import annotations

from typing import Any

import pytest

from .contract_checks import (
    created_customer_has_the_sent_fields,
    deleted_customer_is_not_found,
    get_returns_the_customer_as_last_written,
    update_applies_every_sent_field,
    update_keeps_left_out_fields,
    updated_at_is_not_before_created_at,
    updated_at_moves_forward,
    updates_are_recorded_in_event_log,
)
from .customer_records import tagged_email
from .customers_api import CustomersApi
from .profiles import Profile

pytestmark = pytest.mark.writes

CREATE_BODIES: dict[str, dict[str, Any]] = {
    "all fields": {"first_name": "Johnny", "last_name": "Rose", "phone_number": "555-555-5555"},
    "email only": {},
    "explicit nulls": {"first_name": None, "last_name": None, "phone_number": None},
    "unicode and punctuation": {
        "first_name": "Zoë",
        "last_name": "O'Brien-Łukasz 李",
        "phone_number": "+1 (555) 0100",
    },
    "empty strings": {"first_name": "", "last_name": "", "phone_number": ""},
    "longest allowed": {"first_name": "f" * 255, "last_name": "l" * 255, "phone_number": "9" * 64},
}
UPDATES: dict[str, dict[str, Any]] = {
    "one field": {"phone_number": "555-555-0100"},
    "every field": {"first_name": "Alexis", "last_name": "Rose", "phone_number": "555-0199"},
    "null clears a field": {"last_name": None},
    "null clears every optional field": {"first_name": None, "last_name": None, "phone_number": None},
    "email": {"email": "SENTINEL"},
    "empty body": {},
}


def _count_events(api: CustomersApi, customer_id: str, max_pages: int) -> int:
    return len(
        api.walk(api.first_page(f"/customers/{customer_id}/events"), rel="next", max_pages=max_pages).items
    )


@pytest.mark.parametrize("body_name", list(CREATE_BODIES))
def test_created_customer_reads_back_exactly_as_sent(body_name: str, api: CustomersApi) -> None:
    sent = {"email": tagged_email("create"), **CREATE_BODIES[body_name]}
    created = api.expect_object(api.create(sent), "POST /customers")
    created_customer_has_the_sent_fields(sent, created)
    updated_at_is_not_before_created_at(created)
    get_returns_the_customer_as_last_written(created, api.get_customer(created["id"]))


@pytest.mark.parametrize("update_name", list(UPDATES))
def test_update_applies_sent_fields_and_keeps_the_others(update_name: str, api: CustomersApi) -> None:
    before = api.create_customer("update", first_name="Johnny", last_name="Rose", phone_number="555-555-5555")
    patch = dict(UPDATES[update_name])
    if patch.get("email") == "SENTINEL":
        patch["email"] = tagged_email("updated")
    answered = api.update_customer(before["id"], patch)
    fetched = api.get_customer(before["id"])
    update_applies_every_sent_field(patch, fetched)
    update_keeps_left_out_fields(before, patch, fetched)
    get_returns_the_customer_as_last_written(answered, fetched)
    updated_at_moves_forward(before, fetched)
    updated_at_is_not_before_created_at(fetched)


def test_successive_updates_each_stay_visible(api: CustomersApi) -> None:
    customer = api.create_customer("successive")
    for step in range(4):
        patch = {"first_name": f"Name {step}"} if step % 2 == 0 else {"phone_number": f"555-{step:04d}"}
        answered = api.update_customer(customer["id"], patch)
        fetched = api.get_customer(customer["id"])
        update_applies_every_sent_field(patch, fetched)
        update_keeps_left_out_fields(customer, patch, fetched)
        get_returns_the_customer_as_last_written(answered, fetched)
        updated_at_moves_forward(customer, fetched)
        customer = fetched


def test_updates_are_recorded_in_the_event_log(api: CustomersApi, profile: Profile) -> None:
    customer = api.create_customer("events")
    before = _count_events(api, customer["id"], profile.max_walk_pages)
    updates = 3
    for step in range(updates):
        api.update_customer(customer["id"], {"first_name": f"Event {step}"})
    updates_are_recorded_in_event_log(
        before, _count_events(api, customer["id"], profile.max_walk_pages), updates
    )


def test_deleted_customer_is_not_found_by_any_operation(api: CustomersApi) -> None:
    customer = api.create_customer("delete")
    response = api.delete(customer["id"])
    assert response.status_code == 204, f"DELETE /customers/{{id}}: expected 204, got {response.status_code}"
    deleted_customer_is_not_found(api.get(customer["id"]), "GET /customers/{id}")
    deleted_customer_is_not_found(api.update(customer["id"], {"first_name": "Ghost"}), "PUT /customers/{id}")
    deleted_customer_is_not_found(api.list_events(customer["id"]), "GET /customers/{customer_id}/events")
    deleted_customer_is_not_found(api.delete(customer["id"]), "DELETE /customers/{id} (a second time)")
