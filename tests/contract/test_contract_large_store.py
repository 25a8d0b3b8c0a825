"""A correct reference server holding a large store (20,000 customers in pages of 10: 2,000 pages) passes
the suite's `default` profile (the one `malomo-contract` runs when given none; `quick` only does less of the
same): that is the installed suite's passing run (installed_suite.py), whose server is seeded so. One
longer than the walk budget (lowered to 200 pages: quick's 5,000 would be 5,000 requests) has its walks
skipped as not tested to the end, with the size seen. The stores are seeded from a file, not filled over HTTP.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from installed_suite import (
    LARGE_STORE,
    LARGE_STORE_PAGE_SIZE,
    PROFILES,
    shared_contract_venv,
    shared_suite_runs,
)

from support.contract_suite_runs import SuiteRun, run_plans

# Each test runs the contract suite; the first shares the installed suite's runs (one worker makes them).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract_package")]

# More pages than the walk budget at page size 1.
WALK_BUDGET = 200
OVER_BUDGET = {"customers": WALK_BUDGET + 20, "page_size": 1, "max_walk_pages": WALK_BUDGET}
CUSTOMER_LIST_WALK = re.compile(
    r"malomo contract paging: GET /customers: page size (\d+), .*?(\d+) items(.*)"
)
CUT_SHORT = "not tested to the end"
WALKS_MODULE = "src/malomo_contract/suite/test_pagination_walks.py"


def test_a_correct_large_store_passes(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = shared_suite_runs(shared_contract_venv(tmp_path_factory), tmp_path_factory)["passing"]
    assert PROFILES["passing"] == "default"
    assert run.exit_code == 0, run.stdout[-4000:]
    # The suite did walk the large list (to its end, or to its budget: then it says so and skips).
    walked = CUSTOMER_LIST_WALK.search(run.stdout)
    assert walked is not None, run.stdout[-4000:]
    assert int(walked[1]) == LARGE_STORE_PAGE_SIZE
    # A walk ends at the list's end or at its budget, in pages or in seconds (a loaded machine may reach
    # the time budget first): then the summary must say so, not claim the list was tested.
    assert int(walked[2]) >= LARGE_STORE or CUT_SHORT in walked[3], walked[0]


@pytest.fixture(scope="module")
def over_budget_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    plan = {"name": "over-budget", "paths": [WALKS_MODULE], **OVER_BUDGET}
    return run_plans(Path(tmp_path_factory.mktemp("large-store")), [plan])["over-budget"]


def test_a_walk_over_its_budget_is_skipped_with_the_size_seen(over_budget_run: SuiteRun) -> None:
    run = over_budget_run
    assert run.exit_code == 0, run.stdout[-4000:]
    pages_seen = re.findall(
        r"SKIPPED .*GET /customers following rel=next: not tested to the end: "
        r"the walk's budget ran out after (\d+) pages",
        run.stdout,
    )
    # The budget is its pages or quick's seconds, whichever comes first; either way less than the list.
    assert pages_seen and all(int(pages) <= WALK_BUDGET for pages in pages_seen), run.stdout[-4000:]
    assert "not tested to the end (the walk's budget ran out" in run.stdout
