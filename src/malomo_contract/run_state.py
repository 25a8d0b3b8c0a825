"""What one run of the suite keeps between its tests: the customers it created, the path parameters and
cursors it learnt, the statuses each operation answered and the coverage report's collector. One object per
session, in the pytest stash; schemathesis' hooks reach it through the closures `openapi_schema` binds to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.status_tally import StatusTally
from malomo_contract.customer_records import CreatedCustomers, PathParameterPool
from malomo_contract.list_cursors import CursorPool


@dataclass
class RunState:
    """The per-session state of the suite."""

    created: CreatedCustomers = field(default_factory=CreatedCustomers)
    parameters: PathParameterPool = field(default_factory=PathParameterPool)
    cursors: CursorPool = field(default_factory=CursorPool)
    tally: StatusTally = field(default_factory=StatusTally)
    coverage: ContractCoverage = field(default_factory=ContractCoverage)

    def observers(self, base_url: str) -> list[Callable[[httpx.Response], None]]:
        """httpx response hooks that count each answer to the suite's own clients for this run and keep it for
        the current test's reproduction."""
        return [self.tally.observe(base_url), self.coverage.response_observer(base_url)]


RUN_STATE_KEY = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    """This session's state (made on first use)."""
    if RUN_STATE_KEY not in config.stash:
        config.stash[RUN_STATE_KEY] = RunState()
    return config.stash[RUN_STATE_KEY]
