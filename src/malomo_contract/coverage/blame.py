"""Which answer a failed test is blamed on, and how many failing generated requests a failure reports."""

from __future__ import annotations

import httpx


def blamed_exchange(error: BaseException, exchanges: list[httpx.Response]) -> httpx.Response | None:
    """The answer a failure is blamed on: the one its promise judged, else the test's last request with
    the method its promise is about (`contract_checks.about`), else the test's last request."""
    judged = getattr(error, "response", None)
    if isinstance(judged, httpx.Response):
        return judged
    methods = getattr(error, "blames", ())
    matching = [response for response in exchanges if not methods or response.request.method in methods]
    for candidates in (matching, exchanges):
        if candidates:
            return candidates[-1]
    return None


def schemathesis_failures(error: BaseException) -> int:
    """How many failing generated requests `error` reports: 1 for schemathesis' failure, N for Hypothesis'
    N distinct ones, 0 for any other error."""
    from schemathesis.core.failures import Failure, FailureGroup

    if isinstance(error, Failure | FailureGroup):
        return 1
    if isinstance(error, BaseExceptionGroup) and all(
        isinstance(inner, Failure | FailureGroup) for inner in error.exceptions
    ):
        return len(error.exceptions)
    return 0
