"""`malomo-contract replay FILE.har --base-url URL`: send a recording's requests again, in order, to another
server, with the ids it makes mapped, and compare each answer with the recorded one (status, the contract's
checks on the new answer, every field but those expected to differ)."""

from __future__ import annotations

import functools
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from malomo_contract.live.replay_fields import differences, server_made_ids, spec_volatile_fields
from malomo_contract.live.replay_ids import IdMap
from malomo_contract.spec_contract import SPEC_PATH, Operation, operation_for
from malomo_contract.traffic.exchange_checks import server_violations
from malomo_contract.traffic.exchanges import Exchange, RecordingError, json_or_none
from malomo_contract.traffic.har_files import WIRE_HEADERS, exchange_from_entry, read_entries

NO_DIFFERENCE, DIFFERENCES, COULD_NOT_REPLAY = 0, 1, 2
REDACTED_VALUES = frozenset({"[redacted]", "[Filtered]", "[filtered]"})
# Request headers that belong to the recorded connection or its secrets, not to the request.
CONNECTION_HEADERS = frozenset({"host", "connection", "keep-alive", "authorization", "cookie", *WIRE_HEADERS})
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ReplayOptions:
    har: Path
    base_url: str
    api_key: str | None
    read_only: bool
    report: Path | None
    ignored: tuple[str, ...] = ()


@dataclass
class Difference:
    """One replayed exchange whose answer differs from the recorded one, with both answers."""

    label: str
    operation: str
    what: list[str]
    recorded: str
    new: str


@dataclass
class ReplayRun:
    """What a replay did."""

    source: str
    target: str
    replayed: int = 0
    skipped: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    # Recorded id or cursor -> the new run's.
    mapped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@functools.cache
def _schema() -> Any:
    import schemathesis

    return schemathesis.openapi.from_path(SPEC_PATH)


def matched(exchange: Exchange) -> tuple[Operation, str] | None:
    """The exchange's operation and its path below the recording's base path (the longest such path)."""
    segments = exchange.path.split("/")
    for start in range(1, len(segments)):
        below = "/" + "/".join(segments[start:])
        found = operation_for(exchange.method, below)
        if found is not None:
            return found[0], below
    return None


def _request(exchange: Exchange, below: str, ids: IdMap, options: ReplayOptions) -> httpx.Request:
    headers = [
        (name, value)
        for name, value in exchange.request_headers
        if name.lower() not in CONNECTION_HEADERS and value not in REDACTED_VALUES
    ]
    if options.api_key and any(name.lower() == "authorization" for name, _ in exchange.request_headers):
        headers.append(("Authorization", f"Bearer {options.api_key}"))
    query = ids.query(urlsplit(exchange.url).query)
    url = options.base_url + ids.path(below) + (f"?{query}" if query else "")
    return httpx.Request(exchange.method, url, headers=headers, content=ids.body(exchange.request_body))


def _shown(status: int, body: Any, raw: bytes | None) -> str:
    if body is not None:
        return f"HTTP {status}\n{json.dumps(body, indent=2, ensure_ascii=False)}"
    return f"HTTP {status}\n{(raw or b'').decode('utf-8', 'replace')}"


def _new_exchange(recorded: Exchange, operation: Operation, path: str, response: httpx.Response) -> Exchange:
    """The new answer as an exchange of the spec's operation, for the contract's own checks."""
    request = response.request
    again = Exchange(
        source="replay",
        index=recorded.index,
        method=request.method,
        url=str(request.url),
        request_headers=list(request.headers.items()),
        request_body=request.content,
        status=response.status_code,
        response_headers=[(k, v) for k, v in response.headers.items() if k.lower() not in WIRE_HEADERS],
        response_body=response.content,
    )
    again.spec_operation = operation
    again.path_parameters = operation.match(operation.method, path) or {}
    again.operation = _schema()[operation.path][operation.method]
    return again


def compare(
    exchange: Exchange,
    operation: Operation,
    path: str,
    response: httpx.Response,
    ids: IdMap,
    ignored: frozenset[str],
) -> list[str]:
    """What differs between the recorded answer and the new one (the ids it shows learnt, then mapped)."""
    recorded_body = json_or_none(exchange.response_body)
    new_body = json_or_none(response.content)
    ids.learn(recorded_body, new_body)
    ids.learn_links(exchange.response(), response)
    found: list[str] = []
    if exchange.status != response.status_code:
        found.append(f"status: {exchange.status} recorded, {response.status_code} now")
    again = _new_exchange(exchange, operation, path, response)
    found += [f"contract: {' '.join(violation.message.split())}" for violation in server_violations(again)]
    if exchange.response_body is not None and exchange.status == response.status_code:
        found += [f"field {where}" for where in differences(ids.mapped(recorded_body), new_body, ignored)]
    return found


def replay(options: ReplayOptions, out: Any = sys.stdout) -> ReplayRun:
    """Replay every answered exchange of the recording that matches an operation; RecordingError for a bad
    file, httpx.TransportError when the target does not answer."""
    entries, _ = read_entries(options.har)
    run = ReplayRun(str(options.har), options.base_url)
    ids = IdMap(server_made_ids())
    ignored = spec_volatile_fields() | frozenset(options.ignored)
    clock = time.perf_counter()
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for index, entry in enumerate(entries):
            exchange = exchange_from_entry(options.har.name, index, entry, options.har)
            if exchange is None:
                continue
            found = matched(exchange)
            if found is None:
                run.unmatched.append(exchange.label)
                continue
            operation, below = found
            if options.read_only and operation.writes:
                run.skipped.append(exchange.label)
                print(f"skipped (--read-only): {exchange.label} ({operation.label})", file=out)
                continue
            request = _request(exchange, below, ids, options)
            response = client.send(request)
            run.replayed += 1
            what = compare(exchange, operation, ids.path(below), response, ids, ignored)
            if what:
                recorded = _shown(
                    exchange.status, ids.mapped(json_or_none(exchange.response_body)), exchange.response_body
                )
                new = _shown(response.status_code, json_or_none(response.content), response.content)
                run.differences.append(Difference(exchange.label, operation.label, what, recorded, new))
                print(f"DIFFERENCE {exchange.label} ({operation.label}): {'; '.join(what)}", file=out)
    run.seconds = time.perf_counter() - clock
    run.mapped = dict(ids.values)
    return run


def main(options: ReplayOptions) -> int:
    """Replay, print the summary, write the report; the exit status (0 same, 1 differences, 2 could not)."""
    from malomo_contract.live.replay_report import write_report

    try:
        run = replay(options)
    except RecordingError as exc:
        print(f"malomo-contract: error: {exc}", file=sys.stderr, flush=True)
        return COULD_NOT_REPLAY
    except httpx.TransportError as exc:
        print(
            f"malomo-contract: error: {options.base_url} did not answer: {exc}", file=sys.stderr, flush=True
        )
        return COULD_NOT_REPLAY
    skipped = f", {len(run.skipped)} writes skipped (--read-only)" if run.skipped else ""
    unmatched = f", {len(run.unmatched)} matching no operation left out" if run.unmatched else ""
    print(
        f"malomo-contract replay: {run.replayed} exchanges replayed in {run.seconds:.2f} s"
        f"{skipped}{unmatched}, "
        f"{len(run.differences)} differ from the recording",
        flush=True,
    )
    if options.report is not None:
        write_report(run, options.report)
    return DIFFERENCES if run.differences else NO_DIFFERENCE
