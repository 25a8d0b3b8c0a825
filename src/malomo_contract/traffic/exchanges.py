"""One recorded request and its answer (an `Exchange`), and the exchanges of one file (a `Recording`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from malomo_contract.spec_contract import Operation

if TYPE_CHECKING:  # reading recordings (the replay) does not load schemathesis
    import schemathesis


def json_or_none(body: bytes | None) -> Any:
    """The JSON in `body`, or None when there is none."""
    try:
        return json.loads(body or b"")
    except ValueError:
        return None


class RecordingError(Exception):
    """A recording that cannot be checked; the message is one line naming the file."""


@dataclass
class Exchange:
    """One request and its answer from a recording, with the operation of the spec it matches."""

    source: str
    index: int
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    # None when the recording kept no body text (browsers leave out some).
    response_body: bytes | None
    started: datetime | None = None
    ended: datetime | None = None
    operation: schemathesis.APIOperation[Any, Any, Any, Any] | None = None
    # The operation of the spec it matches (malomo_spec's matching), with the path parameters it sent.
    spec_operation: Operation | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    # Promises that span exchanges, attached by `link_sequences`: (earlier exchange, kind).
    follows: list[tuple[Exchange, str]] = field(default_factory=list)
    # The earlier pages of the list walk this page continues (it was asked with a cursor one of them linked).
    walk: list[Exchange] = field(default_factory=list)
    walk_rel: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    def attach(
        self, spec_operation: Operation, path_parameters: dict[str, str], schema: schemathesis.BaseSchema
    ) -> None:
        """Record the operation of the spec the exchange matched, the path parameters it sent, and
        schemathesis' operation for it (what the suite's checks take)."""
        self.spec_operation, self.path_parameters = spec_operation, path_parameters
        self.operation = schema[spec_operation.path][spec_operation.method]

    @property
    def label(self) -> str:
        return f"#{self.index} {self.method} {self.path}"

    def response(self) -> httpx.Response:
        """The answer as an httpx response (its request attached), the way the suite's checks take it."""
        request = httpx.Request(
            self.method, self.url, headers=self.request_headers, content=self.request_body
        )
        response = httpx.Response(
            self.status, headers=self.response_headers, content=self.response_body or b"", request=request
        )
        both = self.started is not None and self.ended is not None
        response.elapsed = self.ended - self.started if both else timedelta(0)  # type: ignore[operator]
        return response

    def customer_id(self) -> str | None:
        """The id of the record the exchange addresses: its operation's (first) path parameter, lowercased."""
        values = list(self.path_parameters.values())
        return values[0].lower() if values else None

    @property
    def addresses_the_record(self) -> bool:
        """The operation's path ends at the record it names (`/customers/{id}`), not below it (its events)."""
        called = self.spec_operation
        if called is None or not called.path_parameters:
            return False
        return called.path.endswith(f"{{{called.path_parameters[-1]}}}")

    def precedes(self, later: Exchange) -> bool:
        """This exchange's answer arrived before `later` was sent (file order when times are missing)."""
        if self.ended is not None and later.started is not None:
            return self.ended <= later.started
        return self.index < later.index


@dataclass
class Recording:
    """The exchanges of one file, split into those to check and those left aside."""

    path: Path
    truncated: bool
    total: int
    checked: list[Exchange] = field(default_factory=list)
    unmatched: list[Exchange] = field(default_factory=list)
    unanswered: list[Exchange] = field(default_factory=list)
    other_hosts: int = 0
