"""The fault-class inventory: every class of REST API bug that EvoMaster (Web Fuzzing Commons), RESTler and
schemathesis name, mapped to the suite's tests that catch it and the broken variant that proves it, or to the
reason it does not apply to this API. The data is `fault_classes.yaml` beside this module; the coverage
report renders it and tests/contract/test_contract_fault_classes.py holds it to the suite. A class or promise
space whose proof `needs` operations the spec lacks (a removed delete) does not apply to this spec.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from malomo_contract.spec_contract import operations

DATA_FILE = "fault_classes.yaml"
SOURCES = ("EvoMaster", "RESTler", "schemathesis")


@dataclass(frozen=True)
class FaultClass:
    """One class of bug: the source that names it, its id there, and what the suite does about it."""

    source: str  # "EvoMaster", "RESTler" or "schemathesis"
    id: str  # the source's own id: WFC DefinedFaultCategory name, RESTler checker, schemathesis check
    title: str  # one line, what the bug is
    applies: bool
    reason: str  # why it does not apply ("" when it applies)
    tests: tuple[str, ...]  # `module.py::test_function` of the suite's tests that catch it
    planted: str  # the broken variant (tests/support/broken_servers) proving it; "" when it does not apply


@dataclass(frozen=True)
class PromiseSpace:
    """One promise of the spec, in the normative sentences that state it (by a phrase each contains): the
    space it covers and how the suite's tests cover that space."""

    phrases: tuple[str, ...]
    space: str
    covered_by: str
    tests: tuple[str, ...]
    planted: tuple[str, ...]  # variants that keep the promise for one example and break it elsewhere


def _data() -> dict[str, Any]:
    text = resources.files("malomo_contract").joinpath(DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _missing(entry: dict[str, Any]) -> list[str]:
    """The operations an entry `needs` that the spec lacks."""
    have = {operation.operation_id for operation in operations()}
    return [str(name) for name in entry.get("needs", ()) if name not in have]


def _fault_class(entry: dict[str, Any]) -> FaultClass:
    missing = _missing(entry)
    applies = bool(entry.get("applies", True)) and not missing
    reason = (
        f"not applicable to this spec: it has no {', '.join(missing)}" if missing else entry.get("reason")
    )
    return FaultClass(
        source=str(entry["source"]),
        id=str(entry["id"]),
        title=str(entry["title"]),
        applies=applies,
        reason="" if applies else str(reason),
        tests=tuple(str(test) for test in entry.get("tests", ())) if applies else (),
        planted=str(entry.get("planted", "")) if applies else "",
    )


@functools.cache
def fault_classes() -> tuple[FaultClass, ...]:
    """Every fault class, in the data file's order (by source, then the source's own order)."""
    return tuple(_fault_class(entry) for entry in _data()["classes"])


@functools.cache
def promise_spaces() -> tuple[PromiseSpace, ...]:
    """The space of each normative sentence and how the tests cover it (issue 27, item 3); a space whose
    operations the spec lacks is left out (its sentences went with them)."""
    return tuple(
        PromiseSpace(
            phrases=tuple(str(phrase) for phrase in entry["phrases"]),
            space=str(entry["space"]),
            covered_by=str(entry["covered_by"]),
            tests=tuple(str(test) for test in entry.get("tests", ())),
            planted=tuple(str(name) for name in entry.get("planted", ())),
        )
        for entry in _data().get("promise_spaces", ())
        if not _missing(entry)
    )
