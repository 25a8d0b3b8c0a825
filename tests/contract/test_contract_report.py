"""The coverage report's layout, from a collector filled by hand: failures listed first and linked to their
details, a check failure told apart from an undocumented status, a refused undeclared method not red, and
tests that did not run counted; and its masker, which keeps the evidence: the suite's own test data shown,
the server's other personal values masked, different values kept different and numbers kept numbers.
(Reports of real runs, rendered in Chromium: test_contract_package.py.)
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.records import FailureRecord
from malomo_contract.promise_inventory import Promise
from malomo_contract.report import render_html, render_markdown
from malomo_contract.report_masker import ReportMasker

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
    # No test's node id on the records (a hand-filled collector): one line per kind, the count of tests.
    failures, matrix = text.index("Failures: 2 tests failed"), text.index("| operation |")
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


SUITE_EMAIL = "pool-1@malomo-contract-test.example.com"
KEY = "sk_test_report_masker_0123456789"


def masker_after_an_exchange(masking: bool = True) -> ReportMasker:
    """A masker that saw the suite create a customer and the server answer with other values."""
    masker = ReportMasker(masking=masking)
    masker.add_secret(KEY)
    masker.sent(json.dumps({"email": SUITE_EMAIL, "last_name": "Last1", "phone_number": "555-0003"}))
    masker.learn(
        json.dumps(
            [
                {"email": SUITE_EMAIL, "last_name": "Rose", "phone_number": 5550003, "first_name": "Al"},
                {"email": "jane.doe@example.org", "last_name": "Doe", "phone_number": "555-0003"},
            ]
        )
    )
    return masker


def test_masker_shows_what_the_suite_sent_and_masks_what_the_server_made_up() -> None:
    message = (
        f"sent last_name 'Last1' and email {SUITE_EMAIL}, the next GET shows 'Rose'; "
        "another customer is jane.doe@example.org, 'Doe'"
    )
    cleaned = masker_after_an_exchange().clean(message)
    assert "'Last1'" in cleaned and SUITE_EMAIL in cleaned  # the suite's own test data
    for personal in ("Rose", "jane.doe@example.org", "Doe"):
        assert personal not in cleaned
    assert "@redacted.invalid" in cleaned


def test_masked_values_stay_different_and_keep_their_type() -> None:
    masker = masker_after_an_exchange()
    cleaned = masker.clean("phone_number was sent as '555-0003' but the new customer has 5550003")
    # The string was the suite's, the number the server's: the number is masked as another number.
    match = re.fullmatch(r"phone_number was sent as '555-0003' but the new customer has (\d+)", cleaned)
    assert match is not None, cleaned
    assert match.group(1) != "5550003"
    body = json.loads(
        masker.clean(json.dumps({"phone_number": 5550003, "last_name": "Rose", "first_name": "Al"}))
    )
    assert isinstance(body["phone_number"], int) and body["phone_number"] == int(match.group(1))
    assert isinstance(body["last_name"], str) and body["last_name"] not in ("Rose", "Last1")
    # A short value is masked where it is quoted, and left alone inside other words.
    assert body["first_name"] not in ("Al", body["last_name"])
    assert masker.clean("Alice said 'Al'") == f"Alice said '{body['first_name']}'"
    # Two values, two placeholders; one value, one placeholder wherever it shows.
    other = masker.clean(json.dumps({"last_name": "Doe"}))
    assert json.loads(other)["last_name"] not in (body["last_name"], "Doe")
    assert masker.clean("'Rose'") == f"'{body['last_name']}'"


def test_short_numbers_are_masked_only_as_a_members_value() -> None:
    masker = ReportMasker()
    masker.learn(json.dumps({"phone_number": 2}))
    cleaned = masker.clean('Accept: version=2; {"phone_number": 2}')
    assert cleaned.startswith("Accept: version=2; ")
    assert json.loads(cleaned.partition("; ")[2])["phone_number"] not in (2, "2")


def test_no_mask_shows_personal_data_but_never_the_key() -> None:
    masker = masker_after_an_exchange(masking=False)
    message = f"GET shows 'Rose', 5550003 and jane.doe@example.org with Authorization: Bearer {KEY}"
    assert masker.clean(message) == (
        "GET shows 'Rose', 5550003 and jane.doe@example.org with Authorization: Bearer [Filtered]"
    )
    curl = masker_after_an_exchange().clean_curl(
        f"curl -H 'Authorization: Bearer {KEY}' -d '{{\"last_name\": \"Rose\"}}'"
    )
    assert KEY not in curl and "Rose" not in curl


def test_a_huge_reproduction_is_cut_to_keep_the_page_readable() -> None:
    collected = coverage(exit_status=1)
    huge = FailureRecord("check", "Too large", "message", "curl -d '" + "x" * 2_000_000 + "' http://h/c", 413)
    collected.operations[PUT].add_failure(huge)
    for render in (render_html, render_markdown):
        text = render(collected)
        assert len(text) < 100_000
        assert "more characters not shown]" in text


def test_a_run_that_did_not_complete_is_not_called_a_broken_contract(broken_run: ContractCoverage) -> None:
    broken_run.summary.exit_status = 2  # malomo-contract lost the server: its last failures are the loss
    assert "The run did not complete (exit status 2)" in render_markdown(broken_run).splitlines()[0]


def test_promises_of_the_spec_show_which_tests_failed(broken_run: ContractCoverage) -> None:
    broken_run.operations[PUT].check_runs["test_update_keeps_the_others"] += 1
    broken_run.operations[PUT].add_failure(failure("test_update_keeps_the_others", 200))
    broken_run.operations[GET_ONE].check_runs["test_reads_back"] += 1
    broken_run.inventory = [
        Promise(
            "sentence",
            "#/paths/customers",
            "Fields left out are kept.",
            ("m.py::test_update_keeps_the_others",),
        ),
        Promise("status", "getCustomer", "answers 200", ("m.py::test_reads_back",)),
        Promise("constraint", "createCustomer body", "maxLength: 255", ("m.py::test_not_run",)),
        Promise("sentence", "#/info", "Written by hand.", (), normative=False),
    ]
    html = render_html(broken_run)
    section = html[html.index('id="promises"') :]
    assert re.findall(r'<tr data-state="([a-z-]+)"', section) == [
        "failed",
        "observed",
        "never",
    ]
    assert "Written by hand." not in section  # informative, not a promise
    text = render_markdown(broken_run)
    promises = text[text.index("### Promises of the spec (3)") :]
    assert "1 a test of it failed, 1 a test of it ran, 1 not counted per test" in promises
    assert "Fields left out are kept. | `test_update_keeps_the_others` |" in promises
    assert "answers 200" not in promises


def test_a_reproduction_of_several_requests_is_cleaned_line_by_line() -> None:
    script = "\n".join(
        [
            f"curl -X POST -H 'Authorization: Bearer {KEY}' -d '{{\"last_name\": \"Last1\"}}' http://h/customers",
            f"curl -X GET -H 'Authorization: Bearer {KEY}' http://h/customers/x",
        ]
    )
    cleaned = masker_after_an_exchange().clean_curl(script + "\n\nnote: 'Rose'")
    lines = cleaned.splitlines()
    assert len(lines) == 4 and all(line.startswith("curl -X ") for line in lines[:2]), cleaned
    assert KEY not in cleaned and "Rose" not in cleaned and "Last1" in lines[0]
