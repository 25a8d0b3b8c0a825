"""Which answer a failed test is blamed on, and how many failing generated requests a failure reports."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from malomo_contract.coverage.reproductions import body_text, json_or_none
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.target import WRITE_METHODS

# How a message names the status of the answer it is about (`expected 200, got 500`).
NAMED_STATUS = re.compile(r"\b(?:got|answered) (\d{3})\b")
# How a field a record leaves out is told apart from every JSON value.
ABSENT = "(absent)"


def blamed_exchange(error: BaseException, exchanges: list[httpx.Response]) -> httpx.Response | None:
    """The answer a failure is blamed on: the one its promise judged, else the test's last request with
    the method its promise is about (`contract_checks.about`), else the test's last request. A message that
    names the status it got is about the last answer with that status. Blame follows the promise: when the
    write it falls on answered right and a later read of the record shows a value no earlier exchange of
    the test held, the read made it up, and is blamed."""
    judged = getattr(error, "response", None)
    if isinstance(judged, httpx.Response):
        return judged
    methods = getattr(error, "blames", ())
    matching = [response for response in exchanges if not methods or response.request.method in methods]
    named = NAMED_STATUS.search(str(error))
    with_status = [
        [response for response in candidates if named is not None and str(response.status_code) == named[1]]
        for candidates in (matching, exchanges)
    ]
    for candidates in (*with_status, matching, exchanges):
        if candidates:
            blamed = candidates[-1]
            return read_that_made_it_up(blamed, exchanges) or blamed
    return None


def read_that_made_it_up(write: httpx.Response, exchanges: list[httpx.Response]) -> httpx.Response | None:
    """The first read after `write` of the record `write` answered with whose value of some field differs
    from the write's answer and from every value of that field the test sent or was answered before (a
    field it leaves out that the write answered counts as such a value)."""
    written = json_or_none(write) if write.request.method in WRITE_METHODS else None
    if not isinstance(written, dict) or not isinstance(written.get(ID_FIELD), str) or write not in exchanges:
        return None
    position = exchanges.index(write)
    seen: dict[str, set[str]] = {}
    for earlier in exchanges[: position + 1]:
        for document in (_json_text(body_text(earlier.request)), json_or_none(earlier)):
            for record in document if isinstance(document, list) else [document]:
                for name, value in record.items() if isinstance(record, dict) else ():
                    seen.setdefault(name, set()).add(json.dumps(value))
    for later in exchanges[position + 1 :]:
        read = json_or_none(later) if later.request.method == "GET" else None
        if not isinstance(read, dict) or read.get(ID_FIELD) != written.get(ID_FIELD):
            continue
        for name in written.keys() | read.keys():
            # A field the write answered and the read left out is the read's doing too.
            value = json.dumps(read[name]) if name in read else ABSENT
            if read.get(name) != written.get(name) and value not in seen.get(name, set()):
                return later
    return None


def _json_text(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
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
