"""Running the contract suite (`pytest contract_tests`) in a subprocess against a served app, for tests/.

Shared by the kill-rate test and the key-leak test: both judge the suite by its exit code and its reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp

from malomo_mock import running

ROOT = Path(__file__).resolve().parent.parent
# Small pages, so that a handful of records already spans several pages.
PAGE_SIZE = 4
SUITE_TIMEOUT = 300


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
    base_url: str, api_key: str, junit_path: Path, extra_args: Sequence[str] = (), profile: str = "quick"
) -> SuiteRun:
    """Run the suite against `base_url`; the key goes in the environment, as the README recommends."""
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
        *extra_args,
    ]
    env = {**os.environ, "MALOMO_API_KEY": api_key}
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
) -> SuiteRun:
    """Serve a fresh reference server, wrapped by `wrap_app` when given, and run the suite against it."""
    with running(api_key=api_key, page_size=PAGE_SIZE, wrap_app=wrap_app) as server:
        return run_suite(server.base_url, api_key, junit_path, extra_args, profile)
