"""The coverage report of one run (`--report PATH`, `--report-md PATH`): the failures first, an
operation-by-status matrix, then per operation the cases sent, statuses seen, checks run and each failure's
`curl` line. The HTML is one self-contained file (inline CSS, no script) whose tables carry `data-*`
attributes for tools and tests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.records import FailureRecord, OperationCoverage
from malomo_contract.promise_inventory import Promise

# A longer `curl` line (a probe of the body size limit) is cut: the page must stay readable.
MAX_CURL_CHARS = 4000

# Matrix cell states, as `data-state` values and CSS classes.
OBSERVED = "observed"
NEVER = "never"
FAILED = "failed"
NOT_DOCUMENTED = "not-documented"
UNDOCUMENTED = "undocumented"
REFUSED = "refused"
# The answer to a method the spec does not declare on a path: schemathesis sends such probes, and this
# status is the right answer to them (a declared method answered so fails a check, and shows as failed).
METHOD_NOT_ALLOWED = 405
MARKDOWN_SYMBOLS = {OBSERVED: "✅", NEVER: "⬜", FAILED: "❌", UNDOCUMENTED: "⚠️", REFUSED: "🔘"}
HTML_SYMBOLS = {
    OBSERVED: "&check;",
    NEVER: "&ndash;",
    FAILED: "&cross;",
    UNDOCUMENTED: "!",
    REFUSED: "&empty;",
}
STATE_TEXT = {
    OBSERVED: "observed",
    NEVER: "documented, never observed",
    FAILED: "a check failed on this response",
    UNDOCUMENTED: "undocumented status seen, no check failed on it",
    REFUSED: "an undeclared method, correctly refused",
}
# Worst first: the state an undocumented-statuses cell takes from the statuses in it.
SEVERITY = (FAILED, UNDOCUMENTED, REFUSED)

STYLE = """
:root { --ok: #1b5e20; --ok-bg: #c8e6c9; --never-bg: #fff3c4; --never: #6d5700; --bad: #b71c1c;
  --bad-bg: #ffcdd2; --warn: #8a4600; --warn-bg: #ffe0b2; --refused-bg: #eceff3; --line: #d0d7de;
  --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 24px;
  max-width: 1200px; color: #1f2328; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin-top: 36px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 20px 0 6px; font-size: 16px; }
small, .muted { color: var(--muted); font-weight: normal; }
.verdict { display: inline-block; font-weight: 600; padding: 4px 12px; border-radius: 14px; margin: 8px 0; }
.verdict.held { background: var(--ok-bg); color: var(--ok); }
.verdict.broken { background: var(--bad-bg); color: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
table.matrix td { text-align: center; min-width: 58px; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
table.matrix th small { display: block; }
table.matrix th[scope=row] { white-space: nowrap; }
td.observed { background: var(--ok-bg); color: var(--ok); }
td.never { background: var(--never-bg); color: var(--never); }
td.failed, span.failed { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
td.undocumented, span.undocumented { background: var(--warn-bg); color: var(--warn); font-weight: 600; }
td.refused, span.refused { background: var(--refused-bg); color: var(--muted); }
td span { padding: 0 4px; border-radius: 3px; white-space: nowrap; }
td.not-documented { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #f3f4f6 4px, #f3f4f6 8px); }
.legend span { display: inline-block; padding: 0 8px; margin-right: 6px; border-radius: 4px; }
.legend .observed { background: var(--ok-bg); color: var(--ok); }
.legend .never { background: var(--never-bg); color: var(--never); }
.legend .failed { background: var(--bad-bg); color: var(--bad); }
.legend .undocumented { background: var(--warn-bg); color: var(--warn); }
.legend .refused { background: var(--refused-bg); color: var(--muted); }
#failures { border: 2px solid var(--bad); border-radius: 8px; padding: 4px 16px; margin: 16px 0; }
#failures h2 { margin-top: 8px; border: 0; color: var(--bad); }
#failures ul { padding-left: 20px; }
table.promises td:last-child { white-space: normal; }
details summary { cursor: pointer; margin: 6px 0; }
#failures li { margin: 3px 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failing td { background: #fff5f5; }
a { color: #0969da; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  white-space: pre-wrap; word-break: break-all; margin: 4px 0; font-size: 13px; }
.failure { border-left: 4px solid var(--bad); padding: 2px 0 2px 12px; margin: 14px 0; }
.failure h4 { margin: 0 0 4px; }
"""


def _state(coverage: OperationCoverage, documented_key: str) -> str:
    if coverage.failed(documented_key):
        return FAILED
    return OBSERVED if coverage.observed(documented_key) else NEVER


def _matrix_columns(coverage: ContractCoverage) -> list[str]:
    keys = {key for operation in coverage.operations.values() for key in operation.documented}
    return sorted(keys, key=lambda key: (key.upper() == "DEFAULT", key.upper()))


def _anchor(operation: OperationCoverage) -> str:
    name = operation.operation_id or operation.label
    return "op-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def _undocumented_state(operation: OperationCoverage, status: int) -> str:
    if status in operation.failed_statuses:
        return FAILED
    return REFUSED if status == METHOD_NOT_ALLOWED else UNDOCUMENTED


def _verdict(coverage: ContractCoverage) -> tuple[bool, str]:
    outcomes = coverage.summary.outcomes
    failures = outcomes["failed"] + outcomes["error"]
    if coverage.summary.exit_status == 0:
        untested = _untested(coverage)
        return True, f"Contract held for the tests that ran ({untested})" if untested else "Contract held"
    if coverage.summary.exit_status == 1 and failures:
        return False, f"Contract broken: {failures} test{'s' * (failures != 1)} failed"
    # Stopped (the server was lost, an interruption): its failures may be the stop's, not the contract's.
    return False, f"The run did not complete (exit status {coverage.summary.exit_status})"


def _untested(coverage: ContractCoverage) -> str:
    """'3 skipped, 26 deselected' when some of the suite's tests did not run; '' when all did."""
    outcomes = coverage.summary.outcomes
    return ", ".join(f"{outcomes[name]} {name}" for name in ("skipped", "deselected") if outcomes[name])


def _facts(coverage: ContractCoverage) -> list[tuple[str, str]]:
    summary = coverage.summary
    outcomes = ", ".join(f"{count} {name}" for name, count in sorted(summary.outcomes.items()) if count)
    generated = sum(op.positive + op.negative for op in coverage.operations.values())
    own = sum(op.suite_requests for op in coverage.operations.values())
    facts = [
        ("target", summary.target or "-"),
        ("profile", summary.profile),
        ("seed", f"{summary.seed} (rerun with --contract-seed {summary.seed})"),
        ("tests", outcomes or "none ran"),
        ("requests", f"{generated} generated by schemathesis, {own} sent by the suite's own tests"),
        ("written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")),
    ]
    if coverage.kept:
        facts.append(
            (
                "left in place",
                f"{len(coverage.kept)} customers the failing tests used, not cleaned up so that their "
                f"reproductions reproduce: {', '.join(coverage.kept)}",
            )
        )
    if coverage.unmatched_requests:
        facts.append(("other requests", f"{coverage.unmatched_requests} matched no operation of the spec"))
    return facts


def _status_rows(operation: OperationCoverage) -> list[tuple[str, str, int, str]]:
    """(status, whether the spec documents it, responses seen, state) per row of an operation's statuses."""
    rows = [
        (key, "documented", operation.observed(key), _state(operation, key)) for key in operation.documented
    ]
    undocumented = operation.undocumented().items()
    return rows + [
        (str(status), "not documented", count, _undocumented_state(operation, status))
        for status, count in undocumented
    ]


def _failure_index(coverage: ContractCoverage) -> list[tuple[int, str | None, FailureRecord]]:
    """(number, operation label or None, record) of every failure, in report order."""
    records: list[tuple[str | None, FailureRecord]] = [
        (operation.label, record)
        for operation in coverage.operations.values()
        for record in operation.failure_list()
    ]
    records += [(None, record) for record in coverage.unattributed]
    return [(number, label, record) for number, (label, record) in enumerate(records, 1)]


def _numbered_failures(coverage: ContractCoverage) -> dict[int, int]:
    """id(record) -> its number in the report, in report order."""
    return {id(record): number for number, _, record in _failure_index(coverage)}


def _failure_lines(coverage: ContractCoverage) -> dict[str, list[int]]:
    """One line per kind of failure (check, operation, title, status), with the numbers of its failures."""
    lines: dict[str, list[int]] = {}
    for number, label, record in _failure_index(coverage):
        lines.setdefault(_failure_summary(label, record), []).append(number)
    return lines


def _failure_summary(label: str | None, record: FailureRecord) -> str:
    """One line naming a failure: its check, where, and what."""
    status = f" (status {record.status})" if record.status is not None else ""
    return f"{record.check} on {label or 'no single operation'}: {record.title}{status}"


def _test_states(coverage: ContractCoverage) -> dict[str, str]:
    """Test function name -> FAILED or OBSERVED (it ran), for the suite's own tests the run counted."""
    states = {check: OBSERVED for operation in coverage.operations.values() for check in operation.check_runs}
    for operation in coverage.operations.values():
        states.update({check: FAILED for check, failed in operation.check_failures.items() if failed})
    states.update({record.check: FAILED for record in coverage.unattributed})
    return states


def _promise_state(promise: Promise, tests: dict[str, str]) -> str:
    """FAILED when a test of the promise failed, OBSERVED when one ran, NEVER when none is known to have."""
    seen = {tests.get(test.rpartition("::")[2]) for test in promise.tests}
    return FAILED if FAILED in seen else OBSERVED if OBSERVED in seen else NEVER


# Runs and failures are counted per test for the suite's own tests; schemathesis' generated and stateful
# tests are counted per check and operation (the matrix), so their promises fall under NEVER here.
PROMISE_TEXT = {
    FAILED: "a test of it failed",
    OBSERVED: "a test of it ran",
    NEVER: "not counted per test (schemathesis' tests, or tests that did not run)",
}


# HTML


def render_html(coverage: ContractCoverage) -> str:
    held, verdict = _verdict(coverage)
    numbers = _numbered_failures(coverage)
    columns = _matrix_columns(coverage)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No favicon request: the page loads nothing but itself.
        '<link rel="icon" href="data:,">',
        f"<title>Malomo contract coverage: {escape(verdict)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<header><h1>Malomo contract coverage</h1>",
        f'<div class="verdict {"held" if held else "broken"}" data-verdict="{"held" if held else "broken"}">'
        f"{escape(verdict)}</div>",
        '<dl class="facts">',
        *(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in _facts(coverage)),
        "</dl></header>",
        *_failure_index_html(coverage),
        '<section id="matrix"><h2>Operations &times; statuses</h2>',
        '<table class="matrix"><thead><tr><th>operation</th>',
        *(f'<th scope="col">{escape(key)}</th>' for key in columns),
        '<th scope="col">undocumented</th></tr></thead><tbody>',
    ]
    for operation in coverage.operations.values():
        parts.append(
            f'<tr data-operation="{escape(operation.label)}"><th scope="row">'
            f'<a href="#{_anchor(operation)}">{escape(operation.label)}</a> '
            f"<small>{escape(operation.operation_id)}</small></th>"
        )
        for key in columns:
            if key not in operation.documented:
                parts.append(
                    f'<td class="{NOT_DOCUMENTED}" data-status="{escape(key)}" '
                    f'data-state="{NOT_DOCUMENTED}" title="not documented"></td>'
                )
                continue
            state = _state(operation, key)
            seen = operation.observed(key)
            title = f"{key}: {STATE_TEXT[state]}, seen {seen} times"
            parts.append(
                f'<td class="{state}" data-status="{escape(key)}" data-state="{state}" '
                f'title="{escape(title)}">{HTML_SYMBOLS[state]} {seen}</td>'
            )
        parts.append(_undocumented_cell(operation))
    parts += [
        "</tbody></table>",
        '<p class="legend">',
        *(f'<span class="{state}">{HTML_SYMBOLS[state]} {STATE_TEXT[state]}</span>' for state in STATE_TEXT),
        "<br>Numbers: responses seen; hatched: not documented for that operation.</p></section>",
    ]
    for operation in coverage.operations.values():
        parts.append(_operation_html(operation, numbers))
    if coverage.unattributed:
        parts.append('<section id="other-failures"><h2>Failures not tied to one operation</h2>')
        parts += [_failure_html(record, numbers[id(record)]) for record in coverage.unattributed]
        parts.append("</section>")
    parts += _inventory_html(coverage)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _failure_index_html(coverage: ContractCoverage) -> list[str]:
    """The list at the top of the page: each kind of failure in one line, linking to its details."""
    lines = _failure_lines(coverage)
    if not lines:
        return []
    count = sum(len(numbers) for numbers in lines.values())
    return [
        f'<section id="failures"><h2>Failures ({count})</h2><ul class="failure-index">',
        *(
            f"<li>{escape(summary)} "
            + " ".join(f'<a href="#failure-{number}">#{number}</a>' for number in numbers)
            + "</li>"
            for summary, numbers in lines.items()
        ),
        "</ul></section>",
    ]


def _undocumented_cell(operation: OperationCoverage) -> str:
    """The matrix cell of the statuses the spec does not document for `operation`, each with its state."""
    spans = []
    states = set()
    for status, count in operation.undocumented().items():
        state = _undocumented_state(operation, status)
        states.add(state)
        spans.append(
            f'<span class="{state}" data-status="{status}" data-state="{state}" title="{status}: '
            f'{STATE_TEXT[state]}">{HTML_SYMBOLS[state]} {status} &times;{count}</span>'
        )
    worst = next((state for state in SEVERITY if state in states), NOT_DOCUMENTED)
    return f'<td class="{worst}" data-state="{worst}">{" ".join(spans)}</td></tr>'


def _operation_html(operation: OperationCoverage, numbers: dict[int, int]) -> str:
    label = escape(operation.label)
    parts = [
        f'<section class="operation" id="{_anchor(operation)}" data-operation="{label}">',
        f"<h2>{label} <small>{escape(operation.operation_id)}</small></h2>",
        "<h3>Cases sent</h3>",
        '<table class="cases"><thead><tr><th>generated, positive</th><th>generated, negative</th>'
        "<th>by the suite's own tests</th></tr></thead><tbody><tr>",
        f'<td class="num" data-cases="positive">{operation.positive}</td>',
        f'<td class="num" data-cases="negative">{operation.negative}</td>',
        f'<td class="num" data-cases="suite">{operation.suite_requests}</td></tr></tbody></table>',
        "<h3>Statuses</h3>",
        '<table class="statuses"><thead><tr><th>status</th><th>in the spec</th><th>seen</th><th>state</th>'
        "</tr></thead><tbody>",
    ]
    for status, in_spec, seen, state in _status_rows(operation):
        parts.append(
            f'<tr data-status="{escape(status)}" data-state="{state}"><td>{escape(status)}</td>'
            f'<td>{in_spec}</td><td class="num">{seen}</td><td class="{state}">{STATE_TEXT[state]}</td></tr>'
        )
    parts.append("</tbody></table>")
    parts += ["<h3>Checks</h3>", _checks_html(operation, numbers)]
    failures = operation.failure_list()
    if failures:
        parts.append("<h3>Failures</h3>")
        parts += [_failure_html(record, numbers[id(record)]) for record in failures]
    parts.append("</section>")
    return "\n".join(parts)


def _checks_html(operation: OperationCoverage, numbers: dict[int, int]) -> str:
    if not operation.check_runs:
        return '<p class="muted">No check ran on this operation.</p>'
    rows = [
        '<table class="checks"><thead><tr><th>check</th><th>runs</th><th>failed</th>'
        "<th>reproductions</th></tr></thead><tbody>"
    ]
    for check, runs in sorted(operation.check_runs.items()):
        failed = operation.check_failures[check]
        links = " ".join(
            f'<a href="#failure-{numbers[id(record)]}">#{numbers[id(record)]}</a>'
            for record in operation.failure_list()
            if record.check == check
        )
        rows.append(
            f'<tr data-check="{escape(check)}" data-runs="{runs}" data-failed="{failed}"'
            f"{' class=failing' if failed else ''}><td><code>{escape(check)}</code></td>"
            f'<td class="num">{runs}</td><td class="num">{failed}</td><td>{links}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _failure_html(record: FailureRecord, number: int) -> str:
    status = f" (status {record.status})" if record.status is not None else ""
    promise = f"<p>Broken promise: <code>{escape(record.promise)}</code></p>" if record.promise else ""
    answer = (
        f'<p>The last answer the test saw:</p><pre class="answer">{escape(record.answer)}</pre>'
        if record.answer
        else ""
    )
    curl = (
        f"<p>Reproduce with (every request the test sent; the customers it used were left in place; your key "
        f'in place of [Filtered]):</p><pre class="curl">{escape(_shown_curl(record.curl))}</pre>'
        if record.curl
        else '<p class="muted">No request to reproduce.</p>'
    )
    return (
        f'<div class="failure" id="failure-{number}" data-check="{escape(record.check)}">'
        f"<h4>#{number} <code>{escape(record.check)}</code>: {escape(record.title)}{status}</h4>{promise}"
        f'<pre class="message">{escape(record.message)}</pre>{curl}{answer}</div>'
    )


def _inventory_states(coverage: ContractCoverage) -> tuple[list[tuple[Promise, str]], dict[str, str], str]:
    """The spec's normative statements with the state of each, the tests' states, and the count line."""
    normative = [promise for promise in coverage.inventory if promise.normative]
    tests = _test_states(coverage)
    states = [_promise_state(promise, tests) for promise in normative]
    counts = ", ".join(f"{states.count(state)} {PROMISE_TEXT[state]}" for state in PROMISE_TEXT)
    return list(zip(normative, states, strict=True)), tests, counts


def _inventory_html(coverage: ContractCoverage) -> list[str]:
    """The spec's statements and the tests that enforce each (promise_inventory.py), folded: it is long."""
    promises, _, counts = _inventory_states(coverage)
    if not promises:
        return []
    parts = [
        f'<section id="promises"><h2>Promises of the spec <small>{len(promises)}</small></h2>',
        f"<details><summary>{escape(counts)}</summary>",
        '<table class="promises"><thead><tr><th>kind</th><th>where</th><th>statement</th><th>tests</th>'
        "</tr></thead><tbody>",
    ]
    for promise, state in promises:
        names = ", ".join(f"<code>{escape(test.rpartition('::')[2])}</code>" for test in promise.tests)
        parts.append(
            f'<tr data-state="{state}"><td>{escape(promise.kind)}</td><td>{escape(promise.where)}</td>'
            f'<td>{escape(promise.text)}</td><td class="{state}" title="{PROMISE_TEXT[state]}">'
            f"{HTML_SYMBOLS[state]} {names}</td></tr>"
        )
    parts.append("</tbody></table></details></section>")
    return parts


# Markdown


def render_markdown(coverage: ContractCoverage) -> str:
    held, verdict = _verdict(coverage)
    numbers = _numbered_failures(coverage)
    columns = _matrix_columns(coverage)
    lines = [
        f"## Malomo contract coverage: {'✅' if held else '❌'} {verdict}",
        "",
        *(f"- **{name}**: {_md_text(value)}" for name, value in _facts(coverage)),
    ]
    failure_lines = _failure_lines(coverage)
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
            f"{MARKDOWN_SYMBOLS[_state(operation, key)]} {operation.observed(key)}"
            if key in operation.documented
            else ""
            for key in columns
        ]
        undocumented = ", ".join(
            f"{MARKDOWN_SYMBOLS[_undocumented_state(operation, status)]} {status} x{count}"
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
    promises, tests, counts = _inventory_states(coverage)
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
    for status, in_spec, seen, state in _status_rows(operation):
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
        lines += ["", "Reproduce with:", "", *_fenced(_shown_curl(record.curl), "sh")]
    if record.answer:
        lines += ["", "The last answer the test saw:", "", *_fenced(record.answer, "text")]
    return lines


def _shown_curl(curl: str) -> str:
    """`curl` with each over-long line (a probe of the body size limit) cut."""
    return "\n".join(
        line
        if len(line) <= MAX_CURL_CHARS
        else f"{line[:MAX_CURL_CHARS]} [... {len(line) - MAX_CURL_CHARS} more characters not shown]"
        for line in curl.split("\n")
    )


def _fenced(text: str, language: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text, fence]


def _md_text(text: str) -> str:
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text)
