"""Every documented limit probed at its edge, derived from the spec: each `maxLength` and `minLength` of a
request body, the body-size limit of the 413 answer, and the email grammar the `Email` schema describes.

Just inside the limit the value must be accepted (and read back as sent); just outside it must be refused
with the documented status.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from malomo_contract.contract_checks import get_returns_the_customer_as_last_written, request_is_refused_with
from malomo_contract.customer_records import EMAIL_DOMAIN
from malomo_contract.customers_api import ContractViolation, CustomersApi
from malomo_contract.record_fields import EMAIL_FIELD, ID_FIELD
from malomo_contract.spec_contract import Field, Operation, body_size_limit, operation
from malomo_contract.spec_values import padded_json, string_of_length, valid_body

pytestmark = pytest.mark.writes

CREATE = operation("createCustomer")
UPDATE = operation("updateCustomer")


def _length_probes() -> list[Any]:
    probes = []
    for call in (CREATE, UPDATE):
        for name, field in call.body_fields().items():
            edges = []
            if field.max_length is not None:
                edges += [
                    ("longest allowed", field.max_length, True),
                    ("one too long", field.max_length + 1, False),
                ]
            if field.min_length > 0:
                edges += [
                    ("shortest allowed", field.min_length, True),
                    ("one too short", field.min_length - 1, False),
                ]
            for edge, length, allowed in edges:
                probes.append(
                    pytest.param(
                        call, field, length, allowed, id=f"{call.operation_id} {name} {edge} ({length})"
                    )
                )
    return probes


def _send(api: CustomersApi, call: Operation, body: dict[str, Any]) -> httpx.Response:
    if call is CREATE:
        return api.create({**valid_body(CREATE, "boundary"), **body})
    customer = api.create_customer("boundary")
    return api.update(customer[ID_FIELD], body)


def _accepted_and_read_back(
    api: CustomersApi, response: httpx.Response, sent: dict[str, Any], what: str
) -> None:
    written = api.expect_object(response, what)
    for name, value in sent.items():
        if written.get(name) != value:
            raise ContractViolation(
                f"{what}: `{name}` was sent as {value!r:.80} but answered as {written.get(name)!r:.80}"
            )
    get_returns_the_customer_as_last_written(written, api.get_customer(written[ID_FIELD]))


@pytest.mark.parametrize("call,field,length,allowed", _length_probes())
def test_length_limit_is_kept_at_its_edge(
    call: Operation, field: Field, length: int, allowed: bool, api: CustomersApi
) -> None:
    sent = {field.name: string_of_length(field, length)}
    response = _send(api, call, sent)
    what = f"{call.label} with a {length}-character `{field.name}`"
    if allowed:
        _accepted_and_read_back(api, response, sent, what)
    else:
        request_is_refused_with(400, response, what)


def _email_local_part_limit() -> int | None:
    """The local-part limit the `Email` description states ("a dot-atom of at most 64 characters")."""
    field = CREATE.body_fields().get(EMAIL_FIELD)
    found = (
        re.search(r"local part[^.]*?at most\s+(\d+)\s+characters", field.schema.get("description", ""))
        if field
        else None
    )
    return int(found.group(1)) if found else None


LOCAL_PART_LIMIT = _email_local_part_limit()


def _email_probes() -> dict[str, tuple[str, bool]]:
    """Addresses on either side of the grammar the `Email` description states, by what they test."""
    probes = {
        "a dot-atom local part": ("first.last", True),
        "every special character a dot-atom allows": ("a!#$%&'*+/=?^_`{|}~-z", True),
        "a local part starting with a dot": (".first", False),
        "a local part ending with a dot": ("first.", False),
        "two dots in a row": ("first..last", False),
        "a quoted local part": ('"first last"', False),
        "a comment": ("(comment)first", False),
    }
    addresses = {name: (f"{local}@{EMAIL_DOMAIN}", ok) for name, (local, ok) in probes.items()}
    addresses["a hyphen inside a domain label"] = (f"first@sub-domain.{EMAIL_DOMAIN}", True)
    addresses["an underscore in the domain"] = (f"first@sub_domain.{EMAIL_DOMAIN}", False)
    addresses["no domain"] = ("first@", False)
    if LOCAL_PART_LIMIT is not None:
        addresses["the longest local part"] = (f"{'a' * LOCAL_PART_LIMIT}@{EMAIL_DOMAIN}", True)
        addresses["a local part one too long"] = (f"{'a' * (LOCAL_PART_LIMIT + 1)}@{EMAIL_DOMAIN}", False)
    return addresses


EMAIL_PROBES = _email_probes()


@pytest.mark.parametrize("probe", list(EMAIL_PROBES))
@pytest.mark.parametrize(
    "call", [c for c in (CREATE, UPDATE) if EMAIL_FIELD in c.body_fields()], ids=lambda c: c.operation_id
)
def test_email_grammar_is_kept(call: Operation, probe: str, api: CustomersApi) -> None:
    """The grammar on every operation whose body has the field: create and update alike."""
    address, allowed = EMAIL_PROBES[probe]
    sent = {EMAIL_FIELD: address}
    what = f"{call.label} with an email with {probe} ({address!r})"
    if call is CREATE:
        sent = {**valid_body(CREATE, "email-probe"), **sent}
        response = api.create(sent)
    else:
        before = api.create_customer("email-probe")
        response = api.update(before[ID_FIELD], sent)
    if allowed:
        _accepted_and_read_back(api, response, sent, what)
        return
    request_is_refused_with(400, response, what)
    if call is UPDATE:
        get_returns_the_customer_as_last_written(before, api.get_customer(before[ID_FIELD]))


BODY_LIMIT = body_size_limit()


@pytest.mark.skipif(BODY_LIMIT is None, reason="the spec states no body-size limit")
@pytest.mark.parametrize("over", [0, 1], ids=["exactly the limit", "one byte over"])
@pytest.mark.parametrize(
    "call",
    [c for c in (CREATE, UPDATE) if "413" in c.documented_statuses],
    ids=lambda call: call.operation_id,
)
def test_body_size_limit_is_kept_at_its_edge(
    call: Operation, over: int, http_client: httpx.Client, api: CustomersApi
) -> None:
    assert BODY_LIMIT is not None
    body = valid_body(call, "body-limit", every_field=call is UPDATE)
    path = (
        call.url_path(dict.fromkeys(call.path_parameters, str(api.create_customer("body-limit")[ID_FIELD])))
        if call is UPDATE
        else call.path
    )
    content = padded_json(body, BODY_LIMIT + over)
    assert len(content) == BODY_LIMIT + over
    headers = {"Content-Type": "application/json"}
    response = http_client.request(call.method, path, content=content, headers=headers)
    what = f"{call.label} with a valid body of {len(content)} bytes (the limit is {BODY_LIMIT})"
    if over:
        request_is_refused_with(413, response, what)
    else:
        api.created.add_created_by(response)
        _accepted_and_read_back(api, response, body, what)
