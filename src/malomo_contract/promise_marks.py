"""How a promise function of the suite names itself on its failures: `@promise` (the promise and the answer it
judged) and `@about` (which of the test's requests the failure is blamed on)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import httpx

from malomo_contract.customers_api import ContractViolation, Page, Walk

P = ParamSpec("P")
R = TypeVar("R")


def promise(check: Callable[P, R]) -> Callable[P, R]:
    """Name the promise on every `ContractViolation` raised through `check`, and the answer it judged when
    one was passed; the outermost wins, as a promise checked through another (the error body of a 404) is
    the one the test checked."""

    @functools.wraps(check)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return check(*args, **kwargs)
        except ContractViolation as violation:
            violation.promise = check.__name__
            judged = [answer for value in (*args, *kwargs.values()) if (answer := _judged_answer(value))]
            if judged:
                violation.response = judged[0]
            raise

    return checked


def _judged_answer(value: object) -> httpx.Response | None:
    """The answer a promise's argument came in: an answer itself, a page's, or a walk's last page's."""
    if isinstance(value, Walk) and value.pages:
        value = value.pages[-1]
    if isinstance(value, Page):
        return value.response
    return value if isinstance(value, httpx.Response) else None


def about(*methods: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The promise is one of the operation a request with one of `methods` calls (an update's, though a
    later GET shows it broken): its failure is blamed on the test's last such request, not on its last."""

    def mark(check: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(check)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return check(*args, **kwargs)
            except ContractViolation as violation:
                violation.blames = methods
                raise

        return checked

    return mark
