"""Promises of the Malomo contract that no schema can express, one plain function each, named for the promise.

Each raises `ContractViolation` with a message fit for a failure report, named for the promise (`@promise`).
The last one is a registered schemathesis check, which the property and stateful tests run on every generated
request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx
import schemathesis

from malomo_contract.customers_api import JSON, ContractViolation
from malomo_contract.promise_marks import about, promise
from malomo_contract.record_fields import (
    CREATED_AT,
    ERROR_REQUEST_ID,
    ERROR_STATUS,
    ERROR_TEXT_FIELDS,
    ID_FIELD,
    REQUEST_ID_HEADER,
    UPDATED_AT,
)
from malomo_contract.rfc3339 import parse_rfc3339
from malomo_contract.spec_contract import error_statuses, operations
from malomo_spec import Document

__all__ = ["about", "parse_rfc3339", "promise"]

# The operations the customer promises are about, as failure messages name them (`PUT /customers/{id}`).
def _label(operation_id: str) -> str:
    """The label of `operation_id`, or the id itself when the spec has no such operation (a removed one)."""
    return next((op.label for op in operations() if op.operation_id == operation_id), operation_id)


CREATE, READ, UPDATE, DELETE, EVENTS = (
    _label(operation_id)
    for operation_id in (
        "createCustomer",
        "getCustomer",
        "updateCustomer",
        "deleteCustomer",
        "listCustomerEvents",
    )
)


def record_timestamp(record: Mapping[str, Any], name: str) -> datetime:
    value = record.get(name)
    try:
        return parse_rfc3339(str(value))
    except ValueError:
        raise ContractViolation(f"`{name}` is not an RFC 3339 date-time: {value!r}") from None


# Customers: create, get, update.


@promise
@about("POST")
def created_customer_has_the_sent_fields(
    sent: Mapping[str, Any], created: JSON, nullable_fields: Iterable[str]
) -> None:
    """Create answers with exactly the fields sent; nullable fields left out are null."""
    expected = {**dict.fromkeys(nullable_fields), **sent}
    for name, value in expected.items():
        if created.get(name) != value:
            how = f"sent as {value!r}" if name in sent else "left out (so null)"
            raise ContractViolation(
                f"{CREATE}: `{name}` was {how} but the new customer has {created.get(name)!r}"
            )


@promise
@about("POST", "PUT")
def get_returns_the_customer_as_last_written(written: JSON, fetched: JSON) -> None:
    """GET answers with the same customer the last create or update answered with, field for field."""
    differences = {
        name: (written.get(name), fetched.get(name))
        for name in sorted(written.keys() | fetched.keys())
        if written.get(name) != fetched.get(name)
    }
    if differences:
        details = ", ".join(f"`{name}`: written {w!r}, read {r!r}" for name, (w, r) in differences.items())
        raise ContractViolation(f"{READ} differs from what was written: {details}")


@promise
@about("PUT")
def update_applies_every_sent_field(patch: Mapping[str, Any], fetched: JSON) -> None:
    """After PUT, every field in the body has the sent value; an explicit null clears the field."""
    for name, value in patch.items():
        if fetched.get(name) != value:
            raise ContractViolation(
                f"{UPDATE}: `{name}` was updated to {value!r} but the next GET shows {fetched.get(name)!r}"
            )


@promise
@about("PUT")
def update_keeps_left_out_fields(before: JSON, patch: Mapping[str, Any], fetched: JSON) -> None:
    """PUT is partial: a field left out of the body keeps its value."""
    for name in sorted(before.keys() | fetched.keys()):
        if name in patch or name == UPDATED_AT:
            continue
        if fetched.get(name) != before.get(name):
            raise ContractViolation(
                f"{UPDATE}: `{name}` was left out of the body, so it should have kept "
                f"{before.get(name)!r}, but the next GET shows {fetched.get(name)!r}"
            )


@promise
@about("PUT")
def updated_at_moves_forward(before: JSON, after: JSON) -> None:
    """Every successful update moves `updated_at` forward: strictly later than before the update."""
    if record_timestamp(after, UPDATED_AT) <= record_timestamp(before, UPDATED_AT):
        raise ContractViolation(
            f"{UPDATE}: `{UPDATED_AT}` did not move forward: {before.get(UPDATED_AT)!r} "
            f"before the update, {after.get(UPDATED_AT)!r} after it"
        )


@promise
def updated_at_is_not_before_created_at(customer: JSON) -> None:
    """A customer's `updated_at` is never earlier than its `created_at`."""
    if record_timestamp(customer, UPDATED_AT) < record_timestamp(customer, CREATED_AT):
        raise ContractViolation(
            f"customer {customer.get(ID_FIELD)}: `{UPDATED_AT}` {customer.get(UPDATED_AT)!r} is before "
            f"`{CREATED_AT}` {customer.get(CREATED_AT)!r}"
        )


