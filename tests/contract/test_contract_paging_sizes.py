"""The contract suite's paging tests at realistic page sizes: against the reference server at page sizes 1,
5, 25 and 100 they walk every list of the spec past its first page (read from the suite's summary) and pass,
and at each size they catch every paging variant of `broken_servers.py`."""

from __future__ import annotations

import pytest

from malomo_contract.spec_contract import operations
from support.broken_servers import PAGING_VARIANTS
from support.contract_suite_runs import SuiteRun, run_plans

PAGE_SIZES = (1, 5, 25, 100)
PAGING_TESTS = "src/malomo_contract/suite/test_pagination_walks.py"
TESTS_FAILED = 1

# Under pytest-xdist, on one worker: the runs are made once, by whichever test asks first.
pytestmark = [pytest.mark.xdist_group("paging_runs"), pytest.mark.slow]


@pytest.fixture(scope="module")
def paging_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """The paging module (`--profile quick`) against the correct server and each paging variant, at each
    page size, by `<page size>-<variant or correct>`."""
    plans = [
        {
            "name": f"{size}-{variant or 'correct'}",
            "variant": variant,
            "page_size": size,
            "paths": [PAGING_TESTS],
        }
        for size in PAGE_SIZES
        for variant in (None, *PAGING_VARIANTS)
    ]
    return run_plans(tmp_path_factory.mktemp("paging-runs"), plans)


@pytest.mark.parametrize("page_size", PAGE_SIZES)
def test_paging_tests_walk_every_list_past_its_first_page(
    page_size: int, paging_runs: dict[str, SuiteRun]
) -> None:
    run = paging_runs[f"{page_size}-correct"]
    assert run.exit_code == 0, run.stdout[-3000:]
    summary = [line for line in run.stdout.splitlines() if line.startswith("malomo contract paging: ")]
    lists = sorted(f"GET {op.path}" for op in operations() if op.is_list)
    assert sorted(line.split(": ")[1] for line in summary) == lists
    assert all(f"page size {page_size}, " in line for line in summary), summary
    assert all(line.endswith("paging tested past the first page") for line in summary), summary


@pytest.mark.parametrize("variant", PAGING_VARIANTS)
@pytest.mark.parametrize("page_size", PAGE_SIZES)
def test_paging_tests_catch_every_paging_variant(
    page_size: int, variant: str, paging_runs: dict[str, SuiteRun]
) -> None:
    run = paging_runs[f"{page_size}-{variant}"]
    assert run.exit_code == TESTS_FAILED, run.stdout[-3000:]
