"""`malomo-contract replay FILE.har --base-url URL`: send a recording's requests again, in order, to another
server, with the ids it makes mapped, and compare each answer with the recorded one (status, the contract's
checks on the new answer, every field but those expected to differ)."""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from malomo_contract.live.replay_checks import NewAnswer, contract_messages
from malomo_contract.live.replay_fields import differences, server_made_ids, spec_volatile_fields
from malomo_contract.live.replay_ids import IdMap
from malomo_contract.spec_contract import Operation, operation_for
from malomo_contract.traffic.exchanges import Exchange, RecordingError, json_or_none
from malomo_contract.traffic.har_files import WIRE_HEADERS, exchange_from_entry, read_entries

NO_DIFFERENCE, DIFFERENCES, COULD_NOT_REPLAY = 0, 1, 2
REDACTED_VALUES = frozenset({"[redacted]", "[Filtered]", "[filtered]"})
# Request headers that belong to the recorded connection or its secrets, not to the request.
CONNECTION_HEADERS = frozenset({"host", "connection", "keep-alive", "authorization", "cookie", *WIRE_HEADERS})
TIMEOUT_SECONDS = 30.0
# Recordings this long or longer get their checks in a worker process: it takes about 2 s to start.
PARALLEL_FROM = 200


@dataclass(frozen=True)
class ReplayOptions:
    har: Path
    base_url: str
    api_key: str | None
    read_only: bool
    report: Path | None
    ignored: tuple[str, ...] = ()
    # Run the contract's checks on the new answers in a worker process while sending (the command does).
    parallel_checks: bool = False


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


def compare(exchange: Exchange, response: httpx.Response, ids: IdMap, ignored: frozenset[str]) -> list[str]:
    """What differs between the recorded answer and the new one, but the contract's checks on the new one
    (`replay_checks`): the status and the fields (the ids the answers show learnt first, then mapped)."""
    recorded_body = json_or_none(exchange.response_body)
    new_body = json_or_none(response.content)
    ids.learn(recorded_body, new_body)
    ids.learn_links(exchange.response(), response)
    found: list[str] = []
    if exchange.status != response.status_code:
        found.append(f"status: {exchange.status} recorded, {response.status_code} now")
    if exchange.response_body is not None and exchange.status == response.status_code:
        found += [f"field {where}" for where in differences(ids.mapped(recorded_body), new_body, ignored)]
    return found


def _new_answer(
    exchange: Exchange, operation: Operation, path: str, request: httpx.Request, response: httpx.Response
) -> NewAnswer:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in WIRE_HEADERS]
    return NewAnswer(
        exchange.index,
        operation.operation_id,
        path,
        request.method,
        str(request.url),
        list(request.headers.items()),
        request.content,
        response.status_code,
        headers,
        response.content,
    )


def _difference(
    exchange: Exchange, operation: Operation, what: list[str], ids: IdMap, response: httpx.Response
) -> Difference:
    recorded = _shown(
        exchange.status, ids.mapped(json_or_none(exchange.response_body)), exchange.response_body
    )
    new = _shown(response.status_code, json_or_none(response.content), response.content)
    return Difference(exchange.label, operation.label, what, recorded, new)


class ContractChecks:
    """The contract's checks on the new answers: in a worker process while the replay sends (`parallel`),
    else one by one at the end."""

    def __init__(self, parallel: bool) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if parallel:
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.pending: list[tuple[Any, NewAnswer]] = []

    def submit(self, answer: NewAnswer) -> None:
        self.pending.append((self.pool.submit(contract_messages, answer) if self.pool else None, answer))

    def results(self) -> Iterator[tuple[NewAnswer, list[str]]]:
        for future, answer in self.pending:
            yield answer, future.result() if future is not None else contract_messages(answer)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def replay(options: ReplayOptions, out: Any = sys.stdout) -> ReplayRun:
    """Replay every answered exchange of the recording that matches an operation; RecordingError for a bad
    file, httpx.TransportError when the target does not answer."""
    entries, _ = read_entries(options.har)
    run = ReplayRun(str(options.har), options.base_url)
    ids = IdMap(server_made_ids())
    ignored = spec_volatile_fields() | frozenset(options.ignored)
    clock = time.perf_counter()
    checks = ContractChecks(options.parallel_checks and len(entries) >= PARALLEL_FROM)
    sent: dict[int, tuple[Exchange, Operation, httpx.Response]] = {}
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            for index, entry in enumerate(entries):
                exchange = exchange_from_entry(options.har.name, index, entry, options.har)
                found = matched(exchange) if exchange is not None else None
                if exchange is None or found is None:
                    run.unmatched += [exchange.label] if exchange is not None else []
                    continue
                operation, below = found
                if options.read_only and operation.writes:
                    run.skipped.append(exchange.label)
                    print(f"skipped (--read-only): {exchange.label} ({operation.label})", file=out)
                    continue
                request = _request(exchange, below, ids, options)
                response = client.send(request)
                run.replayed += 1
                sent[exchange.index] = (exchange, operation, response)
                checks.submit(_new_answer(exchange, operation, ids.path(below), request, response))
                what = compare(exchange, response, ids, ignored)
                if what:
                    run.differences.append(_difference(exchange, operation, what, ids, response))
                    print(f"DIFFERENCE {exchange.label} ({operation.label}): {'; '.join(what)}", file=out)
        _add_contract_differences(run, checks, sent, ids, out)
    finally:
        checks.close()
    run.seconds = time.perf_counter() - clock
    run.mapped = dict(ids.values)
    return run


def _add_contract_differences(
    run: ReplayRun,
    checks: ContractChecks,
    sent: dict[int, tuple[Exchange, Operation, httpx.Response]],
    ids: IdMap,
    out: Any,
) -> None:
    """Each new answer that breaks the contract is a difference too (with the others of its exchange)."""
    by_label = {difference.label: difference for difference in run.differences}
    for answer, messages in checks.results():
        if not messages:
            continue
        exchange, operation, response = sent[answer.index]
        known = by_label.get(exchange.label)
        if known is None:
            known = by_label[exchange.label] = _difference(exchange, operation, [], ids, response)
            run.differences.append(known)
        known.what += messages
        print(f"DIFFERENCE {exchange.label} ({operation.label}): {'; '.join(messages)}", file=out)


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
