"""The suite's end-of-session cleanup follows the spec (issue 28): each created record is kept under the
operation that created it, deleted with the delete operation the spec has for it, and listed as left behind
when the spec has none (a copy of the spec without its deletes; one with a create of events)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

import malomo_spec
from malomo_contract.customer_records import CreatedCustomers, delete_created_customers
from malomo_contract.spec_contract import Operation, operation, operations, spec
from malomo_mock import RunningServer
from support.spec_deletes import customer_delete_params

EVENTS_PATH = operation("listCustomerEvents").path


def _operations(tree: dict[str, Any]) -> list[Operation]:
    document = malomo_spec.Document(tree)
    return [
        Operation(op.operation_id, op.method, op.path, op.node, op.parameters)
        for op in malomo_spec.operations(document)
    ]


def _without_deletes(tree: dict[str, Any]) -> dict[str, Any]:
    """A copy of `tree` without its DELETE operations (if it has any) and the links that name them."""
    edited = copy.deepcopy(tree)
    removed = {op.operation_id: op for op in operations() if op.method == "DELETE"}
    for op in removed.values():
        del edited["paths"][op.path][op.method.lower()]
    for item in edited["paths"].values():
        for node in item.values():
            for response in node.get("responses", {}).values() if isinstance(node, dict) else ():
                links = response.get("links", {}) if isinstance(response, dict) else {}
                for name in [n for n, link in links.items() if link.get("operationId") in removed]:
                    del links[name]
    return edited


def _with_event_create(tree: dict[str, Any]) -> dict[str, Any]:
    """A copy of `tree` with a POST on the events path that answers the created event."""
    edited = copy.deepcopy(tree)
    listed = edited["paths"][EVENTS_PATH]["get"]
    edited["paths"][EVENTS_PATH]["post"] = {
        "operationId": "createCustomerEvent",
        "responses": {"200": {"description": "The event.", "content": {"application/json": {"schema": {}}}}},
        "parameters": listed.get("parameters", []),
    }
    return edited


def _answer(method: str, path: str, body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request(method, f"http://127.0.0.1:9{path}"))


@pytest.mark.parametrize("delete", customer_delete_params())
def test_created_customers_are_deleted_with_the_specs_delete(server: RunningServer, delete: Any) -> None:
    headers = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        created = CreatedCustomers()
        answer = client.post(operation("createCustomer").path, json={"email": "cleanup@example.com"})
        created.add_created_by(answer)
        report = delete_created_customers(client, created)
        assert (report.attempted, report.deleted, report.left_over, report.undeletable) == (1, 1, [], {})
        assert client.get(f"{operation('createCustomer').path}/{answer.json()['id']}").status_code == 404


def test_without_a_delete_operation_the_cleanup_says_what_it_left(closed_port: int) -> None:
    every = _operations(_without_deletes(dict(spec().tree)))
    created = CreatedCustomers(every)
    for number in range(3):
        created.add_created_by(_answer("POST", operation("createCustomer").path, {"id": f"c{number}"}))
    # No request may be sent: nothing listens behind this client, so a DELETE would leave the record over.
    with httpx.Client(base_url=f"http://127.0.0.1:{closed_port}") as client:
        report = delete_created_customers(client, created)
    assert (report.attempted, report.deleted, report.undeletable) == (
        0,
        0,
        {"createCustomer": ["c0", "c1", "c2"]},
    )
    assert report.left_behind() == [
        "left 3 records created by createCustomer (the spec has no operation that deletes them): c0, c1, c2"
    ]


def test_records_are_tracked_per_operation_not_every_post_as_a_customer(closed_port: int) -> None:
    every = _operations(_with_event_create(dict(spec().tree)))
    created = CreatedCustomers(every)
    created.add_created_by(_answer("POST", operation("createCustomer").path, {"id": "c1"}))
    created.add_created_by(_answer("POST", EVENTS_PATH.replace("{customer_id}", "c1"), {"id": "e1"}))
    created.add_created_by(_answer("POST", operation("createCustomer").path, {"id": "refused"}, status=400))
    by_creator = {record.id: record.creator for record in created.records()}
    assert by_creator == {"c1": "createCustomer", "e1": "createCustomerEvent"}


@pytest.mark.parametrize("delete", customer_delete_params())
def test_a_customer_is_deleted_with_its_delete_and_an_event_never_is(closed_port: int, delete: Any) -> None:
    created = CreatedCustomers(_operations(_with_event_create(dict(spec().tree))))
    created.add_created_by(_answer("POST", operation("createCustomer").path, {"id": "c1"}))
    created.add_created_by(_answer("POST", EVENTS_PATH.replace("{customer_id}", "c1"), {"id": "e1"}))
    with httpx.Client(base_url=f"http://127.0.0.1:{closed_port}") as client:
        report = delete_created_customers(client, created)
    assert report.undeletable == {"createCustomerEvent": ["e1"]}
    # The customer's DELETE was tried (nothing answered it): an event never is.
    assert report.attempted == 1 and report.left_over == ["c1"]
