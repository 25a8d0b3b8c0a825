"""A failure of schemathesis' generated requests reproduces too: its reproduction (the failing request as a
curl line, the key filtered) is in the terminal, the JUnit file and the report, the customer it names is left
in place and listed, and the curl line run after the suite finished gets the same wrong answer.

Two runs of the generated tests of one operation each, against servers broken on that operation's answer;
and a paging walk that fails on a list its shared fixture grew, whose added records are left in place too.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from malomo_mock import running
from support.broken_servers import BROKEN_VARIANTS
from support.contract_suite_runs import CANARY_KEY, SuiteRun, run_suite

# Each test runs the contract suite (in a subprocess or in-process against servers): slow.
pytestmark = pytest.mark.slow

CUSTOMER_ID = re.compile(r"/customers/([0-9a-f-]{36})")


@dataclass(frozen=True)
class Case:
    """A broken variant, the generated test it fails (selected with `-k`), and its wrong answer."""

    variant: str
    operation: str
    select: str
    wrong: Callable[[dict[str, Any]], bool]


CASES = {
    "GET without a required field": Case(
        "customer_without_updated_at",
        "GET /customers/{id}",
        "keeps_the_contract and GET and customers/ and not events and not PUT and not DELETE",
        lambda customer: "updated_at" not in customer,
    ),
    "PUT answering a number for a string": Case(
        "phone_number_as_integer",
        "PUT /customers/{id}",
        "keeps_the_contract and PUT",
        lambda customer: isinstance(customer.get("phone_number"), int),
    ),
}


@dataclass(frozen=True)
class GeneratedFailureRun:
    case: Case
    run: SuiteRun
    markdown: str
    failure_text: str
    base_url: str


@pytest.fixture(scope="module", params=sorted(CASES))
def generated_failure(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GeneratedFailureRun]:
    """The run, with the server still up (the reproduction is run against it after the suite finished)."""
    case = CASES[str(request.param)]
    variant = next(variant for variant in BROKEN_VARIANTS if variant.name == case.variant)
    workdir = tmp_path_factory.mktemp(case.variant)
    with running(
        api_key=CANARY_KEY, page_size=4, wrap_app=lambda app: variant.wrap(app, CANARY_KEY)
    ) as server:
        report = workdir / "report.md"
        run = run_suite(
            server.base_url,
            CANARY_KEY,
            workdir / "junit.xml",
            ["-x", "-k", case.select, f"--report-md={report}", "--contract-seed=1"],
            paths=["src/malomo_contract/suite/test_generated_requests.py"],
        )
        failures = [element.text or "" for element in ElementTree.fromstring(run.junit_xml).iter("failure")]
        assert run.exit_code == 1 and len(failures) == 1, run.stdout[-3000:]
        yield GeneratedFailureRun(case, run, report.read_text(encoding="utf-8"), failures[0], server.base_url)


def _reproduction(text: str, operation: str) -> list[str]:
    """The curl lines of the reproduction section of a terminal or JUnit failure."""
    section = text[text.index(f"malomo contract reproduction (the failure is blamed on {operation})") :]
    section = section[: section.index("the last answer the test saw")]
    return [line for line in section.splitlines() if line.startswith("curl ")]


def _answer(text: str) -> dict[str, Any]:
    answer = text[text.index("the last answer the test saw, in full") :]
    document = json.loads(answer[answer.index("{") : answer.index("\n}") + 2])
    assert isinstance(document, dict)
    return document


def test_the_reproduction_is_in_the_terminal_the_junit_file_and_the_report(
    generated_failure: GeneratedFailureRun,
) -> None:
    operation = generated_failure.case.operation
    junit_curls = _reproduction(generated_failure.failure_text, operation)
    assert len(junit_curls) == 1 and "'Authorization: Bearer [Filtered]'" in junit_curls[0]
    # The status line and headers are evidence too.
    assert junit_curls[0].startswith("curl -sS -i ")
    assert _reproduction(generated_failure.run.stdout, operation) == junit_curls
    assert junit_curls[0] in generated_failure.markdown
    assert CANARY_KEY not in generated_failure.run.stdout + generated_failure.run.junit_xml
    assert CANARY_KEY not in generated_failure.markdown
    # The answer the failure shows is the broken one, in full.
    assert generated_failure.case.wrong(_answer(generated_failure.failure_text))


def test_the_customer_the_failing_request_names_is_left_in_place_and_listed(
    generated_failure: GeneratedFailureRun,
) -> None:
    (curl,) = _reproduction(generated_failure.failure_text, generated_failure.case.operation)
    named = CUSTOMER_ID.search(curl)
    assert named is not None, curl
    kept = next(
        line
        for line in generated_failure.run.stdout.splitlines()
        if "customers the failing tests used in place" in line
    )
    assert named[1] in kept
    assert "left in place**: 1 customers" in generated_failure.markdown
    assert named[1] in generated_failure.markdown.split("### ❌ Failures")[0]


def test_the_reproduction_run_after_the_suite_gets_the_same_wrong_answer(
    generated_failure: GeneratedFailureRun,
) -> None:
    (curl,) = _reproduction(generated_failure.failure_text, generated_failure.case.operation)
    replayed = subprocess.run(
        ["bash", "-e", "-c", curl.replace("[Filtered]", CANARY_KEY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    head, _, body = replayed.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200"), replayed
    customer = json.loads(body)
    assert generated_failure.case.wrong(customer), customer
    assert customer["id"] in curl


def test_a_failing_walk_leaves_the_records_its_fixture_added(tmp_path: Path) -> None:
    variant = next(variant for variant in BROKEN_VARIANTS if variant.name == "next_skips_one_record")
    with running(
        api_key=CANARY_KEY, page_size=4, wrap_app=lambda app: variant.wrap(app, CANARY_KEY)
    ) as server:
        run = run_suite(
            server.base_url,
            CANARY_KEY,
            tmp_path / "junit.xml",
            ["-x", "-k", "next_walk and listCustomers]"],
            paths=["src/malomo_contract/suite/test_pagination_walks.py"],
        )
        assert run.exit_code == 1, run.stdout[-3000:]
        grown = re.search(r"GET /customers: page size 4, .*?(\d+) records written to grow it", run.stdout)
        kept = re.search(r"left (\d+) customers the failing tests used in place.*?: (.*)", run.stdout)
        assert grown is not None and kept is not None, run.stdout[-3000:]
        assert int(kept[1]) == int(grown[1]) > 0
        for customer_id in kept[2].split(", "):
            request = urllib.request.Request(
                f"{server.base_url}/customers/{customer_id}",
                headers={"Authorization": f"Bearer {CANARY_KEY}"},
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert json.load(answer)["id"] == customer_id
