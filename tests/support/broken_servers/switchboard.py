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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

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
            wanted = every if variant == REFERENCE else set(self.tests[variant])
            chosen = [item for item in items if test_name(item) in wanted]
            listed += chosen
            self.order += [variant] * len(chosen)
        items[:] = listed

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        variant = self.order[self._position]
        self._position += 1
        self.switchboard.active = variant
        if id(item) in self._seen and hasattr(item, "_initrequest"):
            item._initrequest()  # a test run again gets fresh fixtures, as pytest-rerunfailures does
        self._seen.add(id(item))
        if variant not in self.killed:
            self.ran[variant] = self.ran.get(variant, 0) + 1

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.switchboard.active in self.killed:
            pytest.skip("this variant is caught already")

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
