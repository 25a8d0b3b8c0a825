"""The contract suite's kill rate: it fails against every deliberately broken server, passes the correct one.

Each run is `pytest contract_tests --profile quick -x` in a subprocess; two run at a time. The table of
variants, outcomes, times and the first failing test is printed (see it with `pytest -s`).
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from broken_servers import BROKEN_VARIANTS, BrokenVariant
from contract_suite_runs import SuiteRun, run_suite_against

API_KEY = f"sk_test_{secrets.token_hex(16)}"
PARALLEL_RUNS = 2
# pytest's exit code for "tests ran and some failed"; 2-4 would mean the suite itself broke.
TESTS_FAILED = 1


def _run_variant(variant: BrokenVariant, workdir: Path) -> SuiteRun:
    return run_suite_against(
        lambda app: variant.wrap(app, API_KEY), API_KEY, workdir / f"{variant.name}.xml", extra_args=["-x"]
    )


def _table(results: list[tuple[BrokenVariant, SuiteRun]]) -> str:
    lines = [f"{'variant':<30} {'caught':<7} {'seconds':>7}  first failing test", "-" * 110]
    for variant, run in results:
        caught = "yes" if run.exit_code == TESTS_FAILED else f"NO ({run.exit_code})"
        lines.append(f"{variant.name:<30} {caught:<7} {run.seconds:>7.1f}  {run.first_failure or '-'}")
    killed = sum(run.exit_code == TESTS_FAILED for _, run in results)
    lines.append(f"kill rate: {killed}/{len(results)} = {100 * killed / len(results):.0f}%")
    return "\n".join(lines)


def test_there_are_at_least_twelve_distinct_variants() -> None:
    names = [variant.name for variant in BROKEN_VARIANTS]
    assert len(names) >= 12
    assert len(set(names)) == len(names)


def test_suite_passes_against_the_correct_server(tmp_path: Path) -> None:
    run = run_suite_against(None, API_KEY, tmp_path / "correct.xml")
    print(f"\ncorrect server: exit {run.exit_code} in {run.seconds:.1f}s")
    assert run.exit_code == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_suite_fails_against_every_broken_variant(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        runs = list(pool.map(lambda variant: _run_variant(variant, tmp_path), BROKEN_VARIANTS))
    results = list(zip(BROKEN_VARIANTS, runs, strict=True))
    print("\n" + _table(results))
    survivors = {variant.name: run.exit_code for variant, run in results if run.exit_code != TESTS_FAILED}
    if survivors:
        details = "\n\n".join(
            f"--- {variant.name} (exit {run.exit_code}) ---\n{run.stdout[-3000:]}{run.stderr[-1000:]}"
            for variant, run in results
            if variant.name in survivors
        )
        pytest.fail(f"the suite did not catch {sorted(survivors)}:\n{details}")
