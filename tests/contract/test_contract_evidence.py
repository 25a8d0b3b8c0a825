"""The report shows the evidence as the server sent it (issue 27): a trailing space visible with masking on, a
bug of GET alone blamed on GET, reproductions of auth failures that reproduce when pasted as they are, a body
too long for a line sent from a file beside the report, one count of failed tests, every skip's reason; and
a gateway answering in the API's place ends `malomo-contract` with exit 2 and one line naming it.

Three runs, made at once and judged by every test here: the suite's own tests against a server that answers
PUT with a space after the email, 401 without `WWW-Authenticate` and 413 to a body at the size limit; the
lifecycle tests against one that capitalises first names on GET only; `malomo-contract` against a proxy
whose upstream is gone after the preflight.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from malomo_contract.fault_classes import fault_classes
from malomo_contract.spec_contract import body_size_limit
from malomo_mock import running
from support import evidence_servers
from support.contract_suite_runs import CANARY_KEY, SuiteRun, run_suite

# Each test judges runs of the contract suite: slow.
pytestmark = pytest.mark.slow

SUITE = "src/malomo_contract/suite"
MALOMO_CONTRACT = str(Path(sys.executable).parent / "malomo-contract")
AUTH_TEST = "test_operation_refuses_request_without_valid_key"
# The run without generated tests: the every-operation test skips, saying why.
NO_GENERATED_REQUESTS = "no generated requests were collected in this run"
BROKEN_RUN_MODULES = (
    "test_errors_and_auth",
    "test_customer_lifecycle",
    "test_boundaries",
    "test_every_operation_succeeded",
)
BROKEN_RUN_TESTS = (
    AUTH_TEST,
    "test_update_applies_the_field_keeps_the_others_and_is_logged",
    "test_body_size_limit_is_kept_at_its_edge",
    "test_every_operation_was_answered_with_success",
)


@dataclass(frozen=True)
class Run:
    """One run: its outcome, its reports, and the server it ran against (still up)."""

    run: SuiteRun
    folder: Path
    base_url: str

    @property
    def markdown(self) -> str:
        return (self.folder / "report.md").read_text(encoding="utf-8")

    @property
    def html(self) -> str:
        return (self.folder / "report.html").read_text(encoding="utf-8")


@dataclass(frozen=True)
class EvidenceRuns:
    broken: Run
    get_only: Run
    gateway: subprocess.CompletedProcess[str]


def _suite_run(folder: Path, base_url: str, paths: list[str], extra: list[str]) -> Run:
    reports = [f"--report={folder / 'report.html'}", f"--report-md={folder / 'report.md'}"]
    run = run_suite(base_url, CANARY_KEY, folder / "junit.xml", [*extra, *reports], paths=paths)
    return Run(run, folder, base_url)


def _gateway_run(folder: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("MALOMO_", "PYTEST_"))}
    return subprocess.run(
        [MALOMO_CONTRACT, "--base-url", base_url, "--profile", "quick", "--report-md", "report.md"],
        cwd=folder,
        env={**env, "MALOMO_API_KEY": CANARY_KEY},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EvidenceRuns]:
    broken_wrap = evidence_servers.stacked(
        evidence_servers.PUT_EMAIL_TRAILING_SPACE,
        evidence_servers.no_www_authenticate,
        evidence_servers.refuses_a_body_at_the_limit,
    )
    with ExitStack() as servers, ThreadPoolExecutor(3) as pool:
        broken, get_only, gateway = (
            servers.enter_context(running(api_key=CANARY_KEY, page_size=4, wrap_app=wrap))
            for wrap in (
                broken_wrap,
                evidence_servers.GET_UPPERCASES_FIRST_NAME,
                evidence_servers.gateway_after(1),
            )
        )
        broken_run = pool.submit(
            _suite_run,
            tmp_path_factory.mktemp("broken"),
            broken.base_url,
            [f"{SUITE}/{module}.py" for module in BROKEN_RUN_MODULES],
            ["-k", " or ".join(BROKEN_RUN_TESTS)],
        )
        get_only_run = pool.submit(
            _suite_run,
            tmp_path_factory.mktemp("get-only"),
            get_only.base_url,
            [f"{SUITE}/test_customer_lifecycle.py"],
            [],
        )
        gateway_run = pool.submit(_gateway_run, tmp_path_factory.mktemp("gateway"), gateway.base_url)
        yield EvidenceRuns(broken_run.result(), get_only_run.result(), gateway_run.result())


def failure_sections(markdown: str) -> list[str]:
    return markdown.split("\n#### #")[1:]


def curl_lines(section: str) -> list[str]:
    return [line for line in section.splitlines() if line.startswith("curl ")]


def test_a_trailing_space_is_shown_with_masking_on(runs: EvidenceRuns) -> None:
    """Masking is on (no --no-mask): the server's email with a space after it is the evidence, shown."""
    trailing = re.compile(r"`email`: written '(\S+@\S+) ', read '\1'")
    for text in (runs.broken.markdown, html.unescape(runs.broken.html)):
        assert trailing.search(text), text[:3000]
    assert runs.broken.run.exit_code == 1


def test_a_bug_of_get_alone_is_blamed_on_get(runs: EvidenceRuns) -> None:
    markdown = runs.get_only.markdown
    assert runs.get_only.run.exit_code == 1, runs.get_only.run.stdout[-3000:]
    # The capitals are shown as GET answered them, beside what was written.
    shown = re.findall(r"written '([^']*)', read '([^']*)'", markdown)
    assert shown and all(read == written.upper() != written for written, read in shown), shown
    rows = {line.split("|")[1].strip(" `"): line for line in markdown.splitlines() if line.startswith("| `")}
    assert "❌" in rows["GET /customers/{id}"]
    assert "❌" not in rows["PUT /customers/{id}"] and "❌" not in rows["POST /customers"]
    assert "blamed on GET /customers/{id}" in runs.get_only.run.stdout
    assert (
        "blamed on PUT" not in runs.get_only.run.stdout and "blamed on POST" not in runs.get_only.run.stdout
    )


