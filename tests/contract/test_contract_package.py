"""The contract suite as users install it: `malomo-openapi[contract]` from the wheel, run as
`malomo-contract` from a folder outside the checkout, and the coverage report it writes.

One virtualenv, one `malomo-mock` from it and one broken server for the whole module; the passing and the
failing run are made once, side by side, and judged by several tests. The reports are read by parsing
their HTML, and rendered in headless Chromium (Debian's `chromium`; `.ci/run` installs it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import tomllib
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import MockProcess

from malomo_mock import running
from support import ROOT
from support.broken_servers import BROKEN_VARIANTS
from support.contract_suite_runs import CANARY_KEY, PAGE_SIZE
from support.spec_document import documented_statuses
from support.wheel_builds import install_wheel

pytestmark = pytest.mark.xdist_group("contract_package")

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


@pytest.fixture(scope="module")
def contract_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed with its `contract` extra."""
    return install_wheel(tmp_path_factory.mktemp("contract-package"), extras="contract")


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


@pytest.fixture(scope="module")
def suite_runs(
    contract_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ContractRun]]:
    """`malomo-contract` with both reports, from folders outside the checkout, side by side (`PROFILES`):
    `passing` against the installed `malomo-mock`, `failing` against a broken variant of it."""

    class InstalledMock(MockProcess):
        executable = str(contract_venv / "bin" / "malomo-mock")

    folder = tmp_path_factory.mktemp("contract-runs")
    variant = next(variant for variant in BROKEN_VARIANTS if variant.name == BROKEN_VARIANT)
    seed = folder / "seed.json"
    seed.write_text(json.dumps({"customers": [REAL_CUSTOMER]}), encoding="utf-8")
    mock = InstalledMock("--page-size", str(PAGE_SIZE), env={"MALOMO_API_KEY": CANARY_KEY})
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
            yield {"passing": passing.result(), "failing": failing.result()}
    finally:
        mock.stop(signal.SIGKILL)


def test_installed_spec_is_the_repository_spec(contract_venv: Path) -> None:
    probe = "import malomo_spec, pathlib; print(pathlib.Path(malomo_spec.__file__).parent)"
    result = subprocess.run(
        [str(contract_venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True
    )
    installed = Path(result.stdout.strip()) / "malomo.yaml"
    assert not installed.is_symlink()
    assert installed.read_bytes() == (ROOT / "openapi" / "malomo.yaml").read_bytes()


def test_checkout_install_runs_the_checkout_suite() -> None:
    """`pip install -e .` imports the suite from the repository's src/, under its one name."""
    spec = importlib.util.find_spec("malomo_contract")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin) == ROOT / "src" / "malomo_contract" / "__init__.py"


def test_installed_suite_passes_against_the_reference_server(suite_runs: dict[str, ContractRun]) -> None:
    run = suite_runs["passing"]
    assert not run.folder.is_relative_to(ROOT)
    assert run.exit_code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\d+ passed", run.stdout)


def test_installed_suite_fails_against_a_broken_server(suite_runs: dict[str, ContractRun]) -> None:
    run = suite_runs["failing"]
    assert run.exit_code == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert " failed" in run.stdout


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
    assert any("Authorization: [Filtered]" in line for line in report.curl_lines)
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


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def test_version_is_the_package_version(contract_venv: Path, tmp_path: Path) -> None:
    run = run_contract(contract_venv, tmp_path, "--version")
    assert (run.exit_code, run.stdout.strip()) == (0, f"malomo-contract {project_version()}")


def test_run_header_is_one_line_without_local_paths(suite_runs: dict[str, ContractRun]) -> None:
    for name, run in suite_runs.items():
        header = run.stdout.partition("collected ")[0]
        first, *rest = header.splitlines()
        version, profile = re.escape(project_version()), PROFILES[name]
        assert re.fullmatch(
            rf"malomo-contract {version}: http://127\.0\.0\.1:\d+, profile {profile}, "
            r"seed (\d+) \(rerun with --contract-seed \1\)",
            first,
        ), first
        assert all(line.startswith("=") for line in rest if line), (name, rest)
        # Hypothesis keeps its files elsewhere, pytest keeps no cache.
        assert sorted(path.name for path in run.folder.iterdir()) == ["junit.xml", "report.html", "report.md"]


def test_junit_file_names_the_suite_and_the_run(suite_runs: dict[str, ContractRun]) -> None:
    for name, run in suite_runs.items():
        suite = run.junit.find("testsuite")
        assert suite is not None and suite.get("name") == "malomo-contract", name
        properties = suite.find("properties")
        assert properties is not None
        values = {prop.get("name"): prop.get("value") for prop in properties}
        # Seed, target and version; no base64 statistics of Hypothesis'.
        assert set(values) == {"seed", "target", "profile", "suite-version"}, values
        assert f"seed {values['seed']} " in run.stdout
        assert values["suite-version"] == project_version()
        assert values["profile"] == PROFILES[name]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", values["target"] or ""), values
        assert CANARY_KEY.removeprefix("sk_test_") not in (run.folder / "junit.xml").read_text("utf-8")
        classnames = {case.get("classname", "") for case in suite.iter("testcase")}
        assert classnames and all(classname.startswith("malomo_contract.test_") for classname in classnames)


@pytest.mark.parametrize(
    "args,api_key,problem",
    [
        (["--base-url", "http://127.0.0.1:{closed_port}"], CANARY_KEY, "cannot reach http://127.0.0.1:"),
        (["--base-url", "http://127.0.0.1:{closed_port}"], None, "--base-url needs a key"),
        (["--base-url", "ftp://example.com"], CANARY_KEY, "--base-url must be an http:// or https:// URL"),
        (["--profile", "fastest"], CANARY_KEY, "--profile must be one of quick, default, thorough"),
        (["--rate-limit", "fast"], CANARY_KEY, "--rate-limit: a rate limit looks like 10/s"),
        (["--contract-seed", "x"], CANARY_KEY, "argument --contract-seed: invalid int value"),
        (["--report", "no/such/folder/report.html"], CANARY_KEY, "--report: the folder of"),
        (["--no-such-option"], CANARY_KEY, "unrecognized arguments: --no-such-option"),
    ],
    ids=[
        "unreachable server",
        "no key",
        "not http",
        "unknown profile",
        "bad rate limit",
        "bad seed",
        "report folder missing",
        "unknown option",
    ],
)
def test_bad_input_exits_2_with_one_line_naming_it(
    args: list[str],
    api_key: str | None,
    problem: str,
    contract_venv: Path,
    closed_port: int,
    tmp_path: Path,
) -> None:
    run = run_contract(
        contract_venv, tmp_path, *[arg.format(closed_port=closed_port) for arg in args], api_key=api_key
    )
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert run.stderr.startswith(f"malomo-contract: error: {problem}"), run.stderr
