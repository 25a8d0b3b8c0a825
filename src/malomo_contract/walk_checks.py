"""Promises of the spec's paging, one plain function each, named for the promise: what a walk over a list's
pages (following its `Link` targets) must find, in what order, and where the links end."""

from __future__ import annotations

from collections.abc import Iterable

from malomo_contract.contract_checks import record_timestamp
from malomo_contract.customers_api import ContractViolation, Page, Walk
from malomo_contract.promise_marks import promise
from malomo_contract.record_fields import CREATED_AT, ID_FIELD


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
    keys = [(record_timestamp(item, CREATED_AT), str(item.get(ID_FIELD))) for item in walk.items]
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
    backward = [str(item.get(ID_FIELD)) for page in reversed(prev_walk.pages) for item in page.items]
    if forward != backward:
        raise ContractViolation(
            f"{what}: walking rel='prev' back from the last page saw {len(backward)} items, "
            f"walking rel='next' saw {len(forward)}; the two walks disagree"
        )
