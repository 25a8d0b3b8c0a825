"""What the reference server's HTTP tests share: the spec as a tree, the Error body check, and the calls
that create a customer or post a raw body."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

import malomo_spec
from support.customer_bodies import new_customer
from support.spec_document import DOCUMENT, SPEC

__all__ = [
    "CREATE_FIELDS",
    "SPEC",
    "assert_error",
    "create",
    "every_route",
    "post_raw",
    "properties",
    "resolved",
]

ERROR_KEYS = set(DOCUMENT.schema("Error")["properties"])


def resolved(node: dict[str, Any]) -> dict[str, Any]:
    """`node` with its `$ref`s followed."""
    found: dict[str, Any] = DOCUMENT.resolve(node)
    return found


def properties(schema_name: str) -> dict[str, dict[str, Any]]:
    """The properties of one of the spec's schemas, `$ref`s followed."""
    schema = SPEC["components"]["schemas"][schema_name]
    return {name: resolved(node) for name, node in schema["properties"].items()}


CREATE_FIELDS = properties("CustomerCreate")


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body  # type: ignore[no-any-return]


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/customers", json=new_customer(**{"email": "moira@rosevideo.com", **fields}))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def post_raw(api: httpx.Client, content: bytes, content_type: str = "application/json") -> httpx.Response:
    return api.post("/customers", content=content, headers={"Content-Type": content_type})


def every_route(api: httpx.Client, **options: Any) -> list[httpx.Response]:
    """One request to each operation of the spec (a path parameter an unknown id, a body when it takes
    one: a valid create on a collection, `{}` on an item), each with `options` (headers...)."""
    some_id = uuid.uuid4()
    answers = []
    for operation in malomo_spec.operations(DOCUMENT):
        url = operation.url_path(dict.fromkeys(operation.path_parameters, some_id))
        if "requestBody" in operation.node:
            options["json"] = {} if operation.path_parameters else new_customer(email="a@b.com")
        answers.append(api.request(operation.method, url, **options))
        options.pop("json", None)
    return answers
