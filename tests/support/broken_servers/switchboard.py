"""Many broken variants in one run of the suite: one server whose app is switched from variant to variant
between tests, and a pytest plugin that runs, for each variant in turn, only the tests that should catch it.

A run of the suite costs about three seconds before its first test; the fault-class inventory has some
forty planted bugs, each caught by a handful of tests. One session runs them all: the plugin puts each
variant's tests in the item list (a test is listed once per variant that names it), switches the server to
that variant before each of them, and skips the rest of a variant's tests once one has failed (it is
killed). A last pass, `REFERENCE`, runs every listed test against the correct app, after all the variants:
a failure there means a variant left the store in a state that fails a correct server, and any kill may be
false.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from support.contract_suite_runs import SuiteRun

REFERENCE = "reference"


class Switchboard:
    """An ASGI app that hands every request to the app of the active variant (the correct app for None)."""

    def __init__(self, correct: ASGIApp, variants: Mapping[str, ASGIApp]) -> None:
        self.correct = correct
        self.variants = dict(variants)
        self.active: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.correct if self.active in (None, REFERENCE) else self.variants[self.active or ""]
        await app(scope, receive, send)


def switchboard_over(app: ASGIApp, api_key: str, variants: Sequence[str]) -> Switchboard:
    """A switchboard over `app` and each of `variants` (by name) wrapped around it. Its correct app serves a
    second store for OTHER_STORE_KEY, which the two-key test uses."""
    from support.broken_servers import variant_named

    made = {name: variant_named(name) for name in [*variants, "two_stores"]}
    wrapped = {name: found.wrap(app, api_key) for name, found in made.items() if found is not None}
    return Switchboard(wrapped.pop("two_stores"), wrapped)


def test_name(item: pytest.Item) -> str:
    """`module.py::function` of a collected test, as the fault-class inventory names tests."""
    path = getattr(item, "path", None)
    function = getattr(item, "originalname", None) or item.name.partition("[")[0]
    return f"{getattr(path, 'name', '')}::{function}"


@dataclass
class VariantSchedule:
    """The pytest plugin: `tests[variant]` names the tests (`module.py::function`) to run against it."""

    switchboard: Switchboard
    tests: Mapping[str, Sequence[str]]
    # The tests the reference pass runs (default: every test of the schedule).
    reference: Sequence[str] | None = None
    # Filled in by the run: the variant of each listed item, the first failure of each variant.
    order: list[str] = field(default_factory=list)
    killed: dict[str, str] = field(default_factory=dict)
    ran: dict[str, int] = field(default_factory=dict)
    _position: int = 0
    _seen: set[int] = field(default_factory=set)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        listed: list[pytest.Item] = []
        passes = [*self.tests, REFERENCE]
        every = {name for names in self.tests.values() for name in names}
        for variant in passes:
            wanted = set(self.tests[variant]) if variant != REFERENCE else set(self.reference or every)
            chosen = [item for item in items if test_name(item) in wanted]
            listed += chosen
            self.order += [variant] * len(chosen)
        items[:] = listed

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        variant = self.order[self._position]
        self._position += 1
        if variant in self.killed:
            # Caught already: its other tests are not run, and whatever the last test set up that the next
            # one does not share is torn down, as pytest's own protocol does after a test.
            item.session._setupstate.teardown_exact(nextitem)
            return True
        self.switchboard.active = variant
        if id(item) in self._seen and hasattr(item, "_initrequest"):
            item._initrequest()  # a test run again gets fresh fixtures, as pytest-rerunfailures does
        self._seen.add(id(item))
        self.ran[variant] = self.ran.get(variant, 0) + 1
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        variant = self.switchboard.active
        if report.failed and variant is not None and variant not in self.killed:
            self.killed[variant] = report.nodeid

    def outcome(self) -> dict[str, Any]:
        """What the run found, as JSON: per variant, the test that killed it (None: survived), and how many
        tests ran against it."""
        return {
            "killed": {variant: self.killed.get(variant) for variant in [*self.tests, REFERENCE]},
            "ran": dict(self.ran),
        }


CLASS_RUN = "fault_classes"
# Tests whose pass over a correct server is `tox -e contract`'s (the property tests): the schedule runs them
# only against a variant no other test of its class catches, and its reference pass not at all.
PROPERTY_TESTS = frozenset(
    {
        "test_generated_requests.py::test_operation_keeps_the_contract",
        "test_stateful_links.py::test_linked_operations_keep_the_contract",
    }
)


def class_schedule() -> dict[str, list[str]]:
    """Each planted variant of the fault-class inventory and its promise spaces, with the tests that name
    it: the deterministic ones when there are any, else the property tests."""
    from malomo_contract.fault_classes import fault_classes, promise_spaces

    named: dict[str, set[str]] = {}
    for fault in fault_classes():
        if fault.planted:
            named.setdefault(fault.planted, set()).update(fault.tests)
    for space in promise_spaces():
        for variant in space.planted:
            named.setdefault(variant, set()).update(space.tests)
    return {variant: sorted(tests - PROPERTY_TESTS or tests) for variant, tests in named.items()}


def class_run_plan(suite_path: str) -> dict[str, Any]:
    """One session of the suite (default profile) over a switchboard of every planted variant."""
    schedule = class_schedule()
    every = {test for tests in schedule.values() for test in tests}
    modules = sorted({f"{suite_path}/{test.partition('::')[0]}" for test in every})
    reference = sorted(every - PROPERTY_TESTS)
    return {
        "name": CLASS_RUN,
        "schedule": schedule,
        "reference": reference,
        "paths": modules,
        "profile": "default",
    }


@dataclass(frozen=True)
class ClassRun:
    """The fault-class run: the suite's session and, per variant, the test that killed it (None: it
    survived) and how many tests ran against it (`outcome`, from `switchboard.VariantSchedule`)."""

    run: SuiteRun
    outcome: dict[str, Any]


# Filled by `run_every_broken_variant`, which the `broken_variant_runs` fixture calls once per session.
CLASS_RUNS: list[ClassRun] = []


def keep_class_run(run: SuiteRun, workdir: Path) -> None:
    outcome = json.loads((workdir / f"{CLASS_RUN}.outcome.json").read_text())
    CLASS_RUNS.append(ClassRun(run, outcome))
