"""The contract suite's kill rate: it fails against every deliberately broken server.

The paging variants are run by tests/contract/test_contract_paging_sizes.py (the paging module against
each, at four page sizes); every other variant here. Each run is `pytest src/malomo_contract/suite
--profile quick -x`, in a child forked from one subprocess that imported pytest and schemathesis once (see
`contract_suite_runs`); two run at a time. The table of variants, outcomes, times and the first failing
test is printed (see it with `pytest -s`). That the suite passes against the correct server is `tox -e
contract`'s job: it runs the suite with its default profile, which does everything `quick` does and more.
"""

from __future__ import annotations

import pytest

from support.broken_servers import BROKEN_VARIANTS
from support.contract_suite_runs import WHOLE_SUITE_VARIANTS, VariantRun

# pytest's exit code for "tests ran and some failed"; 2-4 would mean the suite itself broke.
TESTS_FAILED = 1


# Under pytest-xdist, on one worker: the runs are made once, by whichever test asks first.
pytestmark = [pytest.mark.xdist_group("broken_variant_runs"), pytest.mark.slow]


def _table(results: list[VariantRun]) -> str:
    lines = [f"{'variant':<30} {'caught':<7} {'seconds':>7}  first failing test", "-" * 110]
    for result in results:
        run = result.run
        caught = "yes" if run.exit_code == TESTS_FAILED else f"NO ({run.exit_code})"
        lines.append(f"{result.variant.name:<30} {caught:<7} {run.seconds:>7.1f}  {run.first_failure or '-'}")
    killed = sum(result.run.exit_code == TESTS_FAILED for result in results)
    lines.append(f"kill rate: {killed}/{len(results)} = {100 * killed / len(results):.0f}%")
    return "\n".join(lines)


def test_there_are_at_least_twelve_distinct_variants() -> None:
    names = [variant.name for variant in BROKEN_VARIANTS]
    assert len(names) >= 12
    assert len(set(names)) == len(names)


def test_suite_fails_against_every_broken_variant(broken_variant_runs: list[VariantRun]) -> None:
    print("\n" + _table(broken_variant_runs))
    assert [result.variant for result in broken_variant_runs] == list(WHOLE_SUITE_VARIANTS)
    survivors = [result for result in broken_variant_runs if result.run.exit_code != TESTS_FAILED]
    if survivors:
        details = "\n\n".join(
            f"--- {result.variant.name} (exit {result.run.exit_code}) ---\n"
            f"{result.run.stdout[-3000:]}{result.run.stderr[-1000:]}"
            for result in survivors
        )
        names = sorted(result.variant.name for result in survivors)
        pytest.fail(f"the suite did not catch {names}:\n{details}")
