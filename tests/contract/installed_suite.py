"""The installed contract suite as the package tests run it: one virtualenv with the wheel and its `contract`
extra, the passing and the failing `malomo-contract` runs made once per session (side by side), and the
parts of their HTML reports the tests read. Shared by test_contract_package.py,
test_contract_package_reports.py and test_contract_large_store.py: the passing run's server holds a large
store, so that one `default` run serves both the package's tests and the large store's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tomllib
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import MockProcess

from malomo_mock import running
from support import ROOT
from support.broken_servers import BROKEN_VARIANTS
from support.contract_suite_runs import CANARY_KEY, PAGE_SIZE, write_seed
from support.spec_document import documented_statuses
from support.wheel_builds import install_wheel

# Wrong types in every customer answer: both schemathesis' checks and the suite's own tests fail.
BROKEN_VARIANT = "phone_number_as_integer"
# Every email address the suite sends ends with this domain: its own test data, not personal data.
SUITE_EMAIL_DOMAIN = "malomo-contract-test.example.com"
# A customer the suite did not create, on the broken server: listed, so its data is in failure messages.
REAL_CUSTOMER = {
    "email": "moira.rose@rosevideo.example",
    "first_name": "Moira",
    "last_name": "Rose-Tremblay",
    "phone_number": "555-010-7788",
}
RUN_TIMEOUT = 300
# The passing run's store: 20,000 customers in pages of 10 (2,000 pages), seeded, not created over HTTP.
LARGE_STORE = 20_000
LARGE_STORE_PAGE_SIZE = 10


@dataclass(frozen=True)
class ContractRun:
    """One `malomo-contract` run and the files it wrote."""

    exit_code: int
    stdout: str
    stderr: str
    folder: Path

    @property
    def html(self) -> str:
        return (self.folder / "report.html").read_text(encoding="utf-8")

    @property
    def markdown(self) -> str:
        return (self.folder / "report.md").read_text(encoding="utf-8")

    @property
    def junit(self) -> ElementTree.Element:
        return ElementTree.parse(self.folder / "junit.xml").getroot()


class ParsedReport(HTMLParser):
    """The parts of an HTML report that tests read: the matrix, per-operation checks, failures, links."""

    def __init__(self) -> None:
        super().__init__()
        self.matrix: dict[str, dict[str, str]] = {}
        # Per operation, the state of each status seen that it does not document.
        self.undocumented: dict[str, dict[str, str]] = {}
        self.ids: list[str] = []
        self.sections: set[str] = set()
        self.failed_checks: dict[str, set[str]] = {}
        self.failure_ids: set[str] = set()
        self.failure_checks: set[str] = set()
        self.curl_lines: list[str] = []
        self.links: list[str] = []
        self.verdict = ""
        self._row: str | None = None
        self._section: str | None = None
        self._in_curl = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.ids.append(attributes["id"])
        for name in ("href", "src"):
            if name in attributes:
                self.links.append(attributes[name])
        if "data-verdict" in attributes:
            self.verdict = attributes["data-verdict"]
        if tag == "section" and "data-operation" in attributes:
            self._section = attributes["data-operation"]
            self.sections.add(self._section)
        elif tag == "tr" and "data-operation" in attributes:
            self._row = attributes["data-operation"]
            self.matrix[self._row] = {}
        elif tag == "td" and self._row is not None and "data-status" in attributes:
            self.matrix[self._row][attributes["data-status"]] = attributes["data-state"]
        elif tag == "span" and self._row is not None and "data-status" in attributes:
            self.undocumented.setdefault(self._row, {})[attributes["data-status"]] = attributes["data-state"]
        elif tag == "tr" and "data-check" in attributes and self._section is not None:
            if int(attributes.get("data-failed", "0")):
                self.failed_checks.setdefault(self._section, set()).add(attributes["data-check"])
        elif tag == "div" and "data-check" in attributes:
            self.failure_ids.add(attributes["id"])
            self.failure_checks.add(attributes["data-check"])
        elif tag == "pre" and attributes.get("class") == "curl":
            self._in_curl = True
            self.curl_lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._row = None
        elif tag == "pre":
            self._in_curl = False

    def handle_data(self, data: str) -> None:
        if self._in_curl:
            self.curl_lines[-1] += data


def parse_report(html: str) -> ParsedReport:
    report = ParsedReport()
    report.feed(html)
    report.close()
    return report


def spec_responses() -> dict[str, set[str]]:
    """`METHOD /path` of every operation in openapi/malomo.yaml, with its documented statuses."""
    return {
        f"{method} {path}": {str(s) for s in statuses}
        for (method, path), statuses in documented_statuses().items()
    }


def shared_contract_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed with its `contract` extra (one per session)."""
    if "venv" not in _SHARED:
        _SHARED["venv"] = install_wheel(tmp_path_factory.mktemp("contract-package"), extras="contract")
    venv = _SHARED["venv"]
    assert isinstance(venv, Path)
    return venv


