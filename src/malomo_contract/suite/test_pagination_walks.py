"""Walking `Link` headers over every list of the spec, at whatever page size the server uses.

Each list's page size is learnt from its first page. On a target that allows writes, the list is first
grown until it spans at least three pages (within the profile's budget), so that every paging promise is
checked past the first page: no repeats, no skips, order, `prev` walking back, and the links of the first
and last pages. On a read-only target the lists are walked as they are; the summary says which were too
short to test paging.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from malomo_contract.customers_api import CustomersApi, Page, Walk
from malomo_contract.list_growers import LISTS, ListUnderTest
from malomo_contract.paging_summary import PAGES_NEEDED, PagingNote, paging_notes
from malomo_contract.profiles import Profile
from malomo_contract.run_state import run_state
from malomo_contract.spec_contract import operations
from malomo_contract.target import ContractTarget
from malomo_contract.walk_checks import (
    first_page_has_no_prev_link,
    last_page_has_no_next_link,
    prev_walk_mirrors_next_walk,
    walk_finds_every_record,
    walk_holds_at_least,
    walk_is_in_ascending_order,
    walk_never_repeats_an_id,
    walk_never_revisits_a_page,
    walk_spans_the_pages_its_records_fill,
)


def test_every_list_of_the_spec_is_walked() -> None:
    assert sorted(op.operation_id for op in operations() if op.is_list) == sorted(LISTS)


@dataclass
class Walked:
    """A list grown (where allowed) to three pages, what the suite added to it, and a walk over it."""

    walked_list: ListUnderTest
    # Ids of the records the suite added (when growing returns them), and how many records it added.
    added_ids: list[str]
    added: int
    walk: Walk
    # Whether the list holds records for the pages the walks need; else why paging could not be tested.
    enough: bool
    too_short: str | None


def _walk_list(
    list_id: str, api: CustomersApi, target: ContractTarget, profile: Profile, notes: list[PagingNote]
) -> Walked:
    what = LISTS[list_id](api, target)
    if what is None:
        pytest.skip(f"{list_id}: the read-only target has nothing to list it under")
    label = f"GET {what.operation.path}"
    first = api.first_page(what.path)
    page_size = len(first.items) if first.next_url is not None and first.items else None
    added: list[str | None] = []

    def grow(count: int) -> None:
        assert what.grow is not None
        for _ in range(max(min(count, profile.max_list_growth - len(added)), 0)):
            added.append(what.grow())

    # Grow until the page size shows (doubling the list each time), then to the pages the walks need.
    while what.grow is not None and page_size is None and len(added) < profile.max_list_growth:
        grow(max(len(first.items), 1))
        first = api.first_page(what.path)
        page_size = len(first.items) if first.next_url is not None and first.items else None
    # The list holds enough records for three pages: the suite saw them or made them.
    enough = False
    if page_size is not None:
        have = len(api.walk(first, rel="next", max_pages=PAGES_NEEDED).items)
        needed = (PAGES_NEEDED - 1) * page_size + 1
        if what.grow is not None:
            before = len(added)
            grow(needed - have)
            have += len(added) - before
        enough = have >= needed
    walk = _walk(api, api.first_page(what.path), "next", profile)
    note = PagingNote(
        label, page_size, len(walk.pages), len(walk.items), len(added), walk.exhausted_budget, walk.seconds
    )
    notes.append(note)
    # Too short only when the list really is: a walk that stops early over enough records is a finding.
    too_short = f"{label}: {note.describe()}" if len(walk.pages) < PAGES_NEEDED and not enough else None
    return Walked(
        what, [record for record in added if record is not None], len(added), walk, enough, too_short
    )


def _walk(api: CustomersApi, first: Page, rel: str, profile: Profile) -> Walk:
    return api.walk(first, rel=rel, max_pages=profile.max_walk_pages, max_seconds=profile.max_walk_seconds)


def _skip_unless_walked_to_the_end(walk: Walk, what: str) -> None:
    """A walk that ran out of its budget proves nothing broken (only a repeated cursor or item, or one out
    of order, does, and those were checked on what it saw): the rest is not tested."""
    if walk.exhausted_budget:
        pytest.skip(
            f"{what}: not tested to the end: the walk's budget ran out after {len(walk.pages)} pages "
            f"({len(walk.items)} items, {walk.seconds:.0f} s) on a list that holds at least that many"
        )


@pytest.fixture(scope="module", params=sorted(LISTS))
def walked_once(
    request: pytest.FixtureRequest,
    api: CustomersApi,
    contract_target: ContractTarget,
    profile: Profile,
    pytestconfig: pytest.Config,
) -> Walked:
    return _walk_list(str(request.param), api, contract_target, profile, paging_notes(pytestconfig))


@pytest.fixture
def walked(walked_once: Walked, pytestconfig: pytest.Config) -> Walked:
    """The module's walk of one list. A test that fails on it leaves in place (not cleaned up) the records
    the walk added and the one its list hangs under, with those its own requests name."""
    run_state(pytestconfig).coverage.involve(
        [*walked_once.added_ids, *walked_once.walked_list.parameters.values()]
    )
    return walked_once


def test_next_walk_ends_without_repeats_in_order(walked: Walked) -> None:
    what = f"GET {walked.walked_list.operation.path} following rel=next"
    walk_never_revisits_a_page(walked.walk, what)
    if walked.enough:
        walk_spans_the_pages_its_records_fill(walked.walk, PAGES_NEEDED, what)
    walk_never_repeats_an_id(walked.walk, what)
    walk_is_in_ascending_order(walked.walk, what)
    _skip_unless_walked_to_the_end(walked.walk, what)


def test_next_walk_finds_every_record_that_existed_before_it(
    walked: Walked, api: CustomersApi, profile: Profile
) -> None:
    what = f"GET {walked.walked_list.operation.path} following rel=next"
    _skip_unless_walked_to_the_end(walked.walk, what)
    walk_finds_every_record(walked.walk, walked.added_ids, what)
    walk_holds_at_least(walked.walk, walked.added, what)
    # A second walk finds what the first one did (nothing deletes from these lists meanwhile).
    again = _walk(api, api.first_page(walked.walked_list.path), "next", profile)
    walk_never_repeats_an_id(again, what)
    _skip_unless_walked_to_the_end(again, what)
    walk_finds_every_record(again, walked.walk.ids, what)


def test_first_and_last_pages_have_only_their_links(walked: Walked) -> None:
    what = f"GET {walked.walked_list.operation.path}"
    first_page_has_no_prev_link(walked.walk.pages[0], what)
    last_page_has_no_next_link(walked.walk, f"{what} following rel=next")
    _skip_unless_walked_to_the_end(walked.walk, f"{what} following rel=next")


def test_prev_walk_back_mirrors_the_next_walk(walked: Walked, api: CustomersApi, profile: Profile) -> None:
    if walked.too_short is not None:
        pytest.skip(walked.too_short)
    forward = walked.walk
    what = f"GET {walked.walked_list.operation.path}"
    _skip_unless_walked_to_the_end(forward, f"{what} following rel=next")
    backward = _walk(api, forward.pages[-1], "prev", profile)
    walk_never_revisits_a_page(backward, f"{what} following rel=prev")
    _skip_unless_walked_to_the_end(backward, f"{what} following rel=prev")
    last_page_has_no_next_link(backward, f"{what} following rel=prev")
    first_page_has_no_prev_link(backward.pages[-1], f"{what} (reached by rel=prev)")
    prev_walk_mirrors_next_walk(forward, backward, what)