@promise
@about("PUT")
def updates_are_recorded_in_event_log(
    events_before: int, events_after: int, updates: int, kind: str = "updates"
) -> None:
    """Each update adds an event to the customer's event log."""
    if events_after < events_before + updates:
        raise ContractViolation(
            f"{EVENTS}: {updates} {kind} should have added at least {updates} "
            f"events, but the log went from {events_before} to {events_after} events"
        )


# Deletion.


@promise
def deleted_customer_is_not_found(response: httpx.Response, what: str) -> None:
    """After DELETE, every operation on the customer answers 404 with an error body."""
    request_is_refused_with(404, response, f"{what} after {DELETE}")


# Errors and authentication.


@promise
def error_body_names_its_status_and_request_id(response: httpx.Response, what: str) -> None:
    """An error answer carries `{code, message, request_id, status}`, `status` equal to the HTTP status
    and `request_id` equal to the `X-Request-Id` header."""
    try:
        body = response.json()
    except ValueError:
        raise ContractViolation(f"{what}: the {response.status_code} answer's body is not JSON") from None
    error_body_matches(body, response.status_code, response.headers.get(REQUEST_ID_HEADER), what)


@promise
def error_body_matches(body: Any, status: int, request_id_header: str | None, what: str) -> None:
    """The shared core of the error-body promise, for httpx and schemathesis responses alike."""
    if not isinstance(body, dict):
        raise ContractViolation(f"{what}: the {status} answer's body is not an object: {body!r:.200}")
    for name in ERROR_TEXT_FIELDS:
        if not isinstance(body.get(name), str) or not body.get(name):
            raise ContractViolation(f"{what}: the {status} error body has no `{name}` string: {body!r:.300}")
    if body.get(ERROR_STATUS) != status:
        raise ContractViolation(
            f"{what}: the error body says {ERROR_STATUS} {body.get(ERROR_STATUS)!r} but the HTTP status is "
            f"{status}"
        )
    if request_id_header != body[ERROR_REQUEST_ID]:
        raise ContractViolation(
            f"{what}: the error body's {ERROR_REQUEST_ID} {body[ERROR_REQUEST_ID]!r} differs from the "
            f"{REQUEST_ID_HEADER} header {request_id_header!r}"
        )


@promise
def request_is_refused_with(status: int, response: httpx.Response, what: str) -> None:
    """A request the contract refuses gets the documented error status, with an error body."""
    if response.status_code != status:
        raise ContractViolation(
            f"{what}: expected {status}, got {response.status_code}: {response.text[:300]!r}"
        )
    error_body_names_its_status_and_request_id(response, what)


@promise
def request_without_valid_key_is_refused(
    response: httpx.Response, what: str, required_headers: Mapping[str, str] | None = None
) -> None:
    """Every operation answers 401 with an error body when the key is missing, wrong or publishable, with
    the headers the spec requires of that answer (`WWW-Authenticate: Bearer`), each matching its pattern."""
    request_is_refused_with(401, response, what)
    for name, pattern in (required_headers or {}).items():
        value = response.headers.get(name)
        if value is None or re.search(pattern, value) is None:
            raise ContractViolation(f"{what}: the 401 answer's {name} header is {value!r}, not /{pattern}/")


# HTTP semantics the research fuzzers check (fault_classes.yaml): repeated and refused writes, 405, 204.


@promise
@about("PUT")
def repeated_update_changes_nothing_more(first: JSON, second: JSON, what: str) -> None:
    """PUT is idempotent: the same update sent again answers the same customer (only `updated_at` moves)."""
    names = sorted((first.keys() | second.keys()) - {UPDATED_AT})
    differences = [name for name in names if first.get(name) != second.get(name)]
    if differences:
        details = ", ".join(f"`{n}`: {first.get(n)!r} then {second.get(n)!r}" for n in differences)
        raise ContractViolation(f"{what}: the same update sent twice answered differently: {details}")


