"""The GitHub Actions workflows, which cannot run here: they parse, trigger once per change, keep the
spec report independent of the tests, release only after the checks, call scripts and tools
(`python -m tools.X`) that exist, and keep secrets and inputs away from the branch's code and shell lines."""

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
    assert all("needs" not in jobs[name] for name in ("regenerate", "spec-report", "tests"))
    checks = [step for step in jobs["spec-report"]["steps"] if "--check-version" in step.get("run", "")]
    assert checks and all(step["if"].startswith("always() && ") for step in checks)
    assert "bash .ci/run" in run_lines({"jobs": {"tests": jobs["tests"]}})


def test_a_release_publishes_only_after_the_tag_check_the_build_and_the_lean_wheel_test() -> None:
    release = workflow("release.yml")
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
    assert jobs["check-and-build"]["needs"] == "tests"
    assert jobs["publish"]["needs"] == "check-and-build"
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["github-release"]["needs"] == "publish"


def _tag_matches(pattern: str, tag: str) -> bool:
    """GitHub's filter pattern (`+` one or more of the character before, `*` any run but `/`) on `tag`."""
    regex = "".join(
        "[^/]*" if char == "*" else char if char in "+[]-" or char.isalnum() else re.escape(char)
        for char in pattern
    )
    return re.fullmatch(regex, tag) is not None


@pytest.mark.parametrize("tag", ["v1.0.0", "v1.0.0rc1", "v2.10.3a2", "v1.0.0.post1", "v12.0.0b1"])
def test_a_release_tag_may_be_any_pep_440_version(tag: str) -> None:
    patterns = workflow("release.yml")["on"]["push"]["tags"]
    assert any(_tag_matches(pattern, tag) for pattern in patterns)
    assert not any(_tag_matches(pattern, name) for pattern in patterns for name in ("v1.0", "1.0.0", "vnext"))


def test_a_release_runs_every_test_on_a_commit_of_main_first() -> None:
    steps = workflow("release.yml")["jobs"]["tests"]["steps"]
    runs = [step.get("run", "") for step in steps]
    on_main = next(i for i, run in enumerate(runs) if "git merge-base --is-ancestor" in run)
    whole_suite = next(i for i, run in enumerate(runs) if "bash .ci/run" in run)
    assert on_main < whole_suite
    assert "origin/main" in runs[on_main]


def test_main_runs_are_never_cancelled() -> None:
    concurrency = workflow("ci.yml")["concurrency"]
    assert concurrency["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"


def _steps(name: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (job_name, job, step) for job_name, job in workflow(name)["jobs"].items() for step in job["steps"]
    ]


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_no_expression_is_pasted_into_a_shell_line(name: str) -> None:
    pasted = [step["run"] for _, _, step in _steps(name) if "${{" in step.get("run", "")]
    assert pasted == []


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_third_party_actions_are_pinned_by_commit(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses
    loose = [
        f"{action}{rest}"
        for action, rest in uses
        if not re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action)
    ]
    assert loose == []
    unnamed = [action for action, rest in uses if not re.fullmatch(r" # v\d+(\.\d+)*", rest)]
    assert unnamed == []


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_no_checkout_leaves_a_token_in_git_config(name: str) -> None:
    checkouts = [step for _, _, step in _steps(name) if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert [step for step in checkouts if step.get("with", {}).get("persist-credentials") is not False] == []


def test_no_job_that_runs_branch_code_can_reach_a_secret_or_write() -> None:
    """A job that installs or runs the branch's code holds only a read token; the job that pushes with a
    secret runs none of it (no install, no python, no script of the checkout)."""
    for job_name, job in workflow("ci.yml")["jobs"].items():
        text = repr(job)
        runs = "\n".join(step.get("run", "") for step in job["steps"])
        commands = re.compile(r"^\s*(?:if !? ?)?(?:python|pip|bash|sh|\./|make|tox|npx|uv)\b", re.MULTILINE)
        runs_branch_code = commands.search(runs) is not None
        if runs_branch_code:
            assert "secrets." not in text, job_name
            assert job.get("permissions", {"contents": "read"}) == {"contents": "read"}, job_name
    pusher = workflow("ci.yml")["jobs"]["push-generated"]
    assert "secrets.REGENERATE_TOKEN" in repr(pusher)
    assert pusher["needs"] == "regenerate"
