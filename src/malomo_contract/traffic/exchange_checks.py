"""Checking one recorded (or proxied) exchange: schemathesis' response validation and the suite's
promises that one answer (or one answer after earlier ones) can show broken. Nothing is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    updated_at_moves_forward,
)
from malomo_contract.customers_api import ContractViolation, Page, Walk, link_target
from malomo_contract.spec_contract import CURSOR_RELS, cursor_parameters, operation
from malomo_contract.traffic.exchanges import Exchange, json_or_none
from malomo_contract.traffic.sequences import later_write
from malomo_contract.walk_checks import walk_never_repeats_an_id, walk_never_revisits_a_page

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
# Who broke the contract: the server (its answer) or the app (its request).
SERVER, APP = "server", "app"


@dataclass(frozen=True)
class Violation:
    """One broken promise of one exchange: whose (SERVER or APP), which promise (check name), and how."""

    side: str
    promise: str
    message: str


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
    """Every way the exchange's answer breaks the contract, as failure messages; empty when it keeps it."""
    return [violation.message for violation in server_violations(exchange)]


def server_violations(exchange: Exchange) -> list[Violation]:
    """Every promise the server broke in the exchange (its answer, alone and after the earlier exchanges the
    sequence linker attached); empty when it kept them."""
    found: list[Violation] = []
    response = exchange.response()
    try:
        _schemathesis_case(exchange).validate_response(response, checks=list(RESPONSE_CHECKS))
    except FailureGroup as group:
        # Its curl line would send the request again: not what checking a recording is for.
        titles = sorted({failure.title for failure in group.exceptions})
        found.append(
            Violation(SERVER, ", ".join(titles), group.message.partition("\nReproduce with:")[0].strip())
        )

    def keep(promise: Callable[..., None], *args: Any, prefix: str = "") -> None:
        try:
            promise(*args)
        except ContractViolation as violation:
            found.append(Violation(SERVER, violation.promise or promise.__name__, f"{prefix}{violation}"))

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
        elif kind == "rewrite" and isinstance(written, dict) and isinstance(received, dict):
            keep(updated_at_moves_forward, written, received, prefix=f"{what}: ")
        elif (
            kind == "update"
            and isinstance(written, dict)
            and isinstance(received, dict)
            and not later_write(written, received)
        ):
            keep(_shows_the_update, json_or_none(earlier.request_body), written, received, prefix=f"{what}: ")
    if exchange.walk:
        walk = walk_of(exchange)
        what = f"{exchange.label}: the walk of rel={exchange.walk_rel!r} from {exchange.walk[0].label}"
        keep(walk_never_revisits_a_page, walk, what)
        keep(walk_never_repeats_an_id, walk, what)
    return found


def _page(exchange: Exchange) -> Page:
    response = exchange.response()
    items = json_or_none(exchange.response_body)
    return Page(
        url=exchange.url,
        items=[item for item in items if isinstance(item, dict)] if isinstance(items, list) else [],
        next_url=link_target(response, "next"),
        prev_url=link_target(response, "prev"),
        response=response,
    )


def walk_of(exchange: Exchange) -> Walk:
    """The walk the page `exchange` continues, as the suite's walk checks take it (this page last)."""
    walk = Walk(exchange.walk_rel, [_page(page) for page in exchange.walk])
    if exchange.url in {page.url for page in walk.pages}:
        walk.revisited_url = exchange.url
    else:
        walk.pages.append(_page(exchange))
    return walk


def _shows_the_update(patch: Any, written: Any, fetched: Any) -> None:
    """A get after an update shows every field the update sent, and the customer as the update answered."""
    if isinstance(patch, dict):
        update_applies_every_sent_field(patch, fetched)
    get_returns_the_customer_as_last_written(written, fetched)
