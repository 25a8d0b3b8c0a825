"""Reference server under random hostile input: never a 5xx or a hang, only statuses the spec documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from malomo_mock import RunningServer

DOCUMENTED = {
    ("POST", "/customers"): {200, 400, 401, 413, 415},
    ("GET", "/customers"): {200, 400, 401},
    ("PUT", "/customers/{id}"): {200, 400, 401, 404, 413, 415},
    ("GET", "/customers/{id}"): {200, 401, 404},
    ("DELETE", "/customers/{id}"): {204, 401, 404},
    ("GET", "/customers/{id}/events"): {200, 400, 401, 404},
}
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(["email", "first_name", "last_name", "phone_number", "other"])
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(field_names, json_values, max_size=5).map(lambda value: json.dumps(value).encode()),
    st.dictionaries(field_names, st.text(), max_size=5).map(lambda value: json.dumps(value).encode()),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "",
        "application/json; charset=latin-1",
    ]
)
# Sent percent-encoded in full (a "/" too); "." and ".." would be resolved by the client, not sent.
path_ids = st.one_of(
    st.uuids().map(str), st.text(min_size=1, max_size=40).filter(lambda t: t not in {".", ".."})
)
cursors = st.none() | st.text(max_size=80)


def id_path(raw_id: str) -> str:
    return f"/customers/{quote(raw_id, safe='')}"


@pytest.fixture
def api(malomo_server: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {malomo_server.api_key}"}
    with httpx.Client(base_url=malomo_server.base_url, headers=headers, timeout=10) as client:
        yield client


def customer_id(api: httpx.Client) -> str:
    created: dict[str, Any] = api.post("/customers", json={"email": "target@hostile.test"}).json()
    return str(created["id"])


@SETTINGS
@given(body=bodies, content_type=content_types)
def test_random_create_bodies_get_a_documented_status(
    api: httpx.Client, body: bytes, content_type: str
) -> None:
    response = api.post("/customers", content=body, headers={"Content-Type": content_type})
    assert response.status_code in DOCUMENTED[("POST", "/customers")], response.text


@SETTINGS
@given(body=bodies, content_type=content_types, use_real_id=st.booleans(), raw_id=path_ids)
def test_random_update_bodies_and_ids_get_a_documented_status(
    api: httpx.Client, body: bytes, content_type: str, use_real_id: bool, raw_id: str
) -> None:
    path = id_path(customer_id(api) if use_real_id else raw_id)
    response = api.put(path, content=body, headers={"Content-Type": content_type})
    assert response.status_code in DOCUMENTED[("PUT", "/customers/{id}")], (path, response.text)


@SETTINGS
@given(raw_id=path_ids, next_cursor=cursors, prev_cursor=cursors)
def test_random_ids_and_cursors_get_a_documented_status(
    api: httpx.Client, raw_id: str, next_cursor: str | None, prev_cursor: str | None
) -> None:
    params = {
        name: value for name, value in (("next", next_cursor), ("prev", prev_cursor)) if value is not None
    }
    assert api.get("/customers", params=params).status_code in DOCUMENTED[("GET", "/customers")]
    path = id_path(raw_id)
    assert api.get(path).status_code in DOCUMENTED[("GET", "/customers/{id}")]
    assert api.delete(path).status_code in DOCUMENTED[("DELETE", "/customers/{id}")]
    events = api.get(f"{path}/events", params=params).status_code
    assert events in DOCUMENTED[("GET", "/customers/{id}/events")]


@SETTINGS
@given(cursor=st.text(min_size=1, max_size=200))
def test_random_cursors_on_a_real_customers_events_are_400(api: httpx.Client, cursor: str) -> None:
    response = api.get(f"/customers/{customer_id(api)}/events", params={"next": cursor})
    assert response.status_code == 400
