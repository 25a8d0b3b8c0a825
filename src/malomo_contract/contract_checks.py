"""Promises of the Malomo contract that no schema can express, one plain function each, named for the promise.

Each raises `ContractViolation` with a message fit for a failure report, named for the promise (`@promise`).
The last one is a registered schemathesis check, which the property and stateful tests run on every generated
request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ParamSpec, TypeVar

import httpx
import schemathesis

from malomo_contract.customers_api import JSON, ContractViolation, Page, Walk

# Statuses the spec answers with the `Error` body.
ERROR_STATUSES = frozenset({400, 401, 404, 413, 415})


P = ParamSpec("P")
R = TypeVar("R")


def promise(check: Callable[P, R]) -> Callable[P, R]:
    """Name the promise on every `ContractViolation` raised through `check`, and the answer it judged when
    one was passed; the outermost wins, as a promise checked through another (the error body of a 404) is
    the one the test checked."""

    @functools.wraps(check)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return check(*args, **kwargs)
        except ContractViolation as violation:
            violation.promise = check.__name__
            judged = [answer for value in (*args, *kwargs.values()) if (answer := _judged_answer(value))]
            if judged:
                violation.response = judged[0]
            raise

    return checked


def _judged_answer(value: object) -> httpx.Response | None:
    """The answer a promise's argument came in: an answer itself, a page's, or a walk's last page's."""
    if isinstance(value, Walk) and value.pages:
        value = value.pages[-1]
    if isinstance(value, Page):
        return value.response
    return value if isinstance(value, httpx.Response) else None


def about(*methods: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The promise is one of the operation a request with one of `methods` calls (an update's, though a
    later GET shows it broken): its failure is blamed on the test's last such request, not on its last."""

    def mark(check: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(check)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return check(*args, **kwargs)
            except ContractViolation as violation:
                violation.blames = methods
                raise

        return checked

    return mark


# RFC 3339 section 5.6 `date-time`; section 5.6 also says `T` and `Z` may be lowercase.
RFC3339_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def parse_rfc3339(text: str) -> datetime:
    """The instant an RFC 3339 `date-time` names (either case of `T` and `Z`, any length of fraction, kept
    to the microsecond); ValueError when `text` is not one. The suite's one timestamp parser."""
    found = RFC3339_DATE_TIME.fullmatch(text)
    if found is None:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(part) for part in found.group(1, 2, 3, 4, 5, 6))
    fraction = int((found.group(7) or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if found.group(9):
        offset = timedelta(hours=int(found.group(10)), minutes=int(found.group(11)))
        offset = -offset if found.group(9) == "-" else offset
    # A leap second (`:60`) is the last instant of its minute.
    leap = second == 60
    moment = datetime(year, month, day, hour, minute, 59 if leap else second, fraction, timezone(offset))
    return moment + timedelta(seconds=1) if leap else moment


def _timestamp(record: Mapping[str, Any], name: str) -> datetime:
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
                f"POST /customers: `{name}` was {how} but the new customer has {created.get(name)!r}"
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
        raise ContractViolation(f"GET /customers/{{id}} differs from what was written: {details}")


@promise
@about("PUT")
def update_applies_every_sent_field(patch: Mapping[str, Any], fetched: JSON) -> None:
    """After PUT, every field in the body has the sent value; an explicit null clears the field."""
    for name, value in patch.items():
        if fetched.get(name) != value:
            raise ContractViolation(
                f"PUT /customers/{{id}}: `{name}` was updated to {value!r} but the next GET shows "
                f"{fetched.get(name)!r}"
            )


@promise
@about("PUT")
def update_keeps_left_out_fields(before: JSON, patch: Mapping[str, Any], fetched: JSON) -> None:
    """PUT is partial: a field left out of the body keeps its value."""
    for name in sorted(before.keys() | fetched.keys()):
        if name in patch or name == "updated_at":
            continue
        if fetched.get(name) != before.get(name):
            raise ContractViolation(
                f"PUT /customers/{{id}}: `{name}` was left out of the body, so it should have kept "
                f"{before.get(name)!r}, but the next GET shows {fetched.get(name)!r}"
            )


@promise
@about("PUT")
def updated_at_moves_forward(before: JSON, after: JSON) -> None:
    """Every successful update moves `updated_at` forward: strictly later than before the update."""
    if _timestamp(after, "updated_at") <= _timestamp(before, "updated_at"):
        raise ContractViolation(
            f"PUT /customers/{{id}}: `updated_at` did not move forward: {before.get('updated_at')!r} "
            f"before the update, {after.get('updated_at')!r} after it"
        )


@promise
def updated_at_is_not_before_created_at(customer: JSON) -> None:
    """A customer's `updated_at` is never earlier than its `created_at`."""
    if _timestamp(customer, "updated_at") < _timestamp(customer, "created_at"):
        raise ContractViolation(
            f"customer {customer.get('id')}: `updated_at` {customer.get('updated_at')!r} is before "
            f"`created_at` {customer.get('created_at')!r}"
        )


@promise
@about("PUT")
def updates_are_recorded_in_event_log(
    events_before: int, events_after: int, updates: int, kind: str = "updates"
) -> None:
    """Each update adds an event to the customer's event log."""
    if events_after < events_before + updates:
        raise ContractViolation(
            f"GET /customers/{{customer_id}}/events: {updates} {kind} should have added at least {updates} "
            f"events, but the log went from {events_before} to {events_after} events"
        )


# Deletion.


@promise
def deleted_customer_is_not_found(response: httpx.Response, what: str) -> None:
    """After DELETE, every operation on the customer answers 404 with an error body."""
    request_is_refused_with(404, response, f"{what} after DELETE /customers/{{id}}")


# Pagination.


@promise
def walk_never_revisits_a_page(walk: Walk, what: str) -> None:
    """Following `Link` targets never leads back to a page already seen."""
    if walk.revisited_url is not None:
        raise ContractViolation(
            f"{what}: following rel={walk.rel!r} came back to a page already seen after {len(walk.pages)} "
            f"pages: {walk.revisited_url}"
        )


@promise
def walk_never_repeats_an_id(walk: Walk, what: str) -> None:
    """No record appears twice in one walk."""
    seen: set[str] = set()
    for index, record_id in enumerate(walk.ids):
        if record_id in seen:
            raise ContractViolation(f"{what}: id {record_id} appeared twice (again at position {index})")
        seen.add(record_id)


@promise
def walk_finds_every_record(walk: Walk, expected_ids: Iterable[str], what: str) -> None:
    """A full walk finds every record that existed before it started."""
    found = set(walk.ids)
    missing = [record_id for record_id in expected_ids if record_id not in found]
    if missing:
        raise ContractViolation(
            f"{what}: a walk over {len(walk.pages)} pages ({len(found)} items) missed "
            f"{len(missing)} records that existed before it started, e.g. {missing[0]}"
        )


@promise
def walk_spans_the_pages_its_records_fill(walk: Walk, pages: int, what: str) -> None:
    """A list holding more than `pages - 1` full pages of records is walked over at least `pages` pages."""
    if len(walk.pages) < pages:
        raise ContractViolation(
            f"{what}: the list holds enough records for {pages} pages, but the walk ended after "
            f"{len(walk.pages)} pages ({len(walk.items)} items)"
        )


@promise
def walk_holds_at_least(walk: Walk, count: int, what: str) -> None:
    """A full walk finds at least the records the suite added before it started."""
    if len(walk.items) < count:
        raise ContractViolation(
            f"{what}: {count} records were added, but a walk over {len(walk.pages)} pages found only "
            f"{len(walk.items)}"
        )


@promise
def walk_is_in_ascending_order(walk: Walk, what: str) -> None:
    """Pages list records in ascending (`created_at`, `id`) order, across page boundaries too."""
    keys = [(_timestamp(item, "created_at"), str(item.get("id"))) for item in walk.items]
    for index in range(1, len(keys)):
        if keys[index] < keys[index - 1]:
            raise ContractViolation(
                f"{what}: item {index} ({keys[index][1]}) comes after {keys[index - 1][1]} "
                "but sorts before it by (created_at, id)"
            )


@promise
def first_page_has_no_prev_link(first: Page, what: str) -> None:
    """`rel="prev"` is left out on the first page."""
    if first.prev_url is not None:
        raise ContractViolation(f"{what}: the first page has a rel='prev' link ({first.prev_url})")


@promise
def last_page_has_no_next_link(walk: Walk, what: str) -> None:
    """`rel="next"` (or `rel="prev"`, walking back) is left out on the last page: a link never leads to an
    empty page."""
    for index, page in enumerate(walk.pages[1:], start=1):
        if not page.items:
            raise ContractViolation(
                f"{what}: page {index} holds no items, so page {index - 1} was the last page but still "
                f"had a rel={walk.rel!r} link"
            )


@promise
def sub_lists_share_no_record(first: Walk, second: Walk, what: str) -> None:
    """A list under one parent holds only that parent's records: two parents' lists share none."""
    shared = set(first.ids) & set(second.ids)
    if shared:
        raise ContractViolation(
            f"{what}: {len(shared)} records are listed under both parents, e.g. {sorted(shared)[0]}"
        )


@promise
def prev_walk_mirrors_next_walk(next_walk: Walk, prev_walk: Walk, what: str) -> None:
    """Walking `prev` back from the last page visits the same records as walking `next` to it."""
    forward = next_walk.ids
    backward = [str(item.get("id")) for page in reversed(prev_walk.pages) for item in page.items]
    if forward != backward:
        raise ContractViolation(
            f"{what}: walking rel='prev' back from the last page saw {len(backward)} items, "
            f"walking rel='next' saw {len(forward)}; the two walks disagree"
        )


# Errors and authentication.


@promise
def error_body_names_its_status_and_request_id(response: httpx.Response, what: str) -> None:
    """An error answer carries `{code, message, request_id, status}`, `status` equal to the HTTP status
    and `request_id` equal to the `X-Request-Id` header."""
    try:
        body = response.json()
    except ValueError:
        raise ContractViolation(f"{what}: the {response.status_code} answer's body is not JSON") from None
    error_body_matches(body, response.status_code, response.headers.get("x-request-id"), what)


@promise
def error_body_matches(body: Any, status: int, request_id_header: str | None, what: str) -> None:
    """The shared core of the error-body promise, for httpx and schemathesis responses alike."""
    if not isinstance(body, dict):
        raise ContractViolation(f"{what}: the {status} answer's body is not an object: {body!r:.200}")
    for name in ("code", "message", "request_id"):
        if not isinstance(body.get(name), str) or not body.get(name):
            raise ContractViolation(f"{what}: the {status} error body has no `{name}` string: {body!r:.300}")
    if body.get("status") != status:
        raise ContractViolation(
            f"{what}: the error body says status {body.get('status')!r} but the HTTP status is {status}"
        )
    if request_id_header != body["request_id"]:
        raise ContractViolation(
            f"{what}: the error body's request_id {body['request_id']!r} differs from the X-Request-Id "
            f"header {request_id_header!r}"
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


def error_answers_carry_status_and_request_id(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check, registered as schemathesis registers its own, so that every generated request of
    the property and stateful tests runs it: every documented error answer has a well-formed body.

    As for schemathesis' own checks, True means "does not apply" (the check is not counted as run).
    """
    if response.status_code not in ERROR_STATUSES:
        return True
    try:
        body = response.json()
    except ValueError:
        # content_type_conformance and response_schema_conformance report a body that is not JSON.
        return True
    header = response.headers.get("x-request-id")
    error_body_matches(body, response.status_code, header[0] if header else None, case.operation.label)
    return None


schemathesis.check(error_answers_carry_status_and_request_id)
