"""The documentation's statements of spec facts (docs/contract.md, "What the contract decides"; the seed-file
format in docs/reference-server.md) are what openapi/malomo.yaml says. Each test reads one statement out of
the README or a page of docs/ and checks it against the spec."""

from __future__ import annotations

import re
from typing import Any

from support import ROOT
from support.spec_document import SPEC, operations, resolve

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
SCHEMAS = SPEC["components"]["schemas"]


def statement(pattern: str) -> re.Match[str]:
    """The documentation's statement matching `pattern` (whitespace matches line breaks too)."""
    found = re.search(pattern.replace(" ", r"\s+"), README, re.DOTALL)
    assert found, f"neither README.md nor docs/ says {pattern!r} any more: update this test with it"
    return found


def names(text: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", text))


def error_statuses() -> set[str]:
    return {
        status
        for _, _, operation in operations()
        for status in operation["responses"]
        if status.startswith(("4", "5"))
    }


def test_every_operation_takes_the_bearer_key_and_the_api_version_is_the_specs() -> None:
    found = statement(r"`Authorization: Bearer sk_...` on every operation .*?version=(\w+)`")
    assert found[1] == SPEC["info"]["version"]
    schemes = SPEC["components"]["securitySchemes"]
    for method, path, operation in operations():
        requirements = operation.get("security", SPEC.get("security"))
        assert requirements, (method, path)
        for requirement in requirements:
            for name in requirement:
                assert (schemes[name]["type"], schemes[name]["scheme"]) == ("http", "bearer")


def test_list_cursors_travel_in_a_link_header_beside_next_and_prev_parameters() -> None:
    statement(r"cursors travel in an RFC 8288 `Link` header")
    lists = [
        (method, path, operation)
        for method, path, operation in operations()
        for media in resolve(operation["responses"].get("200", {})).get("content", {}).values()
        if resolve(media["schema"]).get("type") == "array"
    ]
    assert lists
    for method, path, operation in lists:
        parameters = {resolve(p)["name"] for p in operation.get("parameters", [])}
        assert {"next", "prev"} <= parameters, (method, path)
        assert "Link" in resolve(operation["responses"]["200"])["headers"], (method, path)


def test_create_requires_what_the_docs_say_and_a_field_left_out_reads_back_as_its_default_else_null() -> None:
    found = statement(
        r"\*\*Create\*\* requires (.*?); the other fields are optional, and one left out reads back as its "
        r"`default`, else null. Create answers (\d+)"
    )
    create = SCHEMAS["CustomerCreate"]
    assert names(found[1]) == set(create["required"])
    for name, field in create["properties"].items():
        if name not in create["required"]:
            schema = resolve(field)
            assert "default" in schema or schema.get("nullable") is True, name
    (operation,) = [op for _, _, op in operations() if op["operationId"] == "createCustomer"]
    assert [status for status in operation["responses"] if status.startswith("2")] == [found[2]]


def test_put_is_partial_and_request_bodies_are_closed() -> None:
    statement(r"\*\*PUT is a partial update:\*\*")
    assert "required" not in SCHEMAS["CustomerUpdate"]
    statement(r"\*\*Closed request bodies:\*\* an unknown field is a 400")
    for method, path, operation in operations():
        if "requestBody" in operation:
            body: dict[str, Any] = resolve(operation["requestBody"])
            schema = resolve(body["content"]["application/json"]["schema"])
            assert schema.get("additionalProperties") is False, (method, path)
            assert "400" in operation["responses"], (method, path)


def test_the_error_statuses_carry_the_error_body_and_the_request_id_header() -> None:
    found = statement(r"\*\*Errors:\*\* ([\d/]+) carry `\{(.*?)\}` and an `X-Request-Id` header")
    assert set(found[1].split("/")) == error_statuses()
    assert {part.strip() for part in found[2].split(",")} == set(SCHEMAS["Error"]["required"])
    for method, path, operation in operations():
        assert "default" not in operation["responses"], (method, path)
        for status in set(operation["responses"]) & error_statuses():
            response = resolve(operation["responses"][status])
            assert "X-Request-Id" in response["headers"], (method, path, status)


def test_the_seed_files_required_customer_fields_are_the_create_bodys() -> None:
    found = statement(r"Only (`[^(]*`) \(customer\) and")
    assert names(found[1]) == set(SCHEMAS["CustomerCreate"]["required"])
