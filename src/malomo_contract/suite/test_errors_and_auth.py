"""Authentication and the API version on every operation, and the documented error answers (404, 400, 406,
415) and bodies, with invalid bodies derived from the spec: each a valid body with one thing changed."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from malomo_contract.contract_checks import request_is_refused_with, request_without_valid_key_is_refused
from malomo_contract.customer_records import CreatedCustomers
from malomo_contract.customers_api import ContractViolation, CustomersApi, json_or_none
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.run_state import run_state
from malomo_contract.spec_contract import (
    Operation,
    accept_header,
    api_version,
    cursor_parameters,
    media_type,
    operation,
    operations,
    unknown_field_name,
)
from malomo_contract.spec_values import valid_body, wrong_type_value
from malomo_contract.target import ContractTarget

BAD_KEYS = {
    "no key": None,
    "wrong key": f"Bearer sk_test_{secrets.token_hex(12)}",
    "publishable key": f"Bearer pk_test_{secrets.token_hex(12)}",
    "not a bearer token": f"Basic {secrets.token_hex(12)}",
}
UNKNOWN_ID = str(uuid.UUID(int=0x0DDBA11))


def _send(
    client: httpx.Client,
    created: CreatedCustomers,
    call: Operation,
    existing_id: str,
    authorization: str | None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One request to `call` that its server would otherwise accept: path ids of an existing customer and a
    valid body derived from the spec."""
    path = call.url_path(dict.fromkeys(call.path_parameters, existing_id))
    headers = {**(headers or {}), **({} if authorization is None else {"Authorization": authorization})}
    body = valid_body(call, "unauthorised") if call.body_schema is not None else None
    response = client.request(call.method, path, json=body, headers=headers)
    if call.method == "POST":
        # A server that ignores the key creates a customer: still clean it up.
        created.add_created_by(response)
    return response


@pytest.fixture(scope="module")
def anonymous_client(contract_target: ContractTarget, pytestconfig: pytest.Config) -> Iterator[httpx.Client]:
    """A client without the key, that refuses writes the target does not allow."""
    observers = run_state(pytestconfig).observers(contract_target.base_url)
    with contract_target.client(with_key=False, observers=observers) as client:
        yield client


@pytest.fixture(scope="module")
def existing_id(api: CustomersApi, contract_target: ContractTarget) -> str:
    """A customer that exists, so that a refusal cannot be a 404 in disguise."""
    if contract_target.allows_writes:
        return str(api.create_customer("auth-target")[ID_FIELD])
    listed = json_or_none(api.list_customers())
    first = listed[0] if isinstance(listed, list) and listed else None
    return str(first[ID_FIELD]) if isinstance(first, dict) and ID_FIELD in first else UNKNOWN_ID


@pytest.mark.parametrize("key_name", list(BAD_KEYS))
@pytest.mark.parametrize(
    "call",
    # A server that ignores the key would write.
    [
        pytest.param(call, id=call.operation_id, marks=pytest.mark.writes if call.writes else ())
        for call in operations()
    ],
)
def test_operation_refuses_request_without_valid_key(
    call: Operation, key_name: str, anonymous_client: httpx.Client, api: CustomersApi, existing_id: str
) -> None:
    response = _send(anonymous_client, api.created, call, existing_id, BAD_KEYS[key_name])
    request_without_valid_key_is_refused(
        response, f"{call.label} with {key_name}", call.required_headers(401)
    )


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(call, id=call.operation_id, marks=pytest.mark.writes if call.writes else ())
        for call in operations()
        if call.path_parameters
    ],
)
@pytest.mark.parametrize("absent_id", [UNKNOWN_ID, "not-a-uuid"], ids=["unknown id", "malformed id"])
def test_unknown_customer_is_not_found(call: Operation, absent_id: str, http_client: httpx.Client) -> None:
    body = valid_body(call, "nobody") if call.body_schema is not None else None
    path = call.url_path(dict.fromkeys(call.path_parameters, absent_id))
    response = http_client.request(call.method, path, json=body)
    what = f"{call.label} with an {'unknown' if absent_id == UNKNOWN_ID else 'malformed'} id"
    request_is_refused_with(404, response, what)


