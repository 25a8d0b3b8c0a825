"""Recorded traffic checked offline (`pytest src/malomo_contract/suite --recording FILE`): reading HAR files
(from malomo, browsers or mitmproxy; a truncated one up to its last complete exchange), matching exchanges to
operations and checking each with schemathesis' response validation and the suite's promises. Nothing is sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks
from schemathesis.specs.openapi.schemas import OpenApiSchema

from malomo_contract.contract_checks import (
    ERROR_STATUSES,
    created_customer_has_the_sent_fields,
    deleted_customer_is_not_found,
    error_body_names_its_status_and_request_id,
    get_returns_the_customer_as_last_written,
    parse_rfc3339,
    update_applies_every_sent_field,
)
from malomo_contract.customers_api import ContractViolation
from malomo_contract.openapi_schema import SPEC_PATH
from malomo_contract.spec_contract import operation, operation_for

SUITE_DIR = Path(__file__).resolve().parent / "suite"
NULLABLE_ON_CREATE = tuple(
    name for name, field in operation("createCustomer").body_fields().items() if field.nullable
)
TEST_MODULE = "test_recorded_traffic.py"
# schemathesis' own response checks; none of them sends a request.
RESPONSE_CHECKS = (
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
)
CURSOR_RELS = ("next", "prev")
# Headers that describe the wire form of a body, not the decoded text a HAR file holds.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
# Unmatched exchanges listed one by one in the summary; the rest are counted.
MAX_LISTED = 30
_ENTRIES_START = re.compile(r'"entries"\s*:\s*\[')
_SEPARATOR = re.compile(r"\s*,?\s*")
_CUSTOMER_ID = re.compile(r"^/customers/([^/]+)(?:/events)?$")


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
    # Promises that span exchanges, attached by `link_sequences`: (earlier exchange, kind).
    follows: list[tuple[Exchange, str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

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
        match = _CUSTOMER_ID.match(self.path)
        return match.group(1).lower() if match else None

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


# Reading a HAR file.


def read_entries(path: Path) -> tuple[list[Any], bool]:
    """The `log.entries` of a HAR file, and whether the file was cut short (then: its complete entries)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordingError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordingError(f"{path}: not UTF-8 text, so not a HAR file") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        entries = _complete_entries(text)
        if entries is None:
            where = f"{getattr(exc, 'msg', exc)} at line {getattr(exc, 'lineno', '?')}"
            raise RecordingError(f"{path}: not JSON ({where}), and not the beginning of a HAR file") from None
        if not entries and not _ENTRIES_START.search(text):
            raise RecordingError(f"{path}: a HAR file cut short before its first exchange") from None
        return entries, True
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise RecordingError(f"{path}: JSON, but not a HAR file (it has no log.entries list)")
    return entries, False


def _complete_entries(text: str) -> list[Any] | None:
    """The entries before the cut of a HAR file that was cut short, or None if `text` is no HAR beginning."""
    if not text.lstrip().startswith("{") or '"log"' not in text:
        return None
    start = _ENTRIES_START.search(text)
    if start is None:
        return []
    decoder = json.JSONDecoder()
    entries: list[Any] = []
    position = start.end()
    while True:
        position = _SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
        try:
            entry, position = decoder.raw_decode(text, position)
        except ValueError:
            return entries
        entries.append(entry)


