"""HTTP semantics the research fuzzers check (EvoMaster, RESTler, schemathesis; see fault_classes.yaml), each
tried deterministically: a repeated PUT, refused writes that must leave no trace, 405 with `Allow`, a 204
without a body, answers that leak no key or stack trace, fields only the server sets, text that a careless
store would run as a query, the spec's own examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from malomo_contract.contract_checks import (
    answer_has_no_body,
    answer_leaks_nothing,
    get_returns_the_customer_as_last_written,
    method_not_allowed_names_the_allowed_methods,
    refused_request_left_no_trace,
    repeated_update_changes_nothing_more,
    request_is_refused_with,
)
from malomo_contract.customer_records import safe_email
from malomo_contract.customers_api import ContractViolation, CustomersApi, customer_path
from malomo_contract.profiles import Profile
from malomo_contract.record_fields import EMAIL_FIELD, ID_FIELD
from malomo_contract.run_state import run_state
from malomo_contract.spec_contract import (
    Operation,
    accept_header,
    api_version,
    body_size_limit,
    operation,
    operations,
    schema_property_names,
    unknown_field_name,
)
from malomo_contract.spec_values import padded_json, valid_body
from malomo_contract.target import ContractTarget

pytestmark = pytest.mark.writes

CREATE = operation("createCustomer")
UPDATE = operation("updateCustomer")
# The methods a REST path may be asked with; those the spec does not declare on a path must be refused.
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PATHS = list(dict.fromkeys(op.path for op in operations()))
BODY_LIMIT = body_size_limit()
# The key of another store on the same server, when the target has one to give (see the two-key test).
OTHER_KEY_VARIABLE = "MALOMO_OTHER_API_KEY"


@pytest.fixture(scope="module")
def anonymous(contract_target: ContractTarget, pytestconfig: pytest.Config) -> Iterator[httpx.Client]:
    """A client that sends no key."""
    observers = run_state(pytestconfig).observers(contract_target.base_url)
    with contract_target.client(with_key=False, observers=observers) as client:
        yield client


def _events(api: CustomersApi, customer_id: str, profile: Profile) -> int:
    first = api.first_page(customer_path("listCustomerEvents", customer_id))
    return len(api.walk(first, rel="next", max_pages=profile.max_walk_pages).items)


def test_repeated_update_gives_the_same_answer_and_state(api: CustomersApi) -> None:
    customer = api.create_customer("repeat", **valid_body(CREATE, "repeat", every_field=True))
    patch = valid_body(UPDATE, "repeated", 5, every_field=True)
    first = api.update_customer(customer[ID_FIELD], patch)
    second = api.update_customer(customer[ID_FIELD], patch)
    repeated_update_changes_nothing_more(first, second, f"{UPDATE.label} sent twice")
    get_returns_the_customer_as_last_written(second, api.get_customer(customer[ID_FIELD]))


def _refused_writes(call: Operation, body: dict[str, Any]) -> dict[str, tuple[int, dict[str, Any]]]:
    """Requests `call` must refuse, by what is wrong with them: (status, httpx request arguments, with
    `anonymous` for one sent without the key). Each carries `body`, which would be a valid write."""
    other_version = str(int(api_version()) + 1) if api_version().isdigit() else f"{api_version()}1"
    refused: dict[str, tuple[int, dict[str, Any]]] = {
        "an unknown field": (400, {"json": {**body, unknown_field_name(call.body_schema): "refused"}}),
        "no key": (401, {"json": body, "anonymous": True}),
        "another API version": (406, {"json": body, "headers": {"Accept": accept_header(other_version)}}),
        "a form body": (
            415,
            {"content": b"a=b", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        ),
    }
    if BODY_LIMIT is not None and "413" in call.documented_statuses:
        content = padded_json(body, BODY_LIMIT + 1)
        refused["a body over the size limit"] = (
            413,
            {"content": content, "headers": {"Content-Type": "application/json"}},
        )
    return {name: case for name, case in refused.items() if str(case[0]) in call.documented_statuses}


REFUSED_UPDATES = list(_refused_writes(UPDATE, {}))


def _send(api: CustomersApi, anonymous: httpx.Client, call: Operation, path: str, how: dict[str, Any]) -> Any:
    arguments = dict(how)
    client = anonymous if arguments.pop("anonymous", False) else api.http
    response = client.request(call.method, path, **arguments)
    if call.method == "POST":
        api.created.add_created_by(response)
    return response


@pytest.mark.parametrize("refusal", REFUSED_UPDATES)
def test_refused_update_leaves_no_trace(
    refusal: str, api: CustomersApi, anonymous: httpx.Client, profile: Profile
) -> None:
    before = api.create_customer("refused-update", **valid_body(CREATE, "refused-update", every_field=True))
    events = _events(api, before[ID_FIELD], profile)
    status, how = _refused_writes(UPDATE, valid_body(UPDATE, "refused-change", 6, every_field=True))[refusal]
    path = customer_path(UPDATE.operation_id, before[ID_FIELD])
    what = f"{UPDATE.label} with {refusal}"
    request_is_refused_with(status, _send(api, anonymous, UPDATE, path, how), what)
    after = api.get_customer(before[ID_FIELD])
    refused_request_left_no_trace(before, after, (events, _events(api, before[ID_FIELD], profile)), what)


def test_refused_creates_leave_no_customer(
    api: CustomersApi, anonymous: httpx.Client, profile: Profile
) -> None:
    sent: dict[str, str] = {}
    for refusal in _refused_writes(CREATE, {}):
        body = valid_body(CREATE, "refused-create")
        status, how = _refused_writes(CREATE, body)[refusal]
        what = f"{CREATE.label} with {refusal}"
        request_is_refused_with(status, _send(api, anonymous, CREATE, CREATE.path, how), what)
        sent[body[EMAIL_FIELD]] = refusal
    first = api.first_page(operation("listCustomers").path)
    walk = api.walk(first, rel="next", max_pages=profile.max_walk_pages, max_seconds=profile.max_walk_seconds)
    left = sorted({sent[item[EMAIL_FIELD]] for item in walk.items if item.get(EMAIL_FIELD) in sent})
    if left:
        raise ContractViolation(
            f"{CREATE.label}: refused creates stored a customer anyway (those with {', '.join(left)})"
        )
    if walk.exhausted_budget:
        pytest.skip("the customer list was not walked to its end within the profile's budget")


@pytest.mark.parametrize("path", PATHS)
def test_undeclared_method_is_refused_with_405_and_allow(path: str, api: CustomersApi) -> None:
    declared = {op.method for op in operations() if op.path == path}
    customer = api.create_customer("method") if "{" in path else {}
    some = next(op for op in operations() if op.path == path)
    url = some.url_path(dict.fromkeys(some.path_parameters, str(customer.get(ID_FIELD))))
    for method in (m for m in PROBED_METHODS if m not in declared):
        body = valid_body(UPDATE, "undeclared") if method in ("POST", "PUT", "PATCH") else None
        response = api.http.request(method, url, json=body)
        if method == "POST":
            api.created.add_created_by(response)
        method_not_allowed_names_the_allowed_methods(response, declared, f"{method} {path}")


@pytest.mark.parametrize(
    "call", [op for op in operations() if 204 in op.success_statuses], ids=lambda op: op.operation_id
)
def test_no_content_answer_has_no_body(call: Operation, api: CustomersApi) -> None:
    customer = api.create_customer("no-content")
    response = api.http.request(call.method, customer_path(call.operation_id, customer[ID_FIELD]))
    if response.status_code != 204:
        raise ContractViolation(f"{call.label}: expected 204, got {response.status_code}")
    if call.method == "DELETE":
        api.created.discard(customer[ID_FIELD])
    answer_has_no_body(response, call.label)


def test_answers_leak_neither_key_nor_stack_trace(
    api: CustomersApi, anonymous: httpx.Client, contract_target: ContractTarget
) -> None:
    customer = api.create_customer("leak")
    wrong_key = "sk_test_contract_probe_wrong_key"
    path = customer_path(UPDATE.operation_id, customer[ID_FIELD])
    answers = {
        "a customer": api.http.get(customer_path("getCustomer", customer[ID_FIELD])),
        "a list": api.list_customers(),
        "an update with a wrong type": api.update(customer[ID_FIELD], {EMAIL_FIELD: 42}),
        "an update that is not JSON": api.http.put(
            path, content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        "an unknown id": api.get("not-a-uuid"),
        "a wrong key": anonymous.get(path, headers={"Authorization": f"Bearer {wrong_key}"}),
    }
    for what, response in answers.items():
        answer_leaks_nothing(response, (contract_target.api_key, wrong_key), f"the answer to {what}")


# Fields of the customer that only the server sets: in the answer's schema, not in the request body's.
SERVER_SET = sorted(
    schema_property_names(CREATE.success_schema()) - schema_property_names(CREATE.body_schema)
)


@pytest.mark.parametrize("call", [CREATE, UPDATE], ids=lambda op: op.operation_id)
@pytest.mark.parametrize("name", SERVER_SET)
def test_server_set_fields_in_a_body_are_refused(name: str, call: Operation, api: CustomersApi) -> None:
    other = api.create_customer("server-set")
    customer = api.create_customer("server-set") if call is UPDATE else {}
    body = {**(valid_body(CREATE, "server-set") if call is CREATE else {}), name: other.get(name)}
    response = api.create(body) if call is CREATE else api.update(customer[ID_FIELD], body)
    what = f"{call.label} with `{name}` (which only the server sets)"
    request_is_refused_with(400, response, what)
    if call is UPDATE:
        get_returns_the_customer_as_last_written(customer, api.get_customer(customer[ID_FIELD]))


# Text a store that builds its queries or pages by pasting would run: quotes, comments, markup.
HOSTILE_TEXT = ("O'Brien\"; DROP TABLE customers; --", "<script>alert(1)</script> & \\ %_")


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=["query", "markup"])
def test_text_with_query_and_markup_characters_reads_back_exactly(text: str, api: CustomersApi) -> None:
    # Free text only: a string with no format, enum or pattern takes any characters.
    names = [
        name
        for name, field in CREATE.body_fields().items()
        if field.type == "string" and not field.format and not {"enum", "pattern"} & field.schema.keys()
    ]
    fields = {name: text[: CREATE.body_fields()[name].max_length or len(text)] for name in names}
    created = api.expect_object(api.create({**valid_body(CREATE, "hostile"), **fields}), CREATE.label)
    for name, value in fields.items():
        if created.get(name) != value:
            raise ContractViolation(
                f"{CREATE.label}: `{name}` sent as {value!r} was stored as {created.get(name)!r}"
            )
    get_returns_the_customer_as_last_written(created, api.get_customer(created[ID_FIELD]))
    updated = api.update_customer(created[ID_FIELD], {name: value[::-1] for name, value in fields.items()})
    get_returns_the_customer_as_last_written(updated, api.get_customer(created[ID_FIELD]))


@pytest.mark.parametrize(
    "call", [op for op in operations() if op.body_example()], ids=lambda op: op.operation_id
)
def test_spec_examples_are_accepted(call: Operation, api: CustomersApi) -> None:
    # The example's address replaced by one of the suite's (of the same length), so no real mailbox is named.
    example = {
        name: safe_email(value) if call.body_fields()[name].format == "email" else value
        for name, value in call.body_example().items()
    }
    if call.path_parameters:
        customer = api.create_customer("example")
        path = customer_path(call.operation_id, customer[ID_FIELD])
        response = api.http.request(call.method, path, json=example)
    else:
        response = api.http.request(call.method, call.path, json=example)
        api.created.add_created_by(response)
    written = api.expect_object(response, f"{call.label} with the spec's example body")
    for name, value in example.items():
        if written.get(name) != value:
            raise ContractViolation(
                f"{call.label} with the spec's example: `{name}` sent as {value!r}, "
                f"answered {written.get(name)!r}"
            )


def test_another_keys_customer_is_not_found(
    api: CustomersApi, anonymous: httpx.Client, pytestconfig: pytest.Config
) -> None:
    other_key = os.environ.get(OTHER_KEY_VARIABLE, "")
    if not other_key:
        pytest.skip(
            f"the target was given one key: set {OTHER_KEY_VARIABLE} to the key of another store on the same "
            "server to test that one store's customers are out of another key's reach"
        )
    run_state(pytestconfig).coverage.redactor.add_secret(other_key)
    customer = api.create_customer("one-store", **valid_body(CREATE, "one-store", every_field=True))
    on_one = [op for op in operations() if len(op.path_parameters) == 1]
    # Reads and updates first: a DELETE that wrongly worked would hide whether they did.
    for call in sorted(on_one, key=lambda op: op.method == "DELETE"):
        body = valid_body(call, "other-store", 7, every_field=True) if call.body_schema is not None else None
        response = anonymous.request(
            call.method,
            customer_path(call.operation_id, customer[ID_FIELD]),
            json=body,
            headers={"Authorization": f"Bearer {other_key}"},
        )
        request_is_refused_with(404, response, f"{call.label} with the key of another store")
    get_returns_the_customer_as_last_written(customer, api.get_customer(customer[ID_FIELD]))
