"""The coverage reports the installed `malomo-contract` writes: every documented status of every operation in
the matrix, the failed checks named with their reproductions, no key and no personal data (unless
`--no-mask`, never the key), and pages that render in headless Chromium (Debian's `chromium`; `.ci/run`
installs it). The runs are installed_suite.py's, shared with test_contract_package.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from installed_suite import (
    BROKEN_VARIANT,
    REAL_CUSTOMER,
    SUITE_EMAIL_DOMAIN,
    ContractRun,
    parse_report,
    report_args,
    run_contract,
    shared_contract_venv,
    shared_suite_runs,
    spec_responses,
)

from malomo_mock import running
from support.broken_servers import BROKEN_VARIANTS
from support.contract_suite_runs import CANARY_KEY, PAGE_SIZE

pytestmark = [pytest.mark.xdist_group("contract_package"), pytest.mark.slow]
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
# How Chromium logs a page's console messages and uncaught errors: `[...:INFO:CONSOLE:12] "message", ...`.
CONSOLE_LINE = re.compile(r":CONSOLE[:(]")


@pytest.fixture(scope="module")
def contract_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_contract_venv(tmp_path_factory)


@pytest.fixture(scope="module")
def suite_runs(contract_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ContractRun]:
    return shared_suite_runs(contract_venv, tmp_path_factory)


def test_report_marks_every_documented_status_of_every_operation(suite_runs: dict[str, ContractRun]) -> None:
    report = parse_report(suite_runs["passing"].html)
    documented = spec_responses()
    assert report.verdict == "held"
    assert set(report.matrix) == set(documented) == report.sections
    for operation, statuses in documented.items():
        cells = report.matrix[operation]
        marked = {status for status, state in cells.items() if state in ("observed", "never")}
        assert marked == statuses, operation
        assert {cells[status] for status in set(cells) - statuses} <= {"not-documented"}, operation
        # The reference server answers every operation's success status.
        success = next(status for status in statuses if status.startswith("2"))
        assert cells[success] == "observed", operation
    # A self-contained page: links only to its own anchors, nothing to load.
    assert report.links and all(link.startswith("#") or link.startswith("data:") for link in report.links)


def test_failing_run_report_names_the_failed_check(suite_runs: dict[str, ContractRun]) -> None:
    run = suite_runs["failing"]
    report = parse_report(run.html)
    assert report.verdict == "broken"
    failed = set().union(*report.failed_checks.values())
    assert "response_schema_conformance" in failed
    assert "response_schema_conformance" in report.failure_checks
    # The round trip's failure is blamed on the create that answered the number, not on the GET after it.
    assert "failed" in set(report.matrix["POST /customers"].values())
    # Every failure links to its reproduction, a curl line with the key filtered.
    anchors = {link.removeprefix("#") for link in report.links if link.startswith("#failure-")}
    assert anchors and anchors <= report.failure_ids
    assert report.curl_lines and all(line.startswith("curl ") for line in report.curl_lines)
    assert any("Authorization: Bearer [Filtered]" in line for line in report.curl_lines)
    assert "| `response_schema_conformance` |" in run.markdown
    assert "❌" in run.markdown


def test_reports_show_no_key_and_no_personal_data(suite_runs: dict[str, ContractRun]) -> None:
    real_values = [*REAL_CUSTOMER.values(), re.sub(r"\D", "", REAL_CUSTOMER["phone_number"])]
    for name, run in suite_runs.items():
        for kind, text in {"html": run.html, "markdown": run.markdown}.items():
            where = f"the {name} run's {kind} report"
            assert CANARY_KEY not in text, where
            assert CANARY_KEY.removeprefix("sk_test_") not in text, where
            for value in real_values:
                assert value not in text, (where, value)
    # Phone numbers the server sent as numbers (the listed customer's too) are masked as numbers.
    assert re.search(r"\b9\d{9}\b", suite_runs["failing"].html)


@pytest.fixture(scope="module")
def unmasked_run(contract_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> ContractRun:
    """The failing run's generated tests again, with `--no-mask`."""
    folder = tmp_path_factory.mktemp("contract-unmasked")
    variant = next(variant for variant in BROKEN_VARIANTS if variant.name == BROKEN_VARIANT)
    seed = folder / "seed.json"
    seed.write_text(json.dumps({"customers": [REAL_CUSTOMER]}), encoding="utf-8")
    with running(
        api_key=CANARY_KEY, page_size=PAGE_SIZE, seed=seed, wrap_app=lambda app: variant.wrap(app, CANARY_KEY)
    ) as broken:
        return run_contract(
            contract_venv,
            folder / "run",
            *report_args("quick", "--base-url", broken.base_url, "--no-mask"),
            "--",
            "-k",
            "test_operation_keeps_the_contract",
        )


def test_no_mask_shows_the_servers_personal_data_but_never_the_key(unmasked_run: ContractRun) -> None:
    # The listed customer's phone number, which the broken server sends as a number: shown as it is.
    digits = re.sub(r"\D", "", REAL_CUSTOMER["phone_number"])
    assert re.search(rf"\b{digits}\b", unmasked_run.html), unmasked_run.stdout[-3000:]
    for text in (unmasked_run.html, unmasked_run.markdown, unmasked_run.stdout):
        assert CANARY_KEY not in text and CANARY_KEY.removeprefix("sk_test_") not in text


def test_reports_show_the_suites_own_test_data(suite_runs: dict[str, ContractRun]) -> None:
    """The failing run's reproductions send customers the suite made up: the evidence shows them as sent."""
    assert SUITE_EMAIL_DOMAIN in suite_runs["failing"].html


def chromium_console(page: Path) -> tuple[str, list[str]]:
    """The DOM headless Chromium rendered from `page`, and the console lines it logged."""
    chromium = shutil.which("chromium")
    if chromium is None:
        # CI (.ci/run sets it up) must never skip this; a developer's machine may lack the browser.
        needed = "Chromium is needed: apt-get install -y chromium (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(needed)
        pytest.skip(needed)
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, [line for line in result.stderr.splitlines() if CONSOLE_LINE.search(line)]


def test_reports_render_in_chromium_without_console_errors(
    suite_runs: dict[str, ContractRun], tmp_path: Path
) -> None:
    # The detector sees a console error where there is one.
    broken_page = tmp_path / "console-error.html"
    broken_page.write_text('<!DOCTYPE html><script>console.error("injected"); null.x;</script>', "utf-8")
    _, console = chromium_console(broken_page)
    assert any("injected" in line for line in console), console
    rendered = {}
    for name, run in suite_runs.items():
        dom, console = chromium_console(run.folder / "report.html")
        assert console == [], f"{name} run's report: {console}"
        assert "Malomo contract coverage" in dom and "</table>" in dom
        rendered[name] = parse_report(dom)
    # A failing run's page opens on its failures, above the matrix, each linked to its details.
    failing = rendered["failing"]
    assert failing.ids.index("failures") < failing.ids.index("matrix")
    assert failing.ids.index("matrix") < min(failing.ids.index(anchor) for anchor in failing.failure_ids)
    # A passing run shows nothing red: schemathesis' probes of undeclared methods, refused with 405, are
    # the right answer (its refusal is the `unsupported_method` check's pass).
    passing = rendered["passing"]
    assert passing.verdict == "held"
    assert "failures" not in passing.ids
    assert passing.undocumented, "the passing run sent no probe of an undeclared method"
    for operation, states in passing.undocumented.items():
        assert states == {"405": "refused"}, operation
    assert not any("failed" in states.values() for states in passing.matrix.values())
