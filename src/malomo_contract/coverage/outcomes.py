"""What became of each test of the run, for the report: the ones that failed (one count of them, everywhere),
the ones skipped with their reasons, and the outcomes of each test function."""

from __future__ import annotations

import pytest

from malomo_contract.coverage.records import RunSummary

NOT_RUN = "not run"
# How one test function (its parametrizations together) did, worst first.
FUNCTION_OUTCOMES = ("failed", "passed", "skipped")
MAX_ERROR_LINE = 300


def record_outcome(
    summary: RunSummary,
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
) -> None:
    """Count the outcome of one phase of `item` in `summary`. The texts kept are as raised: the report
    cleans them when it is written, once the masker has seen every answer they could quote."""
    if report.when == "call":
        summary.outcomes[report.outcome] += 1
    elif report.outcome != "passed":
        summary.outcomes["skipped" if report.outcome == "skipped" else "error"] += 1
    name = getattr(item, "originalname", item.name)
    if report.outcome != "passed" or report.when == "call":
        summary.test_outcomes.setdefault(name, set()).add(report.outcome)
    if report.outcome == "skipped":
        summary.skipped[item.nodeid] = skip_reason(report)
    elif report.outcome == "failed" and item.nodeid not in summary.failed_tests:
        summary.failed_tests[item.nodeid] = error_line(call)


def skip_reason(report: pytest.TestReport) -> str:
    """The reason a skipped test gave, as the terminal's `-rs` shows it."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def error_line(call: pytest.CallInfo[None]) -> str:
    """The first line of what a failed phase raised."""
    if call.excinfo is None:
        return "failed"
    error = call.excinfo.value
    text = str(error).strip().splitlines()
    line = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    return line if len(line) <= MAX_ERROR_LINE else line[:MAX_ERROR_LINE] + " [...]"


def function_outcome(summary: RunSummary, name: str) -> str:
    """How the test function `name` did in the run: failed, passed, skipped or not run."""
    seen = summary.test_outcomes.get(name, set())
    return next((outcome for outcome in FUNCTION_OUTCOMES if outcome in seen), NOT_RUN)


def failed_count(summary: RunSummary) -> int:
    """How many tests failed: the one count the verdict and the failure list both give."""
    return len(summary.failed_tests) or summary.outcomes["failed"] + summary.outcomes["error"]
