"""Authentication on every operation, and the documented error answers (404, 400, 415, 413) and bodies."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from schemathesis.core.result import Ok

from . import openapi_schema
from .contract_checks import request_is_refused_with, request_without_valid_key_is_refused
from .customer_records import CREATED, tagged_email
from .customers_api import ContractViolation, CustomersApi, json_or_none
from .target import ContractTarget


@dataclass(frozen=True)
class OperationCall:
    """One request per operation of the spec, with a body the server would otherwise accept."""

    operation_id: str
    method: str
    path: str
    body: dict[str, Any] | None = None


OPERATION_CALLS = (
    # The create body is made when sent: a fresh tagged email each time.
    OperationCall("createCustomer", "POST", "/customers"),
    OperationCall("listCustomers", "GET", "/customers"),
    OperationCall("getCustomer", "GET", "/customers/{id}"),
    OperationCall("updateCustomer", "PUT", "/customers/{id}", {"first_name": "Unauthorised"}),
    OperationCall("deleteCustomer", "DELETE", "/customers/{id}"),
    OperationCall("listCustomerEvents", "GET", "/customers/{customer_id}/events"),
)
BAD_KEYS = {
    "no key": None,
    "wrong key": f"Bearer sk_test_{secrets.token_hex(12)}",
    "publishable key": f"Bearer pk_test_{secrets.token_hex(12)}",
    "not a bearer token": f"Basic {secrets.token_hex(12)}",
}
UNKNOWN_ID = str(uuid.UUID(int=0x0DDBA11))


def _send(
    client: httpx.Client, call: OperationCall, customer_id: str, authorization: str | None
) -> httpx.Response:
    path = call.path.replace("{id}", customer_id).replace("{customer_id}", customer_id)
    headers = {} if authorization is None else {"Authorization": authorization}
    body = call.body
    if call.operation_id == "createCustomer":
        body = {"email": tagged_email("unauthorised")}
    response = client.request(call.method, path, json=body, headers=headers)
    if call.operation_id == "createCustomer":
        # A server that ignores the key creates a customer: still clean it up.
        CREATED.add_created_by(response)
    return response


@pytest.fixture(scope="module")
def anonymous_client(contract_target: ContractTarget) -> Iterator[httpx.Client]:
    """A client without the key, that refuses writes the target does not allow."""
    with contract_target.client(with_key=False) as client:
        yield client


@pytest.fixture(scope="module")
def existing_id(api: CustomersApi, contract_target: ContractTarget) -> str:
    """A customer that exists, so that a refusal cannot be a 404 in disguise."""
    if contract_target.allows_writes:
        return str(api.create_customer("auth-target")["id"])
    listed = json_or_none(api.list_customers())
    first = listed[0] if isinstance(listed, list) and listed else None
    return str(first["id"]) if isinstance(first, dict) and "id" in first else UNKNOWN_ID


def test_auth_calls_cover_every_operation_of_the_spec() -> None:
    schema = openapi_schema.active_schema()
    in_spec = {
        result.ok().definition.raw.get("operationId")
        for result in schema.get_all_operations()
        if isinstance(result, Ok)
    }
    assert in_spec == {call.operation_id for call in OPERATION_CALLS}


@pytest.mark.parametrize("key_name", list(BAD_KEYS))
@pytest.mark.parametrize(
    "call",
    # A server that ignores the key would write.
    [
        pytest.param(call, id=call.operation_id, marks=pytest.mark.writes if call.method != "GET" else ())
        for call in OPERATION_CALLS
    ],
)
def test_operation_refuses_request_without_valid_key(
    call: OperationCall, key_name: str, anonymous_client: httpx.Client, existing_id: str
) -> None:
    response = _send(anonymous_client, call, existing_id, BAD_KEYS[key_name])
    request_without_valid_key_is_refused(response, f"{call.method} {call.path} with {key_name}")


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/customers/{id}"),
        pytest.param("PUT", "/customers/{id}", marks=pytest.mark.writes),
        pytest.param("DELETE", "/customers/{id}", marks=pytest.mark.writes),
        ("GET", "/customers/{id}/events"),
    ],
)
@pytest.mark.parametrize("customer_id", [UNKNOWN_ID, "not-a-uuid"], ids=["unknown id", "malformed id"])
def test_unknown_customer_is_not_found(
    method: str, path: str, customer_id: str, http_client: httpx.Client
) -> None:
    body = {"first_name": "Nobody"} if method == "PUT" else None
    response = http_client.request(method, path.replace("{id}", customer_id), json=body)
    what = f"{method} {path} with an {'unknown' if customer_id == UNKNOWN_ID else 'malformed'} id"
    request_is_refused_with(404, response, what)


INVALID_CREATES = {
    "no email": {"first_name": "Nameless"},
    "email is not an address": {"email": "not-an-address"},
    "email is null": {"email": None},
    "unknown field": {"email": "x@example.com", "nickname": "Spelt wrong"},
    "name of the wrong type": {"email": "x@example.com", "first_name": 42},
    "name too long": {"email": "x@example.com", "last_name": "x" * 256},
    "not an object": ["email", "x@example.com"],
}


@pytest.mark.writes
@pytest.mark.parametrize("case_name", list(INVALID_CREATES))
def test_create_refuses_invalid_body_with_400(case_name: str, api: CustomersApi) -> None:
    body = INVALID_CREATES[case_name]
    if isinstance(body, dict) and body.get("email") == "x@example.com":
        body = {**body, "email": tagged_email("invalid")}
    response = api.create(body)
    request_is_refused_with(400, response, f"POST /customers with {case_name}")


INVALID_UPDATES = {
    "email set to null": {"email": None},
    "email is not an address": {"email": "still-not-an-address"},
    "unknown field": {"nickname": "Spelt wrong"},
    "phone of the wrong type": {"phone_number": 5555555},
}


@pytest.mark.writes
@pytest.mark.parametrize("case_name", list(INVALID_UPDATES))
def test_update_refuses_invalid_body_with_400(case_name: str, api: CustomersApi) -> None:
    customer = api.create_customer("invalid-update", first_name="Kept")
    response = api.update(customer["id"], INVALID_UPDATES[case_name])
    what = f"PUT /customers/{{id}} with {case_name}"
    request_is_refused_with(400, response, what)
    unchanged = api.get_customer(customer["id"])
    if unchanged != customer:
        raise ContractViolation(f"{what}: the refused update changed the customer anyway")


@pytest.mark.writes
def test_create_refuses_a_body_that_is_not_json_with_415(http_client: httpx.Client) -> None:
    response = http_client.post(
        "/customers",
        content=b"email=x@example.com",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    request_is_refused_with(415, response, "POST /customers with a form body")


@pytest.mark.writes
def test_create_refuses_a_body_over_one_mebibyte_with_413(http_client: httpx.Client) -> None:
    oversized = b'{"email": "x@example.com", "first_name": "' + b"x" * (1024 * 1024) + b'"}'
    response = http_client.post("/customers", content=oversized, headers={"Content-Type": "application/json"})
    request_is_refused_with(413, response, "POST /customers with a 1 MiB body")


@pytest.mark.parametrize("path", ["/customers", "/customers/{id}/events"])
def test_list_refuses_a_cursor_it_did_not_issue_with_400(
    path: str, http_client: httpx.Client, existing_id: str
) -> None:
    if "{id}" in path and existing_id == UNKNOWN_ID:
        pytest.skip("the read-only target has no customer whose events could be listed")
    response = http_client.get(path.replace("{id}", existing_id), params={"next": "bm90LWEtY3Vyc29y"})
    request_is_refused_with(400, response, f"GET {path}?next=<a cursor the server never issued>")
