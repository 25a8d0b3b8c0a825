"""The contract suite as users install it: `malomo-openapi[contract]` from the wheel, run as
`malomo-contract` from a folder outside the checkout, and the coverage report it writes.

One virtualenv, one `malomo-mock` from it and one broken server for the whole module; the passing and the
failing run are made once, side by side, and judged by several tests. The reports are read by parsing
their HTML, and rendered in headless Chromium (Debian's `chromium`; `.ci/run` installs it).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
from installed_suite import (
    PROFILES,
    ContractRun,
    project_version,
    run_contract,
    shared_contract_venv,
    shared_suite_runs,
)

from support import ROOT
from support.contract_suite_runs import CANARY_KEY

# Every test but the checkout's installs the wheel or runs the installed suite: slow.
pytestmark = pytest.mark.xdist_group("contract_package")


@pytest.fixture(scope="module")
def contract_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_contract_venv(tmp_path_factory)


@pytest.fixture(scope="module")
def suite_runs(contract_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ContractRun]:
    return shared_suite_runs(contract_venv, tmp_path_factory)


@pytest.mark.slow
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


@pytest.mark.slow
def test_installed_suite_passes_against_the_reference_server(suite_runs: dict[str, ContractRun]) -> None:
    run = suite_runs["passing"]
    assert not run.folder.is_relative_to(ROOT)
    assert run.exit_code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\d+ passed", run.stdout)


@pytest.mark.slow
def test_installed_suite_fails_against_a_broken_server(suite_runs: dict[str, ContractRun]) -> None:
    run = suite_runs["failing"]
    assert run.exit_code == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert " failed" in run.stdout


@pytest.mark.slow
def test_version_is_the_package_version(contract_venv: Path, tmp_path: Path) -> None:
    run = run_contract(contract_venv, tmp_path, "--version")
    assert (run.exit_code, run.stdout.strip()) == (0, f"malomo-contract {project_version()}")


@pytest.mark.slow
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
        # Hypothesis keeps its files elsewhere, pytest keeps no cache; beside the reports only the bodies too
        # long for a curl line, each sent by a reproduction (`--data-binary @FILE`).
        names = sorted(path.name for path in run.folder.iterdir())
        bodies = [name for name in names if name.startswith("malomo-contract-body-")]
        assert [name for name in names if name not in bodies] == ["junit.xml", "report.html", "report.md"]
        report = (run.folder / "report.md").read_text(encoding="utf-8")
        assert all(f"@{name}" in report for name in bodies), (name, bodies)


@pytest.mark.slow
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


@pytest.mark.slow
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
