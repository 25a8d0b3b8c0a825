"""The GitHub Actions workflows, which cannot run here: they parse, trigger once per change, keep the
spec report independent of the tests, release only after the checks, and call scripts and tools
(`python -m tools.X`) that exist."""

from __future__ import annotations

import re
from typing import Any

import pytest

import malomo_spec
from support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    document: dict[Any, Any] = malomo_spec.parse_yaml((WORKFLOWS / name).read_text(), name)
    # YAML 1.1 reads the key `on` as true.
    document["on"] = document.pop(True)
    return document


def run_lines(document: dict[str, Any]) -> list[str]:
    return [step["run"] for job in document["jobs"].values() for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_every_script_a_workflow_runs_exists(name: str) -> None:
    called = {
        path
        for run in run_lines(workflow(name))
        for path in re.findall(r"(?:scripts|tests|\.ci)/[\w./]+", run)
    }
    modules = {
        module for run in run_lines(workflow(name)) for module in re.findall(r"python -m (tools[\w.]*)", run)
    }
    assert called | modules, name
    assert sorted(path for path in called if not (ROOT / path).exists()) == []
    runnable = [ROOT / module.replace(".", "/") / "__main__.py" for module in modules]
    assert sorted(str(path) for path in runnable if not path.is_file()) == []


def test_ci_runs_each_change_once_and_reports_even_when_drift_fails() -> None:
    ci = workflow("ci.yml")
    assert ci["on"] == {"push": {"branches": ["main"]}, "pull_request": None}
    jobs = ci["jobs"]
    assert all("needs" not in job for job in jobs.values())
    checks = [step for step in jobs["spec-report"]["steps"] if "--check-version" in step.get("run", "")]
    assert checks and all(step["if"].startswith("always() && ") for step in checks)
    assert "bash .ci/run" in run_lines({"jobs": {"tests": jobs["tests"]}})


def test_a_release_publishes_only_after_the_tag_check_the_build_and_the_lean_wheel_test() -> None:
    release = workflow("release.yml")
    assert release["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    jobs = release["jobs"]
    steps = [step.get("run", step.get("uses", "")) for step in jobs["check-and-build"]["steps"]]
    order = [
        "python -m tools.release --tag",
        "uv build",
        "twine check",
        "tests/tools/test_lean_wheel.py",
        "upload-artifact",
    ]
    positions = [next(i for i, step in enumerate(steps) if marker in step) for marker in order]
    assert positions == sorted(positions)
    assert jobs["publish"]["needs"] == "check-and-build"
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["github-release"]["needs"] == "publish"
