"""Reference server: create, retrieve, update and delete customers, and their event logs, over real HTTP."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from mock_api_calls import CREATE_FIELDS, SPEC, assert_error, create, properties

import malomo_spec
from malomo_mock import create_app
from malomo_spec import Operation
from support.customer_bodies import REQUIRED_ON_CREATE, new_customer
from support.spec_deletes import customer_delete_params, send_delete
from support.spec_document import DOCUMENT

# Create, retrieve, update, delete


def test_create_returns_the_customer_with_a_uuid4_and_utc_timestamps(api: httpx.Client) -> None:
    customer = create(api, first_name="Moira", last_name="Rose", phone_number="555-0100")
    assert uuid.UUID(customer["id"]).version == 4
    assert str(uuid.UUID(customer["id"])) == customer["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", customer["created_at"])
    assert customer["updated_at"] == customer["created_at"]
    assert (customer["first_name"], customer["last_name"], customer["phone_number"]) == (
        "Moira",
        "Rose",
        "555-0100",
    )


def test_create_then_get_returns_exactly_the_same_json(api: httpx.Client) -> None:
    response = api.post("/customers", json=new_customer(email="david@rosevideo.com", first_name="David"))
    fetched = api.get(f"/customers/{response.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.content == response.content


def test_optional_fields_left_out_read_back_as_their_default_else_null(api: httpx.Client) -> None:
    customer = create(api)
    answered = properties("Customer")
    optional = {
        name: answered[name].get("default") for name in CREATE_FIELDS if name not in REQUIRED_ON_CREATE
    }
    assert optional and {name: customer[name] for name in optional} == optional


def test_update_keeps_fields_left_out_and_clears_explicit_nulls(api: httpx.Client) -> None:
    customer = create(api, first_name="Alexis", last_name="Rose", phone_number="555")
    response = api.put(f"/customers/{customer['id']}", json={"first_name": None, "email": "alexis@rose.com"})
    assert response.status_code == 200
    updated = response.json()
    assert updated["first_name"] is None
    assert updated["email"] == "alexis@rose.com"
    assert updated["last_name"] == "Rose" and updated["phone_number"] == "555"
    assert updated["created_at"] == customer["created_at"]
    assert api.get(f"/customers/{customer['id']}").json() == updated


def test_update_moves_updated_at_strictly_forward_every_time(api: httpx.Client) -> None:
    customer = create(api)
    previous = customer["updated_at"]
    for _ in range(20):
        updated = api.put(f"/customers/{customer['id']}", json={}).json()
        assert updated["updated_at"] > previous >= customer["created_at"]
        previous = updated["updated_at"]


def test_update_refuses_null_email(api: httpx.Client) -> None:
    customer = create(api)
    assert_error(api.put(f"/customers/{customer['id']}", json={"email": None}), 400)
    assert api.get(f"/customers/{customer['id']}").json()["email"] == customer["email"]


@pytest.mark.parametrize("delete", customer_delete_params())
def test_delete_answers_204_and_the_customer_is_gone(api: httpx.Client, delete: Operation) -> None:
    customer = create(api)
    response = send_delete(api, delete, customer["id"])
    assert response.status_code == 204 and response.content == b""
    assert_error(api.get(f"/customers/{customer['id']}"), 404)
    assert_error(send_delete(api, delete, customer["id"]), 404)
    assert_error(api.put(f"/customers/{customer['id']}", json={}), 404)


@pytest.mark.parametrize("delete", customer_delete_params())
def test_delete_removes_events(api: httpx.Client, delete: Operation) -> None:
    customer = create(api)
    assert api.get(f"/customers/{customer['id']}/events").status_code == 200
    send_delete(api, delete, customer["id"])
    assert_error(api.get(f"/customers/{customer['id']}/events"), 404)


def test_delete_removes_the_rows_from_the_store() -> None:
    app = create_app("sk_test_store")
    store = app.state.store
    customer = store.create_customer(new_customer(email="a@b.co"))
    assert store.delete_customer(customer["id"])
    rows = store._db.execute(
        "SELECT count(*) FROM events WHERE customer_id = ?", (customer["id"],)
    ).fetchone()
    assert rows[0] == 0
    store.close()


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "a0a877c6-4164-4e8a-8179-48f8d4752b4",
        "a0a877c64164-4e8a-8179-48f8d4752b4e0",
        "{a0a877c6-4164-4e8a-8179-48f8d4752b4e}",
        "a0a877c6416448a8179a48f8d4752b4e",
        "%20",
        "%00",
        "caf%C3%A9",
        "%F0%9F%98%80",
        "..",
        "a0a877c6-4164-4e8a-8179-48f8d4752b4e%0A",
        "urn:uuid:a0a877c6-4164-4e8a-8179-48f8d4752b4e",
    ],
)
def test_malformed_ids_are_404_for_every_operation(api: httpx.Client, bad_id: str) -> None:
    with_an_id = [op for op in malomo_spec.operations(DOCUMENT) if op.path_parameters]
    assert with_an_id
    for operation in with_an_id:
        url = operation.url_path(dict.fromkeys(operation.path_parameters, bad_id))
        assert_error(
            api.request(operation.method, url, json={} if "requestBody" in operation.node else None), 404
        )


def test_unknown_id_is_404(api: httpx.Client) -> None:
    assert_error(api.get(f"/customers/{uuid.uuid4()}"), 404)


def test_upper_case_uuid_finds_the_customer(api: httpx.Client) -> None:
    customer = create(api)
    assert api.get(f"/customers/{customer['id'].upper()}").json() == customer


# Events


def test_create_and_update_are_recorded_as_events(api: httpx.Client) -> None:
    customer = create(api, first_name="Stevie")
    updated = api.put(
        f"/customers/{customer['id']}", json={"last_name": "Budd", "first_name": "Stevie"}
    ).json()
    events = api.get(f"/customers/{customer['id']}/events").json()
    assert [event["type"] for event in events] == ["CustomerCreated", "CustomerUpdated"]
    assert events[1]["properties"] == {"changed_fields": ["last_name"]}
    assert events[0]["created_at"] == customer["created_at"]
    assert events[1]["created_at"] == updated["updated_at"]
    for event in events:
        assert list(event) == list(SPEC["components"]["schemas"]["Event"]["properties"])
        assert isinstance(event["timestamp"], int)
        assert abs(event["timestamp"] - int(__import__("time").time())) < 120


def test_server_timestamps_always_carry_six_fraction_digits_so_their_text_sorts_by_time() -> None:
    app = create_app("sk_test_clock")
    store = app.state.store
    store._last_us = 1_799_999_999_999_999  # the next tick would land on a whole second
    customer = store.create_customer(new_customer(email="tick@clock.test"))
    assert customer["created_at"] == "2027-01-15T08:00:00.000001Z"
    store.close()
