"""The coverage report in Markdown (`--report-md PATH`), for a pull-request comment or a job summary."""

from __future__ import annotations

import re

from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.records import FailureRecord, OperationCoverage
from malomo_contract.report.content import (
    FAILED,
    NEVER,
    OBSERVED,
    REFUSED,
    STATE_TEXT,
    UNDOCUMENTED,
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

MARKDOWN_SYMBOLS = {OBSERVED: "✅", NEVER: "⬜", FAILED: "❌", UNDOCUMENTED: "⚠️", REFUSED: "🔘"}


def render_markdown(coverage: ContractCoverage) -> str:
    held, verdict = run_verdict(coverage)
    numbers = numbered_failures(coverage)
    columns = matrix_columns(coverage)
    lines = [
        f"## Malomo contract coverage: {'✅' if held else '❌'} {verdict}",
        "",
        *(f"- **{name}**: {_md_text(value)}" for name, value in facts(coverage)),
    ]
    lines += _index_markdown(coverage)
    lines += [
        "",
        "| operation | " + " | ".join(columns) + " | undocumented |",
        "| --- |" + " :---: |" * len(columns) + " --- |",
    ]
    for operation in coverage.operations.values():
        cells = [
            f"{MARKDOWN_SYMBOLS[cell_state(operation, key)]} {operation.observed(key)}"
            if key in operation.documented
            else ""
            for key in columns
        ]
        undocumented = ", ".join(
            f"{MARKDOWN_SYMBOLS[undocumented_state(operation, status)]} {status} x{count}"
            for status, count in operation.undocumented().items()
        )
        lines.append(f"| `{operation.label}` | " + " | ".join(cells) + f" | {undocumented} |")
    lines += [
        "",
        " · ".join(f"{MARKDOWN_SYMBOLS[state]} {text}" for state, text in STATE_TEXT.items())
        + " · blank: not documented · numbers: responses seen",
    ]
    for operation in coverage.operations.values():
        lines += ["", *_operation_markdown(operation, numbers)]
    if coverage.unattributed:
        lines += ["", "### Failures not tied to one operation"]
        for record in coverage.unattributed:
            lines += ["", *_failure_markdown(record, numbers[id(record)])]
    lines += _inventory_markdown(coverage)
    lines += _faults_markdown(coverage)
    return "\n".join(lines) + "\n"


def _index_markdown(coverage: ContractCoverage) -> list[str]:
    """The failed tests, each linked to its failures' numbers, then every reason a test was skipped for."""
    lines: list[str] = []
    failure_lines = failure_kinds(coverage)
    if failure_lines:
        lines += ["", f"### ❌ Failures: {tests_failed(coverage)}", ""]
        for summary, numbers in failure_lines.items():
            links = f" ({', '.join(f'#{number}' for number in numbers)})" if numbers else ""
            lines.append(f"- {_md_text(summary)}{links}")
    skipped = skipped_tests(coverage)
    if skipped:
        lines += ["", f"### Skipped ({sum(len(tests) for tests in skipped.values())})", ""]
        for reason, tests in skipped.items():
            names = ", ".join(tests[:10]) + ", ..." * (len(tests) > 10)
            lines.append(f"- {_md_text(reason)} ({len(tests)}: {_md_text(names)})")
    return lines


def _faults_markdown(coverage: ContractCoverage) -> list[str]:
    """The fault-class table, folded (it is long): each class with its tests' outcomes, or why it does not
    apply."""
    rows = fault_rows(coverage)
    if not rows:
        return []
    lines = ["", f"### Fault classes ({len(rows)})", "", f"<details><summary>{fault_counts(rows)}</summary>"]
    lines += ["", "| source | class | caught by | planted bug |", "| --- | --- | --- | --- |"]
    for row in rows:
        caught = (
            ", ".join(f"`{test.rpartition('::')[2]}` {outcome}" for test, outcome in row.tests)
            if row.applies
            else f"does not apply: {_md_text(row.reason)}"
        )
        planted = f"`{row.planted}`" if row.planted else ""
        lines.append(f"| {row.source} | `{row.id}` {_md_text(row.title)} | {caught} | {planted} |")
    return [*lines, "", "</details>"]


def _inventory_markdown(coverage: ContractCoverage) -> list[str]:
    """The spec's statements in short: how many of each state, and those a failed test enforces."""
    promises, tests, counts = inventory_states(coverage)
    if not promises:
        return []
    lines = ["", f"### Promises of the spec ({len(promises)})", "", counts]
    broken = [promise for promise, state in promises if state == FAILED]
    if broken:
        lines += ["", "| where | statement | failed test |", "| --- | --- | --- |"]
        lines += [
            f"| {_md_text(promise.where)} | {_md_text(promise.text)} | "
            + ", ".join(
                f"`{name}`" for test in promise.tests if tests.get(name := test.rpartition("::")[2]) == FAILED
            )
            + " |"
            for promise in broken
        ]
    return lines


def _operation_markdown(operation: OperationCoverage, numbers: dict[int, int]) -> list[str]:
    lines = [
        f"### `{operation.label}` ({operation.operation_id})",
        "",
        f"Cases: {operation.positive} positive and {operation.negative} negative generated, "
        f"{operation.suite_requests} sent by the suite's own tests.",
        "",
        "| status | in the spec | seen | state |",
        "| --- | --- | ---: | --- |",
    ]
    for status, in_spec, seen, state in status_rows(operation):
        lines.append(f"| {status} | {in_spec} | {seen} | {MARKDOWN_SYMBOLS[state]} {STATE_TEXT[state]} |")
    lines.append("")
    if operation.check_runs:
        lines += ["| check | runs | failed |", "| --- | ---: | ---: |"]
        for check, runs in sorted(operation.check_runs.items()):
            failed = operation.check_failures[check]
            lines.append(f"| `{check}` | {runs} | {f'❌ {failed}' if failed else 0} |")
    else:
        lines.append("No check ran on this operation.")
    for record in operation.failure_list():
        lines += ["", *_failure_markdown(record, numbers[id(record)])]
    return lines


def _failure_markdown(record: FailureRecord, number: int) -> list[str]:
    status = f" (status {record.status})" if record.status is not None else ""
    lines = [f"#### #{number} `{record.check}`: {_md_text(record.title)}{status}", ""]
    if record.promise:
        lines += [f"Broken promise: `{record.promise}`", ""]
    lines += _fenced(record.message, "text")
    if record.curl:
        files = " (the bodies sent as @FILE are in files beside this report: run it in its folder)"
        lines += ["", f"Reproduce with{files * bool(record.bodies)}:", ""]
        lines += _fenced(shown_curl(record.curl), "sh")
    if record.answer:
        lines += ["", "The last answer the test saw:", "", *_fenced(record.answer, "text")]
    return lines


def _fenced(text: str, language: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text, fence]


def _md_text(text: str) -> str:
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text)
