"""Running the contract suite (`pytest src/malomo_contract/suite`) against a served app, for tests/.

`run_every_broken_variant` makes the runs the kill-rate test and the key-leak test both judge: the first
by their exit codes, the second by their output and reports. `run_plans` makes any set of runs the same way
(the paging tests at several page sizes), `run_suite` one run against a server of the test's, and
`run_pytest` any other pytest command line of the suite.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import sys
import time
import traceback
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from malomo_contract.profiles import PROFILES
from malomo_mock import running
from support import ROOT
from support.broken_servers import (
    BROKEN_VARIANTS,
    OTHER_STORE_KEY,
    PAGING_VARIANTS,
    TWO_KEY_VARIANTS,
    BrokenVariant,
    switchboard,
    variant_named,
)
from support.broken_servers.switchboard import Switchboard, VariantSchedule, switchboard_over
from support.suite_forker import forker, write_output_to

# The suite's tests, as `pytest` is given them from the checkout's root.
SUITE_PATHS = ("src/malomo_contract/suite",)
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
# The creation time of the first customer `write_seed` makes.
SEEDED_FROM = datetime(2023, 11, 14, tzinfo=UTC)
# The variants the whole suite is run against. The paging variants are left out: the paging module, which is
# what catches them, runs against each at four page sizes (tests/contract/test_contract_paging_sizes.py).
WHOLE_SUITE_VARIANTS: tuple[BrokenVariant, ...] = tuple(
    variant for variant in BROKEN_VARIANTS if variant.name not in PAGING_VARIANTS
)


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


def _suite_args(
    base_url: str,
    api_key: str,
    junit_path: Path,
    extra_args: Sequence[str],
    profile: str,
    key_on_command_line: bool,
    paths: Sequence[str] = SUITE_PATHS,
) -> list[str]:
    """`pytest` arguments of one run of the suite (or of its modules `paths`) against `base_url`."""
    return [
        *paths,
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


def _suite_env(api_key: str, key_on_command_line: bool) -> dict[str, str]:
    """The environment of one run: the key in `MALOMO_API_KEY`, or a wrong key there when it is on the
    command line; the outer run's target and options (e.g. its own --junitxml) left out."""
    env = {**os.environ, "MALOMO_API_KEY": DECOY_KEY if key_on_command_line else api_key}
    # The checkout's root on the path, as a run from the checkout has it (`tools`, `tests` as packages).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    for name in ("MALOMO_BASE_URL", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    return env


def _suite_run(exit_code: int, seconds: float, stdout: str, stderr: str, junit_path: Path) -> SuiteRun:
    junit_xml = junit_path.read_text(encoding="utf-8") if junit_path.exists() else ""
    return SuiteRun(exit_code, seconds, stdout, stderr, junit_xml, first_failure(junit_xml))