def _headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers of a HAR request or response, without HTTP/2 pseudo-headers and WIRE_HEADERS."""
    headers = message.get("headers")
    if not isinstance(headers, list):
        return []
    return [
        (str(item["name"]), str(item.get("value", "")))
        for item in headers
        if isinstance(item, dict)
        and "name" in item
        and not str(item["name"]).startswith(":")
        and str(item["name"]).lower() not in WIRE_HEADERS
    ]


def _body(content: Any) -> bytes | None:
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(content["text"], validate=True)
        except (binascii.Error, ValueError):
            return None
    text: str = content["text"]
    return text.encode("utf-8", "surrogatepass")


def _timestamp(value: Any) -> datetime | None:
    try:
        return parse_rfc3339(str(value))
    except ValueError:
        return None


def exchange_from_entry(source: str, index: int, entry: Any, path: Path) -> Exchange | None:
    """The exchange of one HAR entry; None for a request that got no answer (status 0, as browsers write)."""
    request = entry.get("request") if isinstance(entry, dict) else None
    response = entry.get("response") if isinstance(entry, dict) else None
    if not isinstance(request, dict) or not isinstance(request.get("url"), str) or "method" not in request:
        raise RecordingError(f"{path}: entry #{index} is not a HAR entry (it has no request.method and url)")
    status = response.get("status") if isinstance(response, dict) else None
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or status < 100:
        return None
    assert isinstance(response, dict)
    started = _timestamp(entry.get("startedDateTime"))
    elapsed = entry.get("time")
    ended = None
    if started is not None and isinstance(elapsed, int | float) and elapsed >= 0:
        ended = started + timedelta(milliseconds=elapsed)
    return Exchange(
        source=source,
        index=index,
        method=str(request["method"]).upper(),
        url=request["url"],
        request_headers=_headers(request),
        request_body=_body(request.get("postData")) or b"",
        status=status,
        response_headers=_headers(response),
        response_body=_body(response.get("content")),
        started=started,
        ended=ended,
    )


def _json(body: bytes | None) -> Any:
    """The JSON in `body`, or None when there is none."""
    try:
        return json.loads(body or b"")
    except ValueError:
        return None


def _host_matches(url: str, hosts: Sequence[str]) -> bool:
    if not hosts:
        return True
    parts = urlsplit(url)
    names = {(parts.hostname or "").lower(), (parts.netloc.rpartition("@")[2]).lower()}
    return any(host.lower() in names for host in hosts)


def load_recording(path: Path, schema: OpenApiSchema, hosts: Sequence[str]) -> Recording:
    """Read `path` and sort its exchanges: checked (matching an operation), unmatched, unanswered."""
    entries, truncated = read_entries(path)
    recording = Recording(path=path, truncated=truncated, total=len(entries))
    for index, entry in enumerate(entries):
        exchange = exchange_from_entry(path.name, index, entry, path)
        url = exchange.url if exchange is not None else str(entry["request"]["url"])
        if not _host_matches(url, hosts):
            recording.other_hosts += 1
        elif exchange is None:
            recording.unanswered.append(
                Exchange(path.name, index, str(entry["request"]["method"]).upper(), url, [], b"", 0, [], None)
            )
        else:
            matched = operation_for(exchange.method, exchange.path)
            exchange.operation = schema[matched[0].path][matched[0].method] if matched is not None else None
            (recording.checked if exchange.operation is not None else recording.unmatched).append(exchange)
    link_sequences(recording.checked)
    return recording


# Promises that span exchanges.


def link_sequences(exchanges: Sequence[Exchange]) -> None:
    """Attach to each exchange the earlier ones it must agree with: the last update of the customer it
    reads (a get after an update shows the update), and the delete of the customer it addresses."""
    last_update: dict[str, Exchange] = {}
    deleted: dict[str, Exchange] = {}
    for exchange in exchanges:
        customer_id = exchange.customer_id()
        if customer_id is None:
            continue
        delete = deleted.get(customer_id)
        if delete is not None and delete.precedes(exchange):
            exchange.follows.append((delete, "delete"))
        if exchange.path.count("/") != 2:
            continue  # the customer's events: only the delete applies
        update = last_update.get(customer_id)
        if (
            exchange.method == "GET"
            and exchange.status == 200
            and update is not None
            and update.precedes(exchange)
        ):
            exchange.follows.append((update, "update"))
        elif exchange.method == "PUT" and exchange.status == 200:
            last_update[customer_id] = exchange
        elif exchange.method == "DELETE" and 200 <= exchange.status < 300:
            deleted[customer_id] = exchange


def _later_write(written: Any, fetched: Any) -> bool:
    """The customer was written again (by someone else) between the update and the get."""
    try:
        return parse_rfc3339(fetched["updated_at"]) > parse_rfc3339(written["updated_at"])
    except (KeyError, TypeError, ValueError):
        return False


# Checking one exchange.


def link_targets_carry_a_cursor(response: httpx.Response, what: str) -> None:
    """Each `Link` target of a list answer carries its cursor: `rel="next"` a `next` query parameter,
    `rel="prev"` a `prev` one."""
    for rel in CURSOR_RELS:
        link = response.links.get(rel)
        if link is None:
            continue
        url = link.get("url", "")
        if not any(parse_qs(urlsplit(url).query).get(rel, [])):
            raise ContractViolation(f"{what}: the Link rel={rel!r} target carries no `{rel}` cursor: {url!r}")


def _schemathesis_case(exchange: Exchange) -> schemathesis.Case[Any]:
    operation = exchange.operation
    assert operation is not None
    matched = operation_for(exchange.method, exchange.path)
    path_parameters = matched[1] if matched is not None else {}
    query = {name: values[-1] for name, values in parse_qs(urlsplit(exchange.url).query).items()}
    body = _json(exchange.request_body)
    return operation.Case(
        path_parameters=path_parameters,
        query=query,
        **({"body": body, "media_type": "application/json"} if body is not None else {}),
    )


def exchange_failures(exchange: Exchange) -> list[str]:
    """Every way the exchange breaks the contract, as failure messages; empty when it keeps it."""
    failures: list[str] = []
    response = exchange.response()
    try:
        _schemathesis_case(exchange).validate_response(response, checks=list(RESPONSE_CHECKS))
    except FailureGroup as group:
        # Its curl line would send the request again: not what checking a recording is for.
        failures.append(group.message.partition("\nReproduce with:")[0].strip())

    def keep(promise: Callable[..., None], *args: Any, prefix: str = "") -> None:
        try:
            promise(*args)
        except ContractViolation as violation:
            failures.append(f"{prefix}{violation}")

    what = exchange.label
    if exchange.response_body is not None and exchange.status in ERROR_STATUSES:
        keep(error_body_names_its_status_and_request_id, response, what)
    if exchange.method == "GET" and exchange.status == 200 and "link" in response.headers:
        keep(link_targets_carry_a_cursor, response, what)
    sent, received = _json(exchange.request_body), _json(exchange.response_body)
    if (
        exchange.method == "POST"
        and exchange.status == 200
        and isinstance(sent, dict)
        and isinstance(received, dict)
    ):
        keep(created_customer_has_the_sent_fields, sent, received, NULLABLE_ON_CREATE)
    for earlier, kind in exchange.follows:
        what = f"{exchange.label} after {earlier.label}"
        written = _json(earlier.response_body)
        if kind == "delete":
            keep(deleted_customer_is_not_found, response, what)
        elif isinstance(written, dict) and isinstance(received, dict) and not _later_write(written, received):
            keep(_shows_the_update, _json(earlier.request_body), written, received, prefix=f"{what}: ")
    return failures


def _shows_the_update(patch: Any, written: Any, fetched: Any) -> None:
    """A get after an update shows every field the update sent, and the customer as the update answered."""
    if isinstance(patch, dict):
        update_applies_every_sent_field(patch, fetched)
    get_returns_the_customer_as_last_written(written, fetched)


# The pytest side: options read in pytest_configure, a plugin that picks the modules and sums up.


RECORDINGS_KEY = pytest.StashKey[list[Recording]]()


def is_active(config: pytest.Config) -> bool:
    return bool(config.getoption("--recording"))


def configure(config: pytest.Config) -> None:
    """Read every `--recording` (a bad file: one line and exit code 4) and register the plugin."""
    paths = [Path(path) for path in config.getoption("--recording")]
    hosts = [host for option in config.getoption("--recording-host") for host in option.split(",") if host]
    recordings: list[Recording] = []
    if paths:
        schema = schemathesis.openapi.from_path(SPEC_PATH)
        try:
            recordings = [load_recording(path, schema, hosts) for path in paths]
        except RecordingError as exc:
            raise pytest.UsageError(f"--recording: {exc}") from None
    config.stash[RECORDINGS_KEY] = recordings
    config.pluginmanager.register(RecordedTrafficPlugin(recordings), "malomo-recorded-traffic")


def checked_exchanges(config: pytest.Config) -> Iterator[tuple[str, Exchange]]:
    """(test id, exchange) for every exchange to check, over every recording of the run."""
    recordings = config.stash.get(RECORDINGS_KEY, [])
    for recording in recordings:
        for exchange in recording.checked:
            yield f"{exchange.source} {exchange.label}" if len(recordings) > 1 else exchange.label, exchange


def report_header(config: pytest.Config) -> list[str]:
    return [
        f"malomo contract target: recording {recording.path} ({recording.total} exchanges)"
        for recording in config.stash.get(RECORDINGS_KEY, [])
    ]


def _listed(exchanges: Sequence[Exchange], describe: str) -> list[str]:
    lines = [f"  {exchange.source} {exchange.label}{describe.format(e=exchange)}" for exchange in exchanges]
    if len(lines) > MAX_LISTED:
        lines = [*lines[:MAX_LISTED], f"  ... and {len(lines) - MAX_LISTED} more"]
    return lines


class RecordedTrafficPlugin:
    """Collects only the recorded-traffic tests with `--recording`, and only the others without it."""

    def __init__(self, recordings: list[Recording]) -> None:
        self.recordings = recordings

    def pytest_ignore_collect(self, collection_path: Path) -> bool | None:
        if collection_path.parent != SUITE_DIR or not collection_path.name.startswith("test_"):
            return None
        is_recorded_traffic = collection_path.name == TEST_MODULE
        return True if is_recorded_traffic != bool(self.recordings) else None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        for recording in self.recordings:
            counts = f"{recording.total} exchanges, {len(recording.checked)} checked against the spec"
            if recording.other_hosts:
                counts += f", {recording.other_hosts} on other hosts left out"
            terminalreporter.write_sep("-", f"malomo recording {recording.path.name}: {counts}")
            if recording.truncated:
                terminalreporter.write_line(
                    "the file was cut short: read up to its last complete exchange", yellow=True
                )
            if recording.unmatched:
                terminalreporter.write_line(
                    f"{len(recording.unmatched)} exchanges match no operation of the spec:", yellow=True
                )
                for line in _listed(recording.unmatched, " -> {e.status}"):
                    terminalreporter.write_line(line)
            if recording.unanswered:
                terminalreporter.write_line(f"{len(recording.unanswered)} requests got no answer:")
                for line in _listed(recording.unanswered, ""):
                    terminalreporter.write_line(line)
