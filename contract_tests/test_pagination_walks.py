"""Walking `Link` headers over customers and over a customer's events: it ends, never repeats, misses nothing.

A remote server's page size is unknown, so each test first makes its list span at least two pages
(within the profile's budget) and reads the page size off the first page.
"""

from __future__ import annotations

import pytest

from .contract_checks import (
    prev_walk_mirrors_next_walk,
    walk_ends,
    walk_finds_every_record,
    walk_is_in_ascending_order,
    walk_never_repeats_an_id,
    walk_never_revisits_a_page,
)
from .customers_api import ContractViolation, CustomersApi, Page, Walk
from .profiles import Profile

pytestmark = pytest.mark.writes

# Records created past the first page boundary: enough to straddle the next boundary as well.
MAX_EXTRA_CUSTOMERS = 40


def _check_walk(walk: Walk, what: str) -> None:
    walk_never_revisits_a_page(walk, what)
    walk_ends(walk, what)
    walk_never_repeats_an_id(walk, what)
    walk_is_in_ascending_order(walk, what)


def _page_size(first: Page) -> int | None:
    """The page size, when the first page shows it (a full page with a `next` link)."""
    return len(first.items) if first.next_url is not None and first.items else None


@pytest.fixture(scope="module")
def customers_walked(api: CustomersApi, profile: Profile) -> tuple[list[str], Walk]:
    """Customers created for the walk (at least one page of them, and one more), then a full `next` walk."""
    # The first page's length is the page size when there is a next page, else every customer there is.
    wanted = len(api.first_page("/customers").items) + 2
    created = [api.create_customer("walk")["id"] for _ in range(min(wanted, MAX_EXTRA_CUSTOMERS))]
    walk = api.walk(api.first_page("/customers"), rel="next", max_pages=profile.max_walk_pages)
    return created, walk


def test_customer_walk_ends_without_repeats_in_order(customers_walked: tuple[list[str], Walk]) -> None:
    _, walk = customers_walked
    _check_walk(walk, "GET /customers following rel=next")


def test_customer_walk_finds_customers_created_before_it(customers_walked: tuple[list[str], Walk]) -> None:
    created, walk = customers_walked
    walk_finds_every_record(walk, created, "GET /customers following rel=next")


def test_customer_walk_back_by_prev_mirrors_the_walk_by_next(
    customers_walked: tuple[list[str], Walk], api: CustomersApi, profile: Profile
) -> None:
    _, forward = customers_walked
    if len(forward.pages) < 2 or forward.revisited_url or forward.exhausted_budget:
        pytest.skip("needs a finished walk over at least two pages")
    backward = api.walk(forward.pages[-1], rel="prev", max_pages=profile.max_walk_pages)
    walk_never_revisits_a_page(backward, "GET /customers following rel=prev")
    walk_ends(backward, "GET /customers following rel=prev")
    prev_walk_mirrors_next_walk(forward, backward, "GET /customers")


def test_event_walk_ends_without_repeats_and_finds_every_update(api: CustomersApi, profile: Profile) -> None:
    customer_id = api.create_customer("event-walk")["id"]
    path = f"/customers/{customer_id}/events"
    updates = 0
    # Update until the event log spans two pages, then past the next boundary (page size permitting).
    while updates < profile.max_event_updates and api.first_page(path).next_url is None:
        api.update_customer(customer_id, {"first_name": f"Update {updates}"})
        updates += 1
    page_size = _page_size(api.first_page(path))
    extra = min(page_size + 1 if page_size is not None else 0, profile.max_event_updates - updates)
    for _ in range(max(extra, 0)):
        api.update_customer(customer_id, {"first_name": f"Update {updates}"})
        updates += 1
    walk = api.walk(api.first_page(path), rel="next", max_pages=profile.max_walk_pages)
    what = "GET /customers/{customer_id}/events following rel=next"
    _check_walk(walk, what)
    if len(walk.items) < updates:
        raise ContractViolation(
            f"{what}: {updates} updates were made but a walk over {len(walk.pages)} pages found only "
            f"{len(walk.items)} events"
        )
