"""Checking one recorded exchange: schemathesis' response validation and the suite's promises that one
answer (or one answer after an earlier one) can show broken. Nothing is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from malomo_contract.contract_checks import (
    created_customer_has_the_sent_fields,
    deleted_customer_is_not_found,
    error_body_names_its_status_and_request_id,
    get_returns_the_customer_as_last_written,
    update_applies_every_sent_field,
)
from malomo_contract.customers_api import ContractViolation
from malomo_contract.spec_contract import CURSOR_RELS, cursor_parameters, operation
from malomo_contract.traffic.exchanges import Exchange
from malomo_contract.traffic.har_files import json_or_none
from malomo_contract.traffic.sequences import later_write

NULLABLE_ON_CREATE = tuple(
    name for name, field in operation("createCustomer").body_fields().items() if field.nullable
)
# schemathesis' own response checks; none of them sends a request.
RESPONSE_CHECKS = (
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
)


def link_targets_carry_a_cursor(response: httpx.Response, what: str) -> None:
    """Each `Link` target of a list answer carries its cursor: `rel="next"` a `next` query parameter,
    `rel="prev"` a `prev` one (each rel the spec has a cursor parameter for)."""
    for rel in (rel for rel in CURSOR_RELS if rel in cursor_parameters()):
        link = response.links.get(rel)
        if link is None:
            continue
        url = link.get("url", "")
        if not any(parse_qs(urlsplit(url).query).get(rel, [])):
            raise ContractViolation(f"{what}: the Link rel={rel!r} target carries no `{rel}` cursor: {url!r}")


def _schemathesis_case(exchange: Exchange) -> schemathesis.Case[Any]:
    operation = exchange.operation
    assert operation is not None
    query = {name: values[-1] for name, values in parse_qs(urlsplit(exchange.url).query).items()}
    body = json_or_none(exchange.request_body)
    return operation.Case(
        path_parameters=exchange.path_parameters,
        query=query,
        **({"body": body, "media_type": "application/json"} if body is not None else {}),
    )


def exchange_failures(exchange: Exchange) -> list[str]:
    """Every way the exchange breaks the contract, as failure messages; empty when it keeps it."""
    failures: list[str] = []
    response = exchange.response()
    try:
        _schemathesis_case(exchange).validate_response(response, checks=list(RESPONSE_CHECKS))
    except FailureGroup as group:
        # Its curl line would send the request again: not what checking a recording is for.
        failures.append(group.message.partition("\nReproduce with:")[0].strip())

    def keep(promise: Callable[..., None], *args: Any, prefix: str = "") -> None:
        try:
            promise(*args)
        except ContractViolation as violation:
            failures.append(f"{prefix}{violation}")

    what = exchange.label
    called = exchange.spec_operation
    if exchange.response_body is not None and called is not None and exchange.status in called.error_statuses:
        keep(error_body_names_its_status_and_request_id, response, what)
    if exchange.method == "GET" and exchange.status == 200 and "link" in response.headers:
        keep(link_targets_carry_a_cursor, response, what)
    sent, received = json_or_none(exchange.request_body), json_or_none(exchange.response_body)
    if (
        exchange.method == "POST"
        and exchange.status == 200
        and isinstance(sent, dict)
        and isinstance(received, dict)
    ):
        keep(created_customer_has_the_sent_fields, sent, received, NULLABLE_ON_CREATE)
    for earlier, kind in exchange.follows:
        what = f"{exchange.label} after {earlier.label}"
        written = json_or_none(earlier.response_body)
        if kind == "delete":
            keep(deleted_customer_is_not_found, response, what)
        elif isinstance(written, dict) and isinstance(received, dict) and not later_write(written, received):
            keep(_shows_the_update, json_or_none(earlier.request_body), written, received, prefix=f"{what}: ")
    return failures


def _shows_the_update(patch: Any, written: Any, fetched: Any) -> None:
    """A get after an update shows every field the update sent, and the customer as the update answered."""
    if isinstance(patch, dict):
        update_applies_every_sent_field(patch, fetched)
    get_returns_the_customer_as_last_written(written, fetched)
