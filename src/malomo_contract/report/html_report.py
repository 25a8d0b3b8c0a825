"""The coverage report as one self-contained HTML file (`--report PATH`): the template
`templates/coverage_report.html.jinja` (inline CSS, no script) filled with the report's content; its tables
carry `data-*` attributes for tools and tests."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.outcomes import failed_count
from malomo_contract.coverage.records import FailureRecord, OperationCoverage
from malomo_contract.report.content import (
    FAILED,
    NEVER,
    NOT_DOCUMENTED,
    OBSERVED,
    PROMISE_TEXT,
    REFUSED,
    SEVERITY,
    STATE_TEXT,
    UNDOCUMENTED,
    anchor,
    cell_state,
    facts,
    failure_kinds,
    inventory_states,
    matrix_columns,
    numbered_failures,
    run_verdict,
    shown_curl,
    skipped_tests,
    status_rows,
    tests_failed,
    undocumented_state,
)
from malomo_contract.report.fault_table import fault_counts, fault_rows

if TYPE_CHECKING:
    import jinja2

# HTML entities, put in the page as they are (`| safe` in the template).
HTML_SYMBOLS = {
    OBSERVED: "&check;",
    NEVER: "&ndash;",
    FAILED: "&cross;",
    UNDOCUMENTED: "!",
    REFUSED: "&empty;",
}


@functools.cache
def _template() -> jinja2.Template:
    # Imported here: a run without `--report` needs no Jinja2.
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("malomo_contract", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("coverage_report.html.jinja")


def render_html(coverage: ContractCoverage) -> str:
    held, verdict = run_verdict(coverage)
    numbers = numbered_failures(coverage)
    columns = matrix_columns(coverage)
    kinds = failure_kinds(coverage)
    promises, _, counts = inventory_states(coverage)
    faults = fault_rows(coverage)
    skipped = skipped_tests(coverage)
    return _template().render(
        held=held,
        verdict=verdict,
        facts=facts(coverage),
        failure_kinds=kinds,
        failed_tests=failed_count(coverage.summary),
        tests_failed=tests_failed(coverage),
        skipped=skipped,
        skipped_count=sum(len(tests) for tests in skipped.values()),
        faults=faults,
        fault_counts=fault_counts(faults),
        columns=columns,
        matrix=[_matrix_row(operation, columns) for operation in coverage.operations.values()],
        legend=[(state, HTML_SYMBOLS[state], text) for state, text in STATE_TEXT.items()],
        operations=[_operation(operation, numbers) for operation in coverage.operations.values()],
        unattributed=[_failure(record, numbers[id(record)]) for record in coverage.unattributed],
        promises=[
            {"promise": promise, "state": state, "title": PROMISE_TEXT[state], "symbol": HTML_SYMBOLS[state]}
            for promise, state in promises
        ],
        promise_counts=counts,
    )


def _matrix_row(operation: OperationCoverage, columns: list[str]) -> dict[str, Any]:
    """One row of the operations-by-statuses matrix: a cell per documented column, then the undocumented."""
    cells: list[dict[str, Any]] = []
    for key in columns:
        if key not in operation.documented:
            cells.append({"key": key, "state": NOT_DOCUMENTED})
            continue
        state, seen = cell_state(operation, key), operation.observed(key)
        title = f"{key}: {STATE_TEXT[state]}, seen {seen} times"
        cells.append(
            {"key": key, "state": state, "title": title, "symbol": HTML_SYMBOLS[state], "seen": seen}
        )
    spans = []
    for status, count in operation.undocumented().items():
        state = undocumented_state(operation, status)
        title = f"{status}: {STATE_TEXT[state]}"
        symbol = HTML_SYMBOLS[state]
        spans.append({"status": status, "state": state, "title": title, "symbol": symbol, "count": count})
    states = {span["state"] for span in spans}
    worst = next((state for state in SEVERITY if state in states), NOT_DOCUMENTED)
    return {
        "operation": operation,
        "anchor": anchor(operation),
        "cells": cells,
        "spans": spans,
        "worst": worst,
    }


def _operation(operation: OperationCoverage, numbers: dict[int, int]) -> dict[str, Any]:
    """One operation's section: cases sent, statuses, checks with their reproductions, failures."""
    failures = operation.failure_list()
    checks = [
        {
            "name": check,
            "runs": runs,
            "failed": operation.check_failures[check],
            "numbers": [numbers[id(record)] for record in failures if record.check == check],
        }
        for check, runs in sorted(operation.check_runs.items())
    ]
    statuses = [
        {"status": status, "in_spec": in_spec, "seen": seen, "state": state, "text": STATE_TEXT[state]}
        for status, in_spec, seen, state in status_rows(operation)
    ]
    return {
        "operation": operation,
        "anchor": anchor(operation),
        "statuses": statuses,
        "checks": checks,
        "failures": [_failure(record, numbers[id(record)]) for record in failures],
    }


def _failure(record: FailureRecord, number: int) -> dict[str, Any]:
    return {
        "record": record,
        "number": number,
        "status": f" (status {record.status})" if record.status is not None else "",
        "curl": shown_curl(record.curl),
    }
