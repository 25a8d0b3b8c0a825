"""Running the contract suite (`pytest contract_tests`) in a subprocess against a served app, for tests/.

`run_every_broken_variant` makes the runs the kill-rate test and the key-leak test both judge: the first
by their exit codes, the second by their output and reports.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from broken_servers import BROKEN_VARIANTS, BrokenVariant
from starlette.types import ASGIApp

from malomo_mock import running

ROOT = Path(__file__).resolve().parent.parent
# Small pages, so that a handful of records already spans several pages.
PAGE_SIZE = 4
SUITE_TIMEOUT = 300
# The key every broken-variant run uses: no output could contain it by accident.
CANARY_KEY = f"sk_test_CANARY{secrets.token_hex(12)}"
# A key the server refuses, put in the environment of the runs that get the canary on the command line.
DECOY_KEY = "sk_test_not_this_one"
# Show everything pytest can show: every outcome, full tracebacks, local variables.
VERBOSE_ARGS = ("-rA", "--tb=long", "--showlocals", "-vv")
# The variant run without `-x`: it fails in every module, so its output and JUnit XML hold every kind of
# failure report (schemathesis' included, with curl lines). Wrong types in every customer answer.
FULL_REPORT_VARIANT = "phone_number_as_integer"
PARALLEL_RUNS = 2


@dataclass(frozen=True)
class SuiteRun:
    """The outcome of one run of the suite."""

    exit_code: int
    seconds: float
    stdout: str
    stderr: str
    junit_xml: str
    first_failure: str | None


def first_failure(junit_xml: str) -> str | None:
    """`module::test` of the first failed or errored test case in a JUnit XML report."""
    if not junit_xml:
        return None
    for case in ElementTree.fromstring(junit_xml).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").rpartition(".")[2]
            return f"{module}::{case.get('name')}"
    return None


def run_suite(
    base_url: str,
    api_key: str,
    junit_path: Path,
    extra_args: Sequence[str] = (),
    profile: str = "quick",
    key_on_command_line: bool = False,
) -> SuiteRun:
    """Run the suite against `base_url`; the key goes in the environment, as the README recommends, or
    with `key_on_command_line` in `--api-key` (with a wrong key in the environment)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "contract_tests",
        "--base-url",
        base_url,
        "--profile",
        profile,
        "-p",
        "no:randomly",
        "-q",
        f"--junitxml={junit_path}",
        *(["--api-key", api_key] if key_on_command_line else []),
        *extra_args,
    ]
    env = {**os.environ, "MALOMO_API_KEY": DECOY_KEY if key_on_command_line else api_key}
    # The outer run's target and options (e.g. its own --junitxml) must not leak into this one.
    for name in ("MALOMO_BASE_URL", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT, check=False
    )
    seconds = time.monotonic() - started
    junit_xml = junit_path.read_text(encoding="utf-8") if junit_path.exists() else ""
    return SuiteRun(
        exit_code=completed.returncode,
        seconds=seconds,
        stdout=completed.stdout,
        stderr=completed.stderr,
        junit_xml=junit_xml,
        first_failure=first_failure(junit_xml),
    )


def run_suite_against(
    wrap_app: Callable[[ASGIApp], ASGIApp] | None,
    api_key: str,
    junit_path: Path,
    extra_args: Sequence[str] = (),
    profile: str = "quick",
    key_on_command_line: bool = False,
) -> SuiteRun:
    """Serve a fresh reference server, wrapped by `wrap_app` when given, and run the suite against it."""
    with running(api_key=api_key, page_size=PAGE_SIZE, wrap_app=wrap_app) as server:
        return run_suite(server.base_url, api_key, junit_path, extra_args, profile, key_on_command_line)


@dataclass(frozen=True)
class VariantRun:
    """One run of the suite (`--profile quick`) against a broken variant, and how it was started."""

    variant: BrokenVariant
    run: SuiteRun
    key_on_command_line: bool
    junit_family: str
    stops_at_first_failure: bool


def run_every_broken_variant(workdir: Path) -> list[VariantRun]:
    """Run the suite once against each broken variant, `PARALLEL_RUNS` at a time, in `BROKEN_VARIANTS` order.

    Every run uses `CANARY_KEY` and `VERBOSE_ARGS`; they alternate between the key in the environment and
    on the command line, and between the JUnit families xunit1 and xunit2. All but `FULL_REPORT_VARIANT`
    stop at the first failure (`-x`).
    """

    def run_one(index: int) -> VariantRun:
        variant = BROKEN_VARIANTS[index]
        key_on_command_line = index % 2 == 1
        junit_family = ("xunit2", "xunit1")[index // 2 % 2]
        stops = variant.name != FULL_REPORT_VARIANT
        args = [*VERBOSE_ARGS, "-o", f"junit_family={junit_family}", *(["-x"] if stops else [])]
        run = run_suite_against(
            lambda app: variant.wrap(app, CANARY_KEY),
            CANARY_KEY,
            workdir / f"{variant.name}.xml",
            extra_args=args,
            key_on_command_line=key_on_command_line,
        )
        return VariantRun(variant, run, key_on_command_line, junit_family, stops)

    # The longest run starts first, so that it does not finish alone at the end.
    order = sorted(range(len(BROKEN_VARIANTS)), key=lambda i: BROKEN_VARIANTS[i].name != FULL_REPORT_VARIANT)
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        runs = dict(zip(order, pool.map(run_one, order), strict=True))
    return [runs[index] for index in range(len(BROKEN_VARIANTS))]
