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
    # Bodies too long for the curl line: (file name, body).
    bodies: tuple[tuple[str, str], ...] = ()


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


class ErrorExchanges:
    """The exchanges of each error a test raised. A session fixture that failed raises its error again in
    every later test that needs it, sending nothing: such a test shows the requests of the first."""

    def __init__(self) -> None:
        # By id, kept with the error itself, so that the id is its own.
        self._by_id: dict[int, tuple[BaseException, list[httpx.Response]]] = {}

    def of(self, error: BaseException, exchanges: list[httpx.Response]) -> list[httpx.Response]:
        """`exchanges`, remembered for `error`; or, when empty, those of the test that raised it first."""
        if exchanges:
            self._by_id[id(error)] = (error, exchanges)
            return exchanges
        first = self._by_id.get(id(error))
        return first[1] if first is not None and first[0] is error else exchanges
