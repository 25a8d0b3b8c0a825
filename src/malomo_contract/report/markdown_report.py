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
    status_rows,
    undocumented_state,
)

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
    failure_lines = failure_kinds(coverage)
    if failure_lines:
        count = sum(len(numbers) for numbers in failure_lines.values())
        lines += ["", f"### ❌ Failures ({count})", ""]
        lines += [
            f"- {_md_text(summary)} ({', '.join(f'#{number}' for number in numbers)})"
            for summary, numbers in failure_lines.items()
        ]
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
    return "\n".join(lines) + "\n"


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
        lines += ["", "Reproduce with:", "", *_fenced(shown_curl(record.curl), "sh")]
    if record.answer:
        lines += ["", "The last answer the test saw:", "", *_fenced(record.answer, "text")]
    return lines


def _fenced(text: str, language: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text, fence]


def _md_text(text: str) -> str:
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text)
