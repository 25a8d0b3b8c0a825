"""The API reference page (tools/docs/api_reference.py, built into the site by the MkDocs hook) lists every
operation of the spec as a resource method, with its arguments, return type, errors and an example; an
operation added to a copy of the spec appears in it with no other edit."""

from __future__ import annotations

from pathlib import Path

import malomo_spec
from support import ROOT
from tools.docs.api_reference import reference_page

SPEC = ROOT / "openapi" / "malomo.yaml"


def test_every_operation_of_the_spec_is_a_method_of_the_reference() -> None:
    page = reference_page(SPEC)
    for operation in malomo_spec.operations(malomo_spec.load(SPEC)):
        assert f"`{operation.method} {operation.path}` (`{operation.operation_id}`)" in page
    assert "### `client.customers.create()`" in page and "**Returns:** `Customer`" in page
    assert 'client.customers.create(email="johnny@rosevideo.com"' in page  # the spec's body example
    assert "`NotFoundError` (404)" in page and "`BadRequestError` (400, 413, 415)" in page


def test_an_operation_added_to_a_copy_of_the_spec_appears_in_its_reference(tmp_path: Path) -> None:
    spec = malomo_spec.parse_yaml(SPEC.read_text(encoding="utf-8"), str(SPEC))
    events = spec["paths"]["/customers/{customer_id}/events"]
    events["post"] = {
        "operationId": "createCustomerEvent",
        "summary": "Record an event of a customer",
        "parameters": events["get"]["parameters"][:1],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["label"],
                        "properties": {"label": {"type": "string", "maxLength": 200}},
                    },
                    "example": {"label": "Called the store"},
                }
            },
        },
        "responses": {
            "200": {
                "description": "The event that was recorded.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
            },
            "404": events["get"]["responses"]["404"],
        },
    }
    edited = tmp_path / "edited.yaml"
    edited.write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    page = reference_page(edited)
    assert "### `client.customers.events.create()`" in page
    assert "`POST /customers/{customer_id}/events` (`createCustomerEvent`)" in page
    assert "`label: str`" in page and "**Returns:** `Event`" in page
    example = (
        'client.customers.events.create("a0a877c6-4164-4e8a-8179-48f8d4752b4e", label="Called the store")'
    )
    assert example in page