UNKNOWN_FIELD_VALUES: dict[str, Any] = {
    "a string": "spelt wrong",
    "an empty string": "",
    "null": None,
    "a number": 0,
    "true": True,
    "false": False,
    "an object": {},
    "an array": [],
}


def _one_change_bodies(call: Operation, base: dict[str, Any]) -> dict[str, Any]:
    """Invalid bodies for `call`, each `base` (a valid body) with one thing changed, named for that change."""
    fields = call.body_fields()
    bodies: dict[str, Any] = {}
    for name, field in fields.items():
        if field.required:
            bodies[f"{name} left out"] = {key: value for key, value in base.items() if key != name}
        bodies[f"{name} of the wrong type"] = {**base, name: wrong_type_value(field)}
        if not field.nullable:
            bodies[f"{name} is null"] = {**base, name: None}
        if field.format == "email":
            bodies[f"{name} is not an address"] = {**base, name: "not-an-address"}
    # An unknown field with every kind of JSON value: a server that drops only some kinds (null) is caught.
    for kind, value in UNKNOWN_FIELD_VALUES.items():
        bodies[f"an unknown field set to {kind}"] = {**base, unknown_field_name(call.body_schema): value}
    bodies["not an object"] = [base]
    return bodies


CREATE = operation("createCustomer")
UPDATE = operation("updateCustomer")
INVALID_CREATES = _one_change_bodies(CREATE, valid_body(CREATE, "invalid"))
INVALID_UPDATES = _one_change_bodies(UPDATE, {})


@pytest.mark.writes
@pytest.mark.parametrize("case_name", list(INVALID_CREATES))
def test_create_refuses_invalid_body_with_400(case_name: str, api: CustomersApi) -> None:
    response = api.create(INVALID_CREATES[case_name])
    request_is_refused_with(400, response, f"{operation('createCustomer').label} with {case_name}")


@pytest.mark.writes
@pytest.mark.parametrize("case_name", list(INVALID_UPDATES))
def test_update_refuses_invalid_body_with_400(case_name: str, api: CustomersApi) -> None:
    customer = api.create_customer("invalid-update", **valid_body(CREATE, "invalid-update", every_field=True))
    response = api.update(customer[ID_FIELD], INVALID_UPDATES[case_name])
    what = f"{operation('updateCustomer').label} with {case_name}"
    request_is_refused_with(400, response, what)
    unchanged = api.get_customer(customer[ID_FIELD])
    if unchanged != customer:
        raise ContractViolation(f"{what}: the refused update changed the customer anyway")


BODY_CALLS = [c for c in operations() if "415" in c.documented_statuses]
# Bodies in another media type than JSON, some of them JSON text under another label: each refused with 415.
NOT_JSON_TYPES = {
    "a form body": "application/x-www-form-urlencoded",
    "JSON labelled text/plain": "text/plain",
    "JSON labelled application/xml": "application/xml",
    "JSON labelled with another +json type": "application/merge-patch+json",
    "JSON with another charset": "application/json; charset=latin-1",
}
# Spellings of the JSON media type that name it all the same (RFC 9110: case-insensitive, charset utf-8).
JSON_SPELLINGS = ("application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8")


def _body_target(call: Operation, api: CustomersApi) -> str:
    target = api.create_customer("not-json") if call.path_parameters else {}
    return call.url_path(dict.fromkeys(call.path_parameters, str(target.get(ID_FIELD))))


@pytest.mark.writes
@pytest.mark.parametrize("kind", list(NOT_JSON_TYPES))
@pytest.mark.parametrize("call", BODY_CALLS, ids=lambda call: call.operation_id)
def test_body_that_is_not_json_is_refused_with_415(call: Operation, kind: str, api: CustomersApi) -> None:
    media = NOT_JSON_TYPES[kind]
    text = b"email=x@example.com" if "form" in media else json.dumps(valid_body(call, "not-json")).encode()
    response = api.http.request(
        call.method, _body_target(call, api), content=text, headers={"Content-Type": media}
    )
    if call.method == "POST":
        api.created.add_created_by(response)
    request_is_refused_with(415, response, f"{call.label} with {kind} (Content-Type: {media})")


