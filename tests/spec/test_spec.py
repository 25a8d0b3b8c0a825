"""Tests of openapi/malomo.yaml itself and of the client generated from it."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from malomo_client import AuthenticatedClient, Client
from support.spec_document import SPEC, resolve
from support.spec_document import operations as spec_operations


def operations() -> Iterator[tuple[str, dict[str, Any]]]:
    """(operationId, operation) for every operation of the spec."""
    for _method, _path, operation in spec_operations():
        yield operation["operationId"], operation


def media_examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(label, schema, example value) for every example of every request and response body."""
    for operation_id, operation in operations():
        bodies: list[tuple[str, Any]] = []
        if "requestBody" in operation:
            bodies.append(("request", resolve(operation["requestBody"])))
        bodies += [(status, resolve(response)) for status, response in operation["responses"].items()]
        for where, body in bodies:
            for media in body.get("content", {}).values():
                if "example" in media:
                    yield f"{operation_id} {where}", media["schema"], media["example"]
                for name, example in media.get("examples", {}).items():
                    yield f"{operation_id} {where} {name}", media["schema"], resolve(example)["value"]


def ok_examples() -> Iterator[tuple[str, Any]]:
    """(operationId, example) for every example of a 200 response."""
    for label, _schema, example in media_examples():
        operation_id, where = label.split()[:2]
        if where == "200":
            yield operation_id, example


def snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def test_spec_passes_openapi_spec_validator() -> None:
    validate(SPEC)


@pytest.mark.parametrize(("label", "schema", "example"), list(media_examples()), ids=lambda v: str(v)[:40])
def test_example_validates_against_its_schema(label: str, schema: dict[str, Any], example: Any) -> None:
    # The full document rides along so that `#/components/...` references resolve.
    validator = OAS30Validator({**schema, "components": SPEC["components"]})
    errors = [error.message for error in validator.iter_errors(example)]
    assert errors == [], f"{label}: {errors}"


def test_every_200_response_has_an_example() -> None:
    with_examples = {operation_id for operation_id, _ in ok_examples()}
    with_200 = {operation_id for operation_id, operation in operations() if "200" in operation["responses"]}
    assert with_200 == with_examples


def test_error_responses_use_the_error_schema_and_every_operation_documents_401() -> None:
    for operation_id, operation in operations():
        assert "401" in operation["responses"], operation_id
        assert "default" not in operation["responses"], operation_id
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                schema = resolve(response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (operation_id, status)


@pytest.mark.parametrize(("operation_id", "example"), list(ok_examples()), ids=lambda v: str(v)[:40])
def test_generated_client_parses_200_example_and_gives_it_back(operation_id: str, example: Any) -> None:
    module = importlib.import_module(f"malomo_client.api.customers.{snake_case(operation_id)}")
    response = httpx.Response(200, json=example)
    # The generated module's own parser, as used for every real response.
    parsed = module._parse_response(client=Client(base_url="http://127.0.0.1"), response=response)
    if isinstance(example, list):
        assert [item.to_dict() for item in parsed] == example
    else:
        assert parsed.to_dict() == example


def test_authenticated_client_repr_hides_the_token() -> None:
    token = "sk_test_do_not_print_me"
    client = AuthenticatedClient(base_url="http://127.0.0.1", token=token)
    client.get_httpx_client()
    client.get_async_httpx_client()
    assert token not in repr(client)
    assert token not in str(client)
    assert token not in repr(client.with_headers({"X-Extra": "1"}))
    # The key still reaches the wire.
    assert client.get_httpx_client().headers["Authorization"] == f"Bearer {token}"


def test_every_documented_error_status_has_its_own_error_class() -> None:
    import malomo
    from malomo._errors import error_from_response

    documented = {
        int(status)
        for _, operation in operations()
        for status in operation["responses"]
        if int(status) >= 400
    }
    for status in documented:
        error = error_from_response(httpx.Response(status, json={"code": "x", "message": "m"}))
        assert type(error) is not malomo.MalomoError, f"{status} has no class of its own"


def test_the_runtimes_default_server_and_api_version_match_the_spec() -> None:
    from malomo import _client_factory

    assert SPEC["servers"][0]["url"] == _client_factory.DEFAULT_BASE_URL
    assert _client_factory.ACCEPT.endswith(f"version={SPEC['info']['version']}")
