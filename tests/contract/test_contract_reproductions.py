"""A failure of the suite's own tests is blamed on the operation whose promise broke, and its reproduction
(every request the test sent, as curl lines) reproduces it on the server as the suite left it.

One run of the suite's update test against a server whose PUT answers as if applied but stores nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from malomo_mock import running
from support.broken_servers import BROKEN_VARIANTS
from support.contract_suite_runs import CANARY_KEY, SuiteRun, run_suite

# Each test runs the contract suite (in a subprocess or in-process against servers): slow.
pytestmark = pytest.mark.slow

VARIANT = next(variant for variant in BROKEN_VARIANTS if variant.name == "update_not_applied")
UPDATE_TEST = "test_update_applies_the_field_keeps_the_others_and_is_logged"
WRONG_ANSWER = re.compile(
    r"`(?P<field>\w+)` was updated to '[^']*' but the next GET shows '(?P<shown>[^']*)'"
)


@dataclass(frozen=True)
class BrokenPutRun:
    run: SuiteRun
    markdown: str
    failure_text: str
    base_url: str


@pytest.fixture(scope="module")
def broken_put_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokenPutRun]:
    """The run, with the server still up (the reproduction is run against it after the suite finished)."""
    workdir = tmp_path_factory.mktemp("broken-put")
    with running(
        api_key=CANARY_KEY, page_size=4, wrap_app=lambda app: VARIANT.wrap(app, CANARY_KEY)
    ) as server:
        report = workdir / "report.md"
        run = run_suite(
            server.base_url,
            CANARY_KEY,
            workdir / "junit.xml",
            ["-x", "-k", UPDATE_TEST, f"--report-md={report}"],
            paths=["src/malomo_contract/suite/test_customer_lifecycle.py"],
        )
        failures = [element.text or "" for element in ElementTree.fromstring(run.junit_xml).iter("failure")]
        assert run.exit_code == 1 and len(failures) == 1, run.stdout[-3000:]
        yield BrokenPutRun(run, report.read_text(encoding="utf-8"), failures[0], server.base_url)


def test_a_broken_put_is_blamed_on_put(broken_put_run: BrokenPutRun) -> None:
    failures = broken_put_run.markdown[broken_put_run.markdown.index("### ❌ Failures") :].split("\n\n")[1]
    # The failed test, then the operation its failure is blamed on.
    test = re.escape(UPDATE_TEST.replace("_", "\\_"))
    assert re.search(test + r"\\\[[^\]]*\]: PUT /customers/\{id\}: ", failures), failures
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in broken_put_run.markdown.splitlines()
        if line.startswith("| `")
    }
    assert "❌" in rows["PUT /customers/{id}"] and "❌" not in rows["GET /customers/{id}"]


def test_the_reproduction_run_after_the_suite_shows_the_same_wrong_answer(
    broken_put_run: BrokenPutRun,
) -> None:
    text = broken_put_run.failure_text
    wrong = WRONG_ANSWER.search(text)
    assert wrong is not None, text
    # The JUnit file and the terminal carry every request the test sent, the key filtered.
    script = text[text.index("malomo contract reproduction (the failure is blamed on PUT /customers/{id})") :]
    curls = [line for line in script.splitlines() if line.startswith("curl ")]
    assert [line.split(" -X ")[1].split()[0] for line in curls][-2:] == ["PUT", "GET"]
    assert all("'Authorization: Bearer [Filtered]'" in line and " -i " in line for line in curls)
    assert CANARY_KEY not in broken_put_run.run.stdout + broken_put_run.run.junit_xml
    assert "left 1 customers the failing tests used in place" in broken_put_run.run.stdout
    keyed = "\n".join(curls).replace("[Filtered]", CANARY_KEY)
    replayed = subprocess.run(
        ["bash", "-e", "-c", keyed], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    last_body = json.loads(replayed.rstrip().splitlines()[-1])
    assert last_body[wrong["field"]] == wrong["shown"]


def test_the_terminal_shows_the_fetched_record_in_full(broken_put_run: BrokenPutRun) -> None:
    stdout = broken_put_run.run.stdout
    answer = stdout[stdout.index("the last answer the test saw, in full") :]
    record = json.loads(answer[answer.index("{") : answer.index("\n}") + 2])
    assert record["id"] in broken_put_run.failure_text and "updated_at" in record
