"""What the collector keeps about the test that is running: the suite's own exchanges and the generated
requests that failed a check, until the test ends."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class GeneratedFailure:
    """One generated request that failed a check during the current test, with its reproduction."""

    curl: str
    answer: str
    names: frozenset[str]
    label: str
    check: str
    title: str
    status: int


@dataclass
class CurrentTest:
    """The suite's own exchanges during one test, and its generated requests that failed a check, kept until
    the test ends."""

    nodeid: str
    exchanges: list[httpx.Response] = field(default_factory=list)
    # Where the current phase's (setup, call, teardown) exchanges begin.
    phase_start: int = 0
    generated: list[GeneratedFailure] = field(default_factory=list)
    # Records a shared fixture made for this test (a walk's list growers): kept too if it fails.
    involved: set[str] = field(default_factory=set)
