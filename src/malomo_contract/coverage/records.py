"""What the coverage collector keeps: each failure with its reproduction, everything done to one operation,
and the facts about the run the report shows at its top."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Reproductions kept per operation, check and test; the latest win (Hypothesis' shrunk example comes last).
MAX_FAILURES_PER_CHECK = 3


@dataclass
class FailureRecord:
    """One failed check on one response, with its reproduction (kept under its operation, or unattributed)."""

    check: str
    title: str
    message: str
    curl: str
    status: int | None
    # The `contract_checks` promise that raised it, for the suite's own tests.
    promise: str | None = None
    # The last answer the test saw, in full (status line and body; the fetched record of a field-level
    # failure), for the suite's own tests.
    answer: str = ""
    # The operation it is blamed on (`PUT /customers/{id}`), None when no request of the spec's.
    operation: str | None = None
    # Whether `curl` is the failing generated request(s) (schemathesis'), not every request the test sent.
    generated: bool = False
    # Every value the failing requests named (path segments, ids in bodies and queries): the records the
    # reproduction needs, which later requests must leave alone.
    names: frozenset[str] = frozenset()
    # Bodies too long for a curl line, by the file name the curl line sends them from (`@name`).
    bodies: dict[str, str] = field(default_factory=dict)
    # The node id of the test that failed.
    test: str = ""


@dataclass
class OperationCoverage:
    """Everything the run did to one operation."""

    label: str
    operation_id: str
    documented: tuple[str, ...]
    positive: int = 0
    negative: int = 0
    suite_requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    check_runs: Counter[str] = field(default_factory=Counter)
    check_failures: Counter[str] = field(default_factory=Counter)
    failed_statuses: set[int] = field(default_factory=set)
    # By check, title and failed test: every failed test keeps a reproduction.
    failures: dict[tuple[str, str, str], list[FailureRecord]] = field(default_factory=dict)

    def observed(self, documented_key: str) -> int:
        return sum(count for status, count in self.statuses.items() if status_matches(documented_key, status))

    def failed(self, documented_key: str) -> bool:
        return any(status_matches(documented_key, status) for status in self.failed_statuses)

    def undocumented(self) -> dict[int, int]:
        return {
            status: count
            for status, count in sorted(self.statuses.items())
            if not any(status_matches(key, status) for key in self.documented)
        }

    def add_failure(self, record: FailureRecord) -> None:
        """Count `record`, and keep it under its check, title and test: the latest few, the newest last."""
        self.check_failures[record.check] += 1
        if record.status is not None:
            self.failed_statuses.add(record.status)
        kept = self.failures.setdefault((record.check, record.title, record.test), [])
        kept.append(record)
        del kept[:-MAX_FAILURES_PER_CHECK]

    def failure_list(self) -> list[FailureRecord]:
        return [record for records in self.failures.values() for record in records]


def status_matches(key: str, status: int) -> bool:
    """Whether `status` falls under the documented response `key` (`404`, `4XX`, `default`)."""
    # Imported here, as schemathesis is elsewhere in this module: `malomo-contract` imports it before pytest.
    from schemathesis.core.transport import status_code_matches

    return status_code_matches(key, status)


@dataclass
class RunSummary:
    """Facts about the run shown at the top of the report."""

    target: str = ""
    profile: str = ""
    seed: int | None = None
    outcomes: Counter[str] = field(default_factory=Counter)
    exit_status: int | None = None
    # Each test that failed (in any phase), by node id, with the first line of its error: one count of them.
    failed_tests: dict[str, str] = field(default_factory=dict)
    # Each skipped test, by node id, with the reason it gave.
    skipped: dict[str, str] = field(default_factory=dict)
    # The outcomes of each test function (its parametrizations together), by its name.
    test_outcomes: dict[str, set[str]] = field(default_factory=dict)
    # What the paging tests walked, per list, as the terminal's summary says it.
    paging: list[str] = field(default_factory=list)