def run_contract(venv: Path, folder: Path, *args: str, api_key: str | None = CANARY_KEY) -> ContractRun:
    """`malomo-contract ARGS` in `folder`, the key (when given) in the environment."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("MALOMO_", "PYTEST_"))}
    if api_key is not None:
        env["MALOMO_API_KEY"] = api_key
    completed = subprocess.run(
        [str(venv / "bin" / "malomo-contract"), *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return ContractRun(completed.returncode, completed.stdout, completed.stderr, folder)


# The passing run's profile has the coverage phase, whose probes of undeclared methods the server refuses.
PROFILES = {"passing": "default", "failing": "quick"}


def report_args(profile: str, *extra: str) -> list[str]:
    return [
        "--profile",
        profile,
        "--report",
        "report.html",
        "--report-md",
        "report.md",
        "--junitxml",
        "junit.xml",
        *extra,
    ]


def shared_suite_runs(
    contract_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ContractRun]:
    """The passing and the failing run (one of each per session)."""
    if "runs" not in _SHARED:
        _SHARED["runs"] = _suite_runs(contract_venv, tmp_path_factory)
    runs = _SHARED["runs"]
    assert isinstance(runs, dict)
    return runs


def _suite_runs(contract_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ContractRun]:
    """`malomo-contract` with both reports, from folders outside the checkout, side by side (`PROFILES`):
    `passing` against the installed `malomo-mock` seeded with `LARGE_STORE` customers, `failing` against a
    broken variant of it."""

    class InstalledMock(MockProcess):
        executable = str(contract_venv / "bin" / "malomo-mock")

    folder = tmp_path_factory.mktemp("contract-runs")
    variant = next(variant for variant in BROKEN_VARIANTS if variant.name == BROKEN_VARIANT)
    seed = folder / "seed.json"
    seed.write_text(json.dumps({"customers": [REAL_CUSTOMER]}), encoding="utf-8")
    large_seed = write_seed(folder / "large-seed.json", LARGE_STORE)
    mock = InstalledMock(
        *("--page-size", str(LARGE_STORE_PAGE_SIZE), "--seed", str(large_seed)),
        env={"MALOMO_API_KEY": CANARY_KEY},
    )
    try:
        with (
            running(
                api_key=CANARY_KEY,
                page_size=PAGE_SIZE,
                seed=seed,
                wrap_app=lambda app: variant.wrap(app, CANARY_KEY),
            ) as broken,
            ThreadPoolExecutor(max_workers=2) as pool,
        ):
            passing = pool.submit(
                run_contract,
                contract_venv,
                folder / "passing",
                *report_args(PROFILES["passing"], "--base-url", mock.base_url),
            )
            failing = pool.submit(
                run_contract,
                contract_venv,
                folder / "failing",
                *report_args(PROFILES["failing"], "--base-url", broken.base_url),
            )
            runs = {"passing": passing.result(), "failing": failing.result()}
    finally:
        mock.stop(signal.SIGKILL)
    return runs


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


_SHARED: dict[str, object] = {}