def run_pytest(args: Sequence[str], workdir: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """`python -m pytest ARGS` from the checkout's root with `env`, in a child of this test process's forking
    process (`suite_forker`): its exit code, stdout and stderr (kept in files in `workdir`)."""
    name = f"pytest-{uuid.uuid4().hex[:8]}"
    request = {"kind": "pytest", "args": list(args), "env": env, "workdir": str(workdir), "name": name}
    exit_code = forker().call({**request, "timeout": SUITE_TIMEOUT})
    stdout, stderr = (workdir / f"{name}.{suffix}" for suffix in ("stdout", "stderr"))
    return exit_code, stdout.read_text(errors="replace"), stderr.read_text(errors="replace")


def run_suite(
    base_url: str,
    api_key: str,
    junit_path: Path,
    extra_args: Sequence[str] = (),
    profile: str = "quick",
    key_on_command_line: bool = False,
    paths: Sequence[str] = SUITE_PATHS,
) -> SuiteRun:
    """Run the suite against `base_url` as `python -m pytest` would (`run_pytest`); the key goes in the
    environment, as the README recommends, or with `key_on_command_line` in `--api-key` (with a wrong key in
    the environment). Its output goes to files beside `junit_path`."""
    started = time.monotonic()
    args = _suite_args(base_url, api_key, junit_path, extra_args, profile, key_on_command_line, paths)
    env = _suite_env(api_key, key_on_command_line)
    exit_code, stdout, stderr = run_pytest(args, junit_path.parent, env)
    return _suite_run(exit_code, time.monotonic() - started, stdout, stderr, junit_path)


@dataclass(frozen=True)
class VariantRun:
    """One run of the suite (`--profile quick`) against a broken variant, and how it was started."""

    variant: BrokenVariant
    run: SuiteRun
    key_on_command_line: bool
    junit_family: str
    stops_at_first_failure: bool


VARIANT_RUN_OPTIONS = ("key_on_command_line", "junit_family", "stops_at_first_failure")


def _variant_plan(index: int) -> dict[str, Any]:
    """How the run against `WHOLE_SUITE_VARIANTS[index]` is started: they alternate between the key in the
    environment and on the command line, and between the JUnit families xunit1 and xunit2. All but
    `FULL_REPORT_VARIANT` stop at the first failure (`-x`)."""
    name = WHOLE_SUITE_VARIANTS[index].name
    return {
        "name": name,
        "variant": name,
        "key_on_command_line": index % 2 == 1,
        "junit_family": ("xunit2", "xunit1")[index // 2 % 2],
        "stops_at_first_failure": name != FULL_REPORT_VARIANT,
    }


def run_every_broken_variant(workdir: Path) -> list[VariantRun]:
    """Run the suite (`--profile quick`, `VERBOSE_ARGS`, `CANARY_KEY`) once against each whole-suite variant,
    in `WHOLE_SUITE_VARIANTS` order."""
    plans = [_variant_plan(index) for index in range(len(WHOLE_SUITE_VARIANTS))]
    # The fault-class run rides along, one more child of the same subprocess (see `switchboard`).
    runs = run_plans(workdir, [*plans, switchboard.class_run_plan(SUITE_PATHS[0])])
    switchboard.keep_class_run(runs[switchboard.CLASS_RUN], workdir)
    return [
        VariantRun(variant, runs[plan["name"]], **{key: plan[key] for key in VARIANT_RUN_OPTIONS})
        for variant, plan in zip(WHOLE_SUITE_VARIANTS, plans, strict=True)
    ]


def run_plans(workdir: Path, plans: list[dict[str, Any]]) -> dict[str, SuiteRun]:
    """Make the runs `plans` describe, by their names. A plan names its run and may give `variant` (a name
    from `BROKEN_VARIANTS` or `CORRECT_VARIANTS`; none: the reference server as it is), `page_size`
    (default `PAGE_SIZE`), `customers` (a store seeded with that many, `write_seed`, default none), `profile`
    (default quick), `max_walk_pages` (the profile's budget lowered), `paths` (default the whole suite), and
    the options of `_variant_plan`.

    The runs are made by a child of this test process's forking process (`suite_forker`), which forks a
    child per run, `PARALLEL_RUNS` at a time.
    """
    (workdir / "plans.json").write_text(json.dumps(plans))
    env = _suite_env(CANARY_KEY, key_on_command_line=False)
    request = {"kind": "plans", "env": env, "workdir": str(workdir), "timeout": SUITE_TIMEOUT * 2}
    if forker().call(request) != 0:
        raise RuntimeError(f"the runs of {workdir} did not all end (see the test's stderr)")
    seconds = json.loads((workdir / "seconds.json").read_text())
    exit_codes = json.loads((workdir / "exit_codes.json").read_text())
    return {
        plan["name"]: _suite_run(
            exit_codes[plan["name"]],
            seconds[plan["name"]],
            (workdir / f"{plan['name']}.stdout").read_text(errors="replace"),
            (workdir / f"{plan['name']}.stderr").read_text(errors="replace"),
            workdir / f"{plan['name']}.xml",
        )
        for plan in plans
    }


def write_seed(path: Path, count: int) -> Path:
    """A seed file (`malomo-mock --seed`) of `count` customers created a second apart in the past, so that a
    store is filled directly, not over HTTP; they are made-up test data."""
    customers = [
        {
            "email": f"stored-{i}@example.com",
            "first_name": "Stored",
            "last_name": f"Customer{i}",
            "created_at": (SEEDED_FROM + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for i in range(count)
    ]
    path.write_text(json.dumps({"customers": customers}), encoding="utf-8")
    return path


def _served_app(plan: dict[str, Any], api_key: str, boards: list[Switchboard]) -> Any:
    """`wrap_app` for `running`: the plan's variant, or for a plan with a `schedule` (variant -> tests) a
    switchboard over every variant it names (kept in `boards`)."""
    variant = variant_named(plan.get("variant"))

    def wrap(app: Any) -> Any:
        if "schedule" in plan:
            boards.append(switchboard_over(app, api_key, plan["schedule"]))
            return boards[-1]
        return app if variant is None else variant.wrap(app, api_key)

    return wrap


def _run_in_child(plan: dict[str, Any], workdir: Path, api_key: str) -> int:
    """One run in a forked child: serve the variant (or the correct server), point stdout and stderr at
    files, run pytest. A run with a `schedule` writes what each variant did to NAME.outcome.json."""
    import pytest

    name = plan["name"]
    signal.alarm(SUITE_TIMEOUT)  # a hung run dies (exit -14, a survivor in the table) instead of hanging all
    try:
        write_output_to(workdir, name)
        key_on_command_line = plan.get("key_on_command_line", False)
        os.environ.update(_suite_env(api_key, key_on_command_line))
        if plan.get("variant") in TWO_KEY_VARIANTS or "schedule" in plan:
            os.environ["MALOMO_OTHER_API_KEY"] = OTHER_STORE_KEY
        extra_args = [*VERBOSE_ARGS, "-o", f"junit_family={plan.get('junit_family', 'xunit2')}"]
        extra_args = ["--tb=short"] if "schedule" in plan else extra_args
        extra_args += ["-x"] if plan.get("stops_at_first_failure", False) else []
        if "max_walk_pages" in plan:  # a lower walk budget: a list longer than it need not be 5,000 pages
            profile = PROFILES[plan.get("profile", "quick")]
            PROFILES[profile.name] = dataclasses.replace(profile, max_walk_pages=plan["max_walk_pages"])
        boards: list[Switchboard] = []
        wrap = _served_app(plan, api_key, boards)
        seed = write_seed(workdir / f"{name}.seed.json", plan["customers"]) if plan.get("customers") else None
        page_size = plan.get("page_size", PAGE_SIZE)
        with running(api_key=api_key, page_size=page_size, seed=seed, wrap_app=wrap) as server:
            args = _suite_args(
                server.base_url,
                api_key,
                workdir / f"{name}.xml",
                extra_args,
                plan.get("profile", "quick"),
                key_on_command_line,
                plan.get("paths", list(SUITE_PATHS)),
            )
            # The plugins were imported before pytest could mark them for assert rewriting; it says so.
            args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
            sys.argv = ["pytest", *args]  # as a `pytest ...` command line would leave it
            schedule = [VariantSchedule(boards[0], plan["schedule"], plan.get("reference"))] if boards else []
            code = int(pytest.main(args, plugins=schedule))
            if schedule:
                (workdir / f"{name}.outcome.json").write_text(json.dumps(schedule[0].outcome()))
            return code
    except BaseException:
        traceback.print_exc()
        return 99
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def fork_every_run(workdir: Path, api_key: str) -> None:
    """Make the runs of `workdir/plans.json` with `api_key`; write their exit codes and durations."""
    plans = json.loads((workdir / "plans.json").read_text())
    # The longest run starts first, so that it does not finish alone at the end.
    waiting = sorted(plans, key=lambda plan: plan.get("stops_at_first_failure", False))
    started: dict[int, tuple[str, float]] = {}
    exit_codes: dict[str, int] = {}
    seconds: dict[str, float] = {}
    while waiting or started:
        while waiting and len(started) < PARALLEL_RUNS:
            plan = waiting.pop(0)
            pid = os.fork()
            if pid == 0:
                os._exit(_run_in_child(plan, workdir, api_key))
            started[pid] = (plan["name"], time.monotonic())
        pid, status = os.wait()
        name, since = started.pop(pid)
        exit_codes[name] = os.waitstatus_to_exitcode(status)
        seconds[name] = time.monotonic() - since
    (workdir / "exit_codes.json").write_text(json.dumps(exit_codes))
    (workdir / "seconds.json").write_text(json.dumps(seconds))