@promise
def refused_request_left_no_trace(before: JSON, after: JSON, events: tuple[int, int], what: str) -> None:
    """A refused request changes nothing: the customer (its `updated_at` too) and its event log stay."""
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        details = ", ".join(f"`{n}`: {before.get(n)!r} -> {after.get(n)!r}" for n in changed)
        raise ContractViolation(f"{what}: the refused request changed the customer anyway: {details}")
    if events[1] != events[0]:
        raise ContractViolation(
            f"{what}: the refused request added to the event log anyway ({events[0]} -> {events[1]} events)"
        )


@promise
def method_not_allowed_names_the_allowed_methods(
    response: httpx.Response, declared: Iterable[str], what: str
) -> None:
    """A method the spec does not declare on a path is answered 405 with an `Allow` header naming exactly
    the methods the spec declares there (HEAD and OPTIONS may be added)."""
    if response.status_code != 405:
        raise ContractViolation(f"{what}: expected 405, got {response.status_code}: {response.text[:200]!r}")
    allow = response.headers.get("allow")
    if allow is None:
        raise ContractViolation(f"{what}: the 405 answer has no Allow header")
    named = {method.strip().upper() for method in allow.split(",") if method.strip()}
    expected = set(declared)
    if not expected <= named or named - expected - {"HEAD", "OPTIONS"}:
        raise ContractViolation(
            f"{what}: the 405 answer's Allow is {allow!r}; the spec declares "
            f"{', '.join(sorted(expected))} here"
        )


@promise
def answer_has_no_body(response: httpx.Response, what: str) -> None:
    """A 204 (or 205) answer carries no content, nor announces any (RFC 9110: no Content-Length on a 204)."""
    length = response.headers.get("content-length", "0").strip()
    if length != "0":
        raise ContractViolation(f"{what}: the {response.status_code} answer has Content-Length: {length}")
    if response.content:
        raise ContractViolation(
            f"{what}: the {response.status_code} answer carries {len(response.content)} bytes: "
            f"{response.content[:100]!r}"
        )


# What an answer must never show: a stack trace of the server's code, in any language.
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\tat [\w$.]+\(")


@promise
def answer_leaks_nothing(response: httpx.Response, secrets: Iterable[str], what: str) -> None:
    """No answer shows a stack trace, nor echoes the API key (or any key sent) in its headers or body."""
    text = response.text
    if STACK_TRACE.search(text):
        raise ContractViolation(
            f"{what}: the {response.status_code} answer shows a stack trace: {text[:300]!r}"
        )
    shown = "\n".join(f"{name}: {value}" for name, value in response.headers.items()) + "\n" + text
    for secret in secrets:
        if secret and secret in shown:
            raise ContractViolation(f"{what}: the {response.status_code} answer echoes the API key sent")


# The statuses each operation documents with the `Error` body, by the schema a case came from and the
# operation: walking its responses again for every generated answer cost about 80 us an answer. The schema is
# kept in the value so that a reused id() of a collected schema is never mistaken for it.
_ERROR_STATUSES: dict[tuple[int, str], tuple[object, frozenset[int]]] = {}


def _documented_error_statuses(operation: Any) -> frozenset[int]:
    raw = operation.schema.raw_schema
    key = (id(raw), operation.label)
    cached = _ERROR_STATUSES.get(key)
    if cached is None or cached[0] is not raw:
        cached = (raw, error_statuses(Document(raw), operation.definition.raw))
        _ERROR_STATUSES[key] = cached
    return cached[1]


def error_answers_carry_status_and_request_id(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check, registered as schemathesis registers its own, so that every generated request of
    the property and stateful tests runs it: every documented error answer has a well-formed body.

    It applies to the statuses `case.operation` documents with the `Error` body, read from the schema the case
    was generated from. As for schemathesis' own checks, True means "does not apply" (not counted as run).
    """
    if response.status_code not in _documented_error_statuses(case.operation):
        return True
    try:
        body = response.json()
    except ValueError:
        # content_type_conformance and response_schema_conformance report a body that is not JSON.
        return True
    header = response.headers.get(REQUEST_ID_HEADER.lower())  # schemathesis' keys are lower case
    error_body_matches(body, response.status_code, header[0] if header else None, case.operation.label)
    return None


schemathesis.check(error_answers_carry_status_and_request_id)