@pytest.mark.writes
@pytest.mark.parametrize("media", JSON_SPELLINGS)
@pytest.mark.parametrize("call", BODY_CALLS, ids=lambda call: call.operation_id)
def test_json_body_in_any_spelling_of_its_type_is_accepted(
    call: Operation, media: str, api: CustomersApi
) -> None:
    body = valid_body(call, "json-spelling")
    text = json.dumps(body).encode()
    response = api.http.request(
        call.method, _body_target(call, api), content=text, headers={"Content-Type": media}
    )
    if call.method == "POST":
        api.created.add_created_by(response)
    written = api.expect_object(response, f"{call.label} with Content-Type: {media}")
    changed = {name: written.get(name) for name, value in body.items() if written.get(name) != value}
    if changed:
        raise ContractViolation(f"{call.label} with Content-Type: {media}: answered {changed} for {body}")


@pytest.mark.parametrize("call", [pytest.param(call, id=call.path) for call in operations() if call.is_list])
def test_list_refuses_a_cursor_it_did_not_issue_with_400(
    call: Operation, http_client: httpx.Client, existing_id: str
) -> None:
    if call.path_parameters and existing_id == UNKNOWN_ID:
        pytest.skip("the read-only target has no customer whose events could be listed")
    cursor = next(str(p["name"]) for p in call.parameters_in("query") if p.get("name") in cursor_parameters())
    path = call.url_path(dict.fromkeys(call.path_parameters, existing_id))
    response = http_client.get(path, params={cursor: "bm90LWEtY3Vyc29y"})
    request_is_refused_with(400, response, f"GET {call.path}?{cursor}=<a cursor the server never issued>")


def _other_versions() -> list[str]:
    """Versions other than the spec's: either neighbour, far ones, zero and one that is not a number."""
    version = api_version()
    if not version.isdigit():
        return [f"{version}0", f"{version}.1", "1", "0"]
    number = int(version)
    others = [number - 1, number + 1, number + 10, number * 10, 0]
    return [*dict.fromkeys(str(other) for other in others if other >= 0 and other != number), "latest"]


@pytest.mark.parametrize("version", _other_versions())
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(call, id=call.operation_id, marks=pytest.mark.writes if call.writes else ())
        for call in operations()
    ],
)
def test_operation_refuses_another_api_version_with_406(
    call: Operation, version: str, http_client: httpx.Client, api: CustomersApi, existing_id: str
) -> None:
    accept = accept_header(version)
    # A write that is wrongly carried out must not consume the customer the other tests read.
    target_id = (
        str(api.create_customer("version")[ID_FIELD]) if call.writes and call.path_parameters else existing_id
    )
    response = _send(http_client, api.created, call, target_id, None, {"Accept": accept})
    request_is_refused_with(406, response, f"{call.label} with Accept: {accept}")


# Every form of `Accept` that names no version; the spec serves them as its own version.
NO_VERSION_ACCEPTS = {
    "no Accept header": None,
    "application/json": "application/json",
    "*/*": "*/*",
    "the vendor type without a version": media_type(),
    # Media types and their parameter names are case-insensitive (RFC 9110): these name the spec's version.
    "the vendor type in upper case": accept_header().upper(),
    "the version parameter in upper case": accept_header().replace("version=", "VERSION="),
}


@pytest.mark.parametrize("accept_name", list(NO_VERSION_ACCEPTS))
def test_request_naming_no_version_is_served_as_the_spec_version(
    accept_name: str, http_client: httpx.Client, existing_id: str
) -> None:
    if existing_id == UNKNOWN_ID:
        pytest.skip("the read-only target has no customer to read")
    get = operation("getCustomer")
    path = get.url_path(dict.fromkeys(get.path_parameters, existing_id))
    versioned = http_client.get(path)
    request = http_client.build_request("GET", path)
    accept = NO_VERSION_ACCEPTS[accept_name]
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    response = http_client.send(request)
    what = f"{operation('getCustomer').label} with {accept_name}"
    if response.status_code != versioned.status_code or json_or_none(response) != json_or_none(versioned):
        raise ContractViolation(
            f"{what}: answered {response.status_code} {response.text[:200]!r}, but with "
            f"Accept: {accept_header()} {versioned.status_code} {versioned.text[:200]!r}; a request naming "
            f"no version is served as version {api_version()}"
        )
