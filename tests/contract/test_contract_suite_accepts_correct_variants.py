"""The contract suite passes servers that keep the contract in ways the reference server does not show
(`broken_servers.CORRECT_VARIANTS`): it is not fitted to its own mock."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.broken_servers import CORRECT_VARIANTS
from support.contract_suite_runs import run_plans

# Each test runs the contract suite (in a subprocess or in-process against servers): slow.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("variant", [variant.name for variant in CORRECT_VARIANTS])
def test_suite_passes_a_correct_variant(variant: str, tmp_path: Path) -> None:
    run = run_plans(tmp_path, [{"name": variant, "variant": variant}])[variant]
    assert run.exit_code == 0, run.stdout[-3000:] + run.stderr[-1000:]
