"""Reference server under hostile input schemathesis never sends: no 5xx, no hang, only documented statuses.

Schemathesis (`tox -e contract`) already fuzzes every operation with schema-valid and schema-invalid JSON
and checks each status against the spec. What it never generates, and this file does: bodies that are not
JSON at all, JSON under content types the spec does not declare, and path ids containing `/`, `{` or `}`
(percent-encoded; schemathesis filters those out). And a random string is never taken for a cursor.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import malomo_spec
from support.customer_bodies import new_customer
from support.spec_document import DOCUMENT, documented_statuses

DOCUMENTED = documented_statuses()
WITH_AN_ID = [operation for operation in malomo_spec.operations(DOCUMENT) if operation.path_parameters]
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
json_bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(field_names, json_values, max_size=5).map(lambda value: json.dumps(value).encode()),
    st.dictionaries(field_names, st.text(), max_size=5).map(lambda value: json.dumps(value).encode()),
)
declared_content_types = st.sampled_from(["application/json", "application/json; charset=utf-8"])
undeclared_content_types = st.sampled_from(["text/plain", "", "application/json; charset=latin-1"])
# (body, Content-Type) pairs: raw bytes under any content type, or JSON under one the spec does not declare.
unsent_by_schemathesis = st.one_of(
    st.tuples(st.binary(max_size=300), declared_content_types | undeclared_content_types),
    st.tuples(json_bodies, undeclared_content_types),
)
# Sent percent-encoded in full, so the server sees `%2F`, `%7B`, `%7D` inside one path segment.
ids_with_reserved_characters = st.tuples(
    st.text(max_size=20), st.sampled_from("/{}"), st.text(max_size=20)
).map("".join)


def id_path(raw_id: str) -> str:
    return f"/customers/{quote(raw_id, safe='')}"


def customer_id(api: httpx.Client) -> str:
    created: dict[str, Any] = api.post("/customers", json=new_customer(email="target@hostile.test")).json()
    return str(created["id"])


@SETTINGS
@given(body_and_type=unsent_by_schemathesis)
def test_non_json_or_undeclared_type_create_bodies_get_a_documented_status(
    api: httpx.Client, body_and_type: tuple[bytes, str]
) -> None:
    body, content_type = body_and_type
    response = api.post("/customers", content=body, headers={"Content-Type": content_type})
    assert response.status_code in DOCUMENTED[("POST", "/customers")], response.text


@SETTINGS
@given(body_and_type=unsent_by_schemathesis)
def test_non_json_or_undeclared_type_update_bodies_get_a_documented_status(
    api: httpx.Client, body_and_type: tuple[bytes, str]
) -> None:
    body, content_type = body_and_type
    path = id_path(customer_id(api))
    response = api.put(path, content=body, headers={"Content-Type": content_type})
    assert response.status_code in DOCUMENTED[("PUT", "/customers/{id}")], (path, response.text)


@SETTINGS
@given(raw_id=ids_with_reserved_characters)
def test_ids_with_slashes_or_braces_get_a_documented_status(api: httpx.Client, raw_id: str) -> None:
    for operation in WITH_AN_ID:  # every operation that takes an id in its path
        path = operation.url_path(dict.fromkeys(operation.path_parameters, quote(raw_id, safe="")))
        status = api.request(
            operation.method, path, json={} if "requestBody" in operation.node else None
        ).status_code
        assert status in DOCUMENTED[(operation.method, operation.path)], (operation.label, path)


@SETTINGS
@given(cursor=st.text(min_size=1, max_size=200))
def test_random_cursors_on_a_real_customers_events_are_400(api: httpx.Client, cursor: str) -> None:
    response = api.get(f"/customers/{customer_id(api)}/events", params={"next": cursor})
    assert response.status_code == 400
