"""The fault-class table of the report: each class of bug the research tools name (EvoMaster's categories,
RESTler's checkers, schemathesis' checks; `malomo_contract.fault_classes`), with the suite's tests that
catch it and how each did in this run, or why it does not apply to this API."""

from __future__ import annotations

from dataclasses import dataclass

from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.outcomes import FUNCTION_OUTCOMES, NOT_RUN, function_outcome
from malomo_contract.fault_classes import fault_classes

NOT_APPLICABLE = "does not apply"


@dataclass(frozen=True)
class FaultRow:
    """One class: where it comes from, the tests that catch it with this run's outcome of each (passed,
    failed, skipped, not run), or the reason it does not apply."""

    source: str
    id: str
    title: str
    applies: bool
    reason: str
    tests: tuple[tuple[str, str], ...]
    planted: str

    @property
    def state(self) -> str:
        """The worst outcome of its tests: failed, else passed, else skipped, else not run; n/a."""
        if not self.applies:
            return NOT_APPLICABLE
        outcomes = {outcome for _, outcome in self.tests}
        return next((outcome for outcome in (*FUNCTION_OUTCOMES, NOT_RUN) if outcome in outcomes), NOT_RUN)


def fault_rows(coverage: ContractCoverage) -> list[FaultRow]:
    """A row per fault class, its tests' outcomes read from the run; none when an installation lacks the
    inventory's data file (the report is written without the table rather than not at all)."""
    try:
        classes = fault_classes()
    except OSError:
        return []
    return [
        FaultRow(
            fault.source,
            fault.id,
            fault.title,
            fault.applies,
            fault.reason,
            tuple((name, function_outcome(coverage.summary, _function(name))) for name in fault.tests),
            fault.planted,
        )
        for fault in classes
    ]


def _function(test: str) -> str:
    return test.rpartition("::")[2]


def fault_counts(rows: list[FaultRow]) -> str:
    """'39 classes: 30 apply (28 caught by a test that ran), 9 do not apply'."""
    applying = [row for row in rows if row.applies]
    ran = sum(1 for row in applying if row.state in ("passed", "failed"))
    return (
        f"{len(rows)} classes: {len(applying)} apply ({ran} with a test of them that ran), "
        f"{len(rows) - len(applying)} do not apply to this API"
    )
