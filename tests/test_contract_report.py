"""The coverage report's layout, from a collector filled by hand: failures listed first and linked to their
details, a check failure told apart from an undocumented status, a refused undeclared method not red, and
tests that did not run counted. (Reports of real runs, rendered in Chromium: test_contract_package.py.)
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from malomo_contract.contract_coverage import ContractCoverage, FailureRecord
from malomo_contract.coverage_report import render_html, render_markdown

GET_ONE = "GET /customers/{id}"
PUT = "PUT /customers/{id}"


class Layout(HTMLParser):
    """Ids in page order, the failure index's links, and the undocumented-status spans of the matrix."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.index_links: list[str] = []
        self.undocumented: dict[tuple[str, str], str] = {}
        self.verdict = ""
        self._in_index = False
        self._row = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "ul" and attributes.get("class") == "failure-index":
            self._in_index = True
        elif tag == "a" and self._in_index:
            self.index_links.append(attributes["href"])
        elif tag == "tr" and "data-operation" in attributes:
            self._row = attributes["data-operation"]
        elif tag == "span" and self._row and "data-status" in attributes:
            self.undocumented[(self._row, attributes["data-status"])] = attributes["data-state"]
        if "data-verdict" in attributes:
            self.verdict = attributes["data-verdict"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self._in_index = False
        elif tag == "tbody":
            self._row = ""


def layout(html: str) -> Layout:
    parsed = Layout()
    parsed.feed(html)
    parsed.close()
    return parsed


def coverage(exit_status: int) -> ContractCoverage:
    """A collector over two operations, as a run leaves it."""
    collected = ContractCoverage()
    collected.start(
        [
            (GET_ONE, "getCustomer", ("200", "401", "404")),
            (PUT, "updateCustomer", ("200", "400", "401", "404")),
        ]
    )
    collected.summary.exit_status = exit_status
    collected.summary.outcomes["passed"] += 40
    return collected


def failure(check: str, status: int) -> FailureRecord:
    return FailureRecord(
        check, "Wrong answer", "the message", "curl -X GET http://127.0.0.1:1/customers/x", status
    )


@pytest.fixture
def broken_run() -> ContractCoverage:
    """Two failures on GET (one on an undocumented 500), a PUT probed with undeclared methods (405)."""
    collected = coverage(exit_status=1)
    collected.summary.outcomes["failed"] += 2
    get_one, put = collected.operations[GET_ONE], collected.operations[PUT]
    get_one.statuses.update({200: 5, 500: 1, 405: 2})
    get_one.add_failure(failure("response_schema_conformance", 200))
    get_one.add_failure(failure("not_a_server_error", 500))
    get_one.add_failure(failure("status_code_conformance", 405))
    put.statuses.update({200: 3, 405: 6, 418: 1})
    return collected


def test_failures_come_first_each_linked_to_its_details(broken_run: ContractCoverage) -> None:
    # The same failure twice (Hypothesis found it, then shrank it): one line at the top, two links.
    broken_run.operations[GET_ONE].add_failure(failure("response_schema_conformance", 200))
    html = render_html(broken_run)
    page = layout(html)
    assert page.verdict == "broken"
    assert page.ids.index("failures") < page.ids.index("matrix")
    details = [anchor for anchor in page.ids if anchor.startswith("failure-")]
    assert page.index_links == [f"#{anchor}" for anchor in details]
    assert len(details) == 4
    index = html[html.index('id="failures"') : html.index('id="matrix"')]
    assert index.count("<li>") == 3


def test_markdown_lists_failures_before_the_matrix(broken_run: ContractCoverage) -> None:
    text = render_markdown(broken_run)
    failures, matrix = text.index("Failures (3)"), text.index("| operation |")
    assert failures < matrix
    assert (
        "- response\\_schema\\_conformance on GET /customers/{id}: Wrong answer (status 200) (#1)"
        in text[failures:matrix]
    )


def test_status_states_tell_a_failed_check_from_an_undocumented_status(broken_run: ContractCoverage) -> None:
    states = layout(render_html(broken_run)).undocumented
    assert states == {
        (GET_ONE, "405"): "failed",  # a check failed on it: the declared GET was refused
        (GET_ONE, "500"): "failed",
        (PUT, "405"): "refused",  # schemathesis' probes of undeclared methods, rightly refused
        (PUT, "418"): "undocumented",  # seen, and no check failed on it
    }
    text = render_markdown(broken_run)
    assert "| `PUT /customers/{id}` |" in text
    put_row = next(line for line in text.splitlines() if line.startswith("| `PUT"))
    assert "❌" not in put_row and "🔘 405 x6" in put_row and "⚠️ 418 x1" in put_row


def test_passing_run_with_refused_probes_has_nothing_red() -> None:
    passing = coverage(exit_status=0)
    for operation in passing.operations.values():
        operation.statuses.update({200: 4, 405: 6})
    html = render_html(passing)
    page = layout(html)
    assert page.verdict == "held"
    assert set(page.undocumented.values()) == {"refused"}
    assert 'id="failures"' not in html
    assert 'data-state="failed"' not in html and 'data-state="undocumented"' not in html
    rows = [line for line in render_markdown(passing).splitlines() if line.startswith("| ")]
    assert rows and not any("❌" in row or "⚠️" in row for row in rows)


def test_tests_that_did_not_run_are_counted_in_the_verdict() -> None:
    subset = coverage(exit_status=0)
    subset.summary.outcomes.update({"deselected": 26, "skipped": 3})
    for render in (render_html, render_markdown):
        text = render(subset)
        assert "Contract held for the tests that ran (3 skipped, 26 deselected)" in text
        assert "26 deselected" in text and "40 passed" in text