def test_auth_reproductions_reproduce_when_pasted_as_they_are(runs: EvidenceRuns) -> None:
    """The keys the suite made up are shown as sent: the lines run as they are get the 401 without the
    header, which the real key would not."""
    sections = [
        section
        for section in failure_sections(runs.broken.markdown)
        if AUTH_TEST in section.partition("\n")[0] and "WWW-Authenticate header is None" in section
    ]
    assert len(sections) >= 3, runs.broken.markdown[:3000]
    for section in sections:
        # The refused request comes last (a fixture's create, with the real key, may come before it).
        line = curl_lines(section)[-1]
        assert "[Filtered]" not in line and CANARY_KEY not in line
        answered = subprocess.run(
            ["bash", "-c", line], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        assert answered.startswith("HTTP/1.1 401"), answered
        assert "www-authenticate" not in answered.lower(), answered


def test_a_body_too_long_for_a_line_is_sent_from_a_file_beside_the_report(runs: EvidenceRuns) -> None:
    section = next(
        section
        for section in failure_sections(runs.broken.markdown)
        if "test_body_size_limit_is_kept_at_its_edge" in section.partition("\n")[0]
    )
    (line,) = [line for line in curl_lines(section) if "--data-binary @" in line]
    name = re.search(r"--data-binary @(\S+)", line)
    assert name is not None
    assert (runs.broken.folder / name[1]).stat().st_size == body_size_limit()
    assert len(line) < 1000
    keyed = line.replace("[Filtered]", CANARY_KEY)
    answered = subprocess.run(
        ["bash", "-c", keyed], cwd=runs.broken.folder, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert answered.startswith("HTTP/1.1 413"), answered[:500]


def test_every_count_of_failed_tests_agrees(runs: EvidenceRuns) -> None:
    for run in (runs.broken, runs.get_only):
        cases = list(ElementTree.fromstring(run.run.junit_xml).iter("testcase"))
        failed = sum(
            1 for case in cases if case.find("failure") is not None or case.find("error") is not None
        )
        markdown = run.markdown
        assert markdown.splitlines()[0].endswith(f"Contract broken: {failed} tests failed")
        index = markdown[markdown.index(f"### ❌ Failures: {failed} tests failed") :].split("\n\n")[1]
        assert len(index.splitlines()) == failed
        # Each failed test links to a reproduction of its own.
        assert all(re.search(r" \(#\d+", line) for line in index.splitlines()), index
        assert f'data-failed-tests="{failed}"' in run.html
        assert f"{failed} failed" in run.run.stdout
    # A title shows the status of the answer it is about.
    for title, message in re.findall(
        r"^#### #\d+ .*\(status (\d+)\)\n\n```text\n(.*)$", markdown, re.MULTILINE
    ):
        got = re.search(r"\bgot (\d{3})\b", message)
        assert got is None or got[1] == title, (title, message)


def test_every_skip_gives_its_reason_in_the_reports(runs: EvidenceRuns) -> None:
    page = runs.broken.html
    skipped = page[page.index('<section id="skipped">') :]
    assert NO_GENERATED_REQUESTS in skipped[: skipped.index("</section>")]
    assert f"- {NO_GENERATED_REQUESTS} (1: " in runs.broken.markdown


def test_the_reports_show_the_fault_class_table_with_the_runs_outcomes(runs: EvidenceRuns) -> None:
    page = runs.broken.html
    rows = re.findall(r'<tr data-fault="([^"]+)" data-state="([^"]+)">', page)
    assert [fault for fault, _ in rows] == [f"{fault.source}:{fault.id}" for fault in fault_classes()]
    states = dict(rows)
    assert all(states[f"{f.source}:{f.id}"] == "does not apply" for f in fault_classes() if not f.applies)
    # The auth tests failed in this run; the generated tests were not run.
    assert {"failed", "not run"} <= set(states.values())
    assert f"### Fault classes ({len(fault_classes())})" in runs.broken.markdown


def test_a_gateway_answering_for_the_api_mid_run_ends_it_with_exit_2_and_one_line(runs: EvidenceRuns) -> None:
    completed = runs.gateway
    assert completed.returncode == 2, completed.stdout[-3000:] + completed.stderr[-3000:]
    (line,) = completed.stderr.splitlines()
    assert re.fullmatch(
        r"malomo-contract: error: could not test: (\d+) of \1 answers were not the API's "
        # Behind it, the loopback server adds its own name (uvicorn) to the proxy's.
        r'\(502 text/html from "[^"]*nginx"\)',
        line,
    ), line
    # The run stopped at the first test, not after a failure per test (thousands of lines).
    assert len(completed.stdout.splitlines()) < 100, completed.stdout


def test_no_report_file_or_output_shows_the_key(runs: EvidenceRuns) -> None:
    for run in (runs.broken, runs.get_only):
        texts = [run.run.stdout, run.run.stderr, run.run.junit_xml]
        texts += [path.read_text(encoding="utf-8") for path in run.folder.iterdir() if path.is_file()]
        assert not any(CANARY_KEY in text for text in texts)
    assert CANARY_KEY not in runs.gateway.stdout + runs.gateway.stderr
