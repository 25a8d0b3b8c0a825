"""What a run of the suite exercised, per operation of the spec: requests sent, statuses seen, checks run and
their failures, each blamed on the operation whose promise broke, with its reproduction (`curl` lines).
Counted only for `--report`/`--report-md` (`coverage_report.py` renders it); the current test's exchanges and
its failure's reproduction always (the terminal and JUnit show it). One collector per run, in
`run_state.RunState`. Also the always-on tally of statuses per operation.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from malomo_contract.customer_records import CreatedCustomers
from malomo_contract.promise_inventory import Promise
from malomo_contract.report_masker import FILTERED, ReportMasker
from malomo_contract.spec_contract import operation_for

# Request headers left out of the suite's own curl lines: httpx sends them by itself.
CURL_SKIPPED_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
MAX_MESSAGE_CHARS = 2000
# Reproductions kept per operation and check; the latest one wins (Hypothesis' shrunk example comes last).
MAX_FAILURES_PER_CHECK = 3


@dataclass
class FailureRecord:
    """One failed check on one response, with its reproduction (kept under its operation, or unattributed)."""

    check: str
    title: str
    message: str
    curl: str
    status: int | None
    # The `contract_checks` promise that raised it, for the suite's own tests.
    promise: str | None = None
    # The last answer the test saw, in full (status line and body; the fetched record of a field-level
    # failure), for the suite's own tests.
    answer: str = ""
    # The operation it is blamed on (`PUT /customers/{id}`), None when no request of the spec's.
    operation: str | None = None
    # Whether `curl` is the failing generated request(s) (schemathesis'), not every request the test sent.
    generated: bool = False
    # Every value the failing requests named (path segments, ids in bodies and queries): the records the
    # reproduction needs, which later requests must leave alone.
    names: frozenset[str] = frozenset()


@dataclass
class OperationCoverage:
    """Everything the run did to one operation."""

    label: str
    operation_id: str
    documented: tuple[str, ...]
    positive: int = 0
    negative: int = 0
    suite_requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    check_runs: Counter[str] = field(default_factory=Counter)
    check_failures: Counter[str] = field(default_factory=Counter)
    failed_statuses: set[int] = field(default_factory=set)
    failures: dict[tuple[str, str], list[FailureRecord]] = field(default_factory=dict)

    def observed(self, documented_key: str) -> int:
        return sum(
            count for status, count in self.statuses.items() if _status_matches(documented_key, status)
        )

    def failed(self, documented_key: str) -> bool:
        return any(_status_matches(documented_key, status) for status in self.failed_statuses)

    def undocumented(self) -> dict[int, int]:
        return {
            status: count
            for status, count in sorted(self.statuses.items())
            if not any(_status_matches(key, status) for key in self.documented)
        }

    def add_failure(self, record: FailureRecord) -> None:
        """Count `record`, and keep it under its check and title: the latest few, the newest last."""
        self.check_failures[record.check] += 1
        if record.status is not None:
            self.failed_statuses.add(record.status)
        kept = self.failures.setdefault((record.check, record.title), [])
        kept.append(record)
        del kept[:-MAX_FAILURES_PER_CHECK]

    def failure_list(self) -> list[FailureRecord]:
        return [record for records in self.failures.values() for record in records]


def _status_matches(key: str, status: int) -> bool:
    """Whether `status` falls under the documented response `key` (`404`, `4XX`, `default`)."""
    # Imported here, as schemathesis is elsewhere in this module: `malomo-contract` imports it before pytest.
    from schemathesis.core.transport import status_code_matches

    return status_code_matches(key, status)


@dataclass(frozen=True)
class _GeneratedFailure:
    """One generated request that failed a check during the current test, with its reproduction."""

    curl: str
    answer: str
    names: frozenset[str]
    label: str
    check: str
    title: str
    status: int


@dataclass
class _TestTrace:
    """The suite's own exchanges during one test, and its generated requests that failed a check, kept until
    the test ends."""

    nodeid: str
    exchanges: list[httpx.Response] = field(default_factory=list)
    # Where the current phase's (setup, call, teardown) exchanges begin.
    phase_start: int = 0
    generated: list[_GeneratedFailure] = field(default_factory=list)
    # Records a shared fixture made for this test (a walk's list growers): kept too if it fails.
    involved: set[str] = field(default_factory=set)


@dataclass
class RunSummary:
    """Facts about the run shown at the top of the report."""

    target: str = ""
    profile: str = ""
    seed: int | None = None
    outcomes: Counter[str] = field(default_factory=Counter)
    exit_status: int | None = None


class ContractCoverage:
    """The collector. Inactive (every record call returns at once) until `start`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = False
        self.redactor = ReportMasker()
        # Customers the failing tests used, left in place (not cleaned up) so that their reproductions work.
        self.kept: list[str] = []
        self.operations: dict[str, OperationCoverage] = {}
        self.unattributed: list[FailureRecord] = []
        self.unmatched_requests = 0
        self.summary = RunSummary()
        self._trace: _TestTrace | None = None
        # The path of the target's base URL, in front of every operation's path.
        self.base_path = ""
        # Every statement of the spec with the tests that enforce it (promise_inventory.py), for the report.
        self.inventory: list[Promise] = []

    def start(self, operations: Iterable[tuple[str, str, tuple[str, ...]]]) -> None:
        """Begin collecting for `operations`: (label `METHOD /path/{x}`, operationId, documented statuses)."""
        self.operations = {
            label: OperationCoverage(label, operation_id, documented)
            for label, operation_id, documented in operations
        }
        self.active = True

    # Generated requests (schemathesis hooks in openapi_schema.py).

    def record_generated(self, case: Any, status: int) -> None:
        if not self.active:
            return
        meta = case.meta
        negative = meta is not None and meta.generation.mode.is_negative
        with self._lock:
            coverage = self.operations.get(case.operation.label)
            if coverage is None:
                return
            coverage.statuses[status] += 1
            if negative:
                coverage.negative += 1
            else:
                coverage.positive += 1

    def record_checks(self, case: Any, response: Any, results: Iterable[Any]) -> None:
        """Count the checks run on a generated request (while collecting); keep a failing one, with its curl
        line, its answer and the records it names, for the current test's reproduction (always)."""
        label = case.operation.label
        results = list(results)
        records: list[FailureRecord] = []
        failed = [result for result in results if result.failure is not None]
        if failed:
            self.redactor.sent(_json_text(case.body))
            self.redactor.learn(_body_text(response))
            curl = self.redactor.clean_curl(
                case.as_curl_command(headers=dict(response.request.headers), verify=response.verify)
            )
            records = [
                FailureRecord(
                    check=result.name,
                    title=result.failure.title,
                    message=self._clean_message(result.failure.message),
                    curl=curl,
                    status=response.status_code,
                )
                for result in failed
            ]
            body = _json_or_none(response)
            text = _body_text(response) if body is None else json.dumps(body, indent=2, ensure_ascii=False)
            method = str(case.operation.method).upper()
            answer = f"{method} {case.formatted_path} answered HTTP {response.status_code}"
            kept = _GeneratedFailure(
                curl=curl,
                answer=self.redactor.clean(f"{answer}\n{text}"),
                names=frozenset(_named_values(case) | _answered_id(body)),
                label=label,
                check=failed[0].name,
                title=failed[0].failure.title,
                status=response.status_code,
            )
            with self._lock:
                if self._trace is not None:
                    self._trace.generated.append(kept)
        if not self.active:
            return
        with self._lock:
            coverage = self.operations.get(label)
            if coverage is None:
                return
            for result in results:
                coverage.check_runs[result.name] += 1
            for record in records:
                coverage.add_failure(record)

    # The suite's own requests (httpx event hooks in target.py) and tests (pytest hooks in conftest.py).

    def response_observer(self, base_url: str) -> Callable[[httpx.Response], None]:
        """An httpx response hook keeping each exchange of the suite's own clients for the current test's
        reproduction, and (while collecting) counting it under its operation."""
        self.base_path = urlsplit(base_url).path.rstrip("/")

        def observe(response: httpx.Response) -> None:
            sent = _body_text(response.request)
            if sent:
                self.redactor.sent(sent)
            with self._lock:
                if self._trace is not None:
                    self._trace.exchanges.append(response)
            if not self.active:
                return
            label = self._match_request(response.request)
            with self._lock:
                coverage = self.operations.get(label) if label is not None else None
                if coverage is None:
                    self.unmatched_requests += 1
                    return
                coverage.suite_requests += 1
                coverage.statuses[response.status_code] += 1

        return observe

    def begin_test(self, nodeid: str) -> None:
        with self._lock:
            self._trace = _TestTrace(nodeid)

    def involve(self, names: Iterable[str]) -> None:
        """Records the current test depends on though a shared fixture made them (the list a walk grew):
        left in place with the ones its own requests name if it fails."""
        with self._lock:
            if self._trace is not None:
                self._trace.involved.update(names)

    def end_phase(
        self,
        item: pytest.Item,
        call: pytest.CallInfo[None],
        report: pytest.TestReport,
        created: CreatedCustomers | None = None,
    ) -> FailureRecord | None:
        """Count a test's run against the operations it called (while collecting). When one of the suite's own
        tests failed, the failure with its blame and its reproduction (every request the test sent), which is
        kept for the report; the customers it used are then taken out of `created`, so cleanup leaves them.

        Tests of generated requests are counted per check by `record_checks` instead.
        """
        with self._lock:
            trace = self._trace
            if trace is None or trace.nodeid != item.nodeid:
                trace = _TestTrace(item.nodeid)
            exchanges = list(trace.exchanges)
            generated = list(trace.generated)
            involved = set(trace.involved)
            in_phase = exchanges[trace.phase_start :]
            trace.phase_start = len(exchanges)
            if self.active and report.when == "call":
                self.summary.outcomes[report.outcome] += 1
            elif self.active and report.outcome != "passed":
                self.summary.outcomes["skipped" if report.outcome == "skipped" else "error"] += 1
        if report.outcome == "skipped":
            return None
        check = getattr(item, "originalname", item.name)
        generated_label = getattr(item, "operation_label", None)
        counted: set[str] = set()
        if self.active and report.when == "call" and not generated_label:
            counted = {label for response in in_phase if (label := self._match_request(response.request))}
            with self._lock:
                for label in counted:
                    self.operations[label].check_runs[check] += 1
        excinfo = call.excinfo
        if report.outcome != "failed" or excinfo is None:
            return None
        error = excinfo.value
        failing_cases = _schemathesis_failures(error)
        if failing_cases:
            # Counted for the report, with their curl lines, by `record_checks`.
            return self._generated_failure(generated, failing_cases, created)
        blamed = _blamed_exchange(error, exchanges)
        label = generated_label or (self._match_request(blamed.request) if blamed is not None else None)
        for response in exchanges:
            self.redactor.learn(_body_text(response))
        # A test that sent nothing itself (its requests were a shared fixture's) shows the blamed request.
        shown = exchanges or ([blamed] if blamed is not None else [])
        message = str(error) if isinstance(error, AssertionError) and str(error) else excinfo.exconly()
        # schemathesis adds its `curl` line to errors that are not check failures (a refused connection).
        message = "\n".join([message, *getattr(error, "__notes__", [])])
        record = FailureRecord(
            check=check,
            title=type(error).__name__
            if report.when == "call"
            else f"{type(error).__name__} in {report.when}",
            message=self._clean_message(message),
            curl=self.redactor.clean_curl("\n".join(curl_line(response.request) for response in shown)),
            status=blamed.status_code if blamed is not None else None,
            promise=getattr(error, "promise", None),
            answer=self.redactor.clean(_answer_text(shown[-1])) if shown else "",
            operation=label,
        )
        names = _named_by(exchanges) | involved
        record.names = frozenset(names)
        if created is not None:
            self._keep_records(names, created)
        if not self.active:
            return record
        with self._lock:
            coverage = self.operations.get(label) if label is not None else None
            if coverage is None:
                self.unattributed.append(record)
                return record
            if label not in counted:
                coverage.check_runs[check] += 1
            coverage.add_failure(record)
        return record

    def _generated_failure(
        self, generated: list[_GeneratedFailure], count: int, created: CreatedCustomers | None
    ) -> FailureRecord | None:
        """The failure of a test of generated requests: the `count` failing requests Hypothesis replayed last
        (its final, shrunk examples), the created customers they name taken out of cleanup."""
        shown: list[_GeneratedFailure] = []
        for failure in reversed(generated):
            if failure.curl not in {seen.curl for seen in shown}:
                shown.insert(0, failure)
            if len(shown) == count:
                break
        if not shown:
            return None
        names = frozenset().union(*(failure.names for failure in shown))
        if created is not None:
            self._keep_records(names, created)
        last = shown[-1]
        return FailureRecord(
            check=last.check,
            title=last.title,
            message="",
            curl="\n".join(failure.curl for failure in shown),
            status=last.status,
            answer=last.answer,
            operation=last.label,
            generated=True,
            names=names,
        )

    def _keep_records(self, names: Iterable[str], created: CreatedCustomers) -> None:
        """Take the created customers `names` holds out of cleanup, and list them."""
        named = set(names)
        for customer_id in created.snapshot():
            if customer_id in named:
                created.discard(customer_id)
                with self._lock:
                    if customer_id not in self.kept:
                        self.kept.append(customer_id)

    def end_test(self) -> None:
        with self._lock:
            self._trace = None

    def _match_request(self, request: httpx.Request) -> str | None:
        matched = operation_for(request.method, request.url.path.removeprefix(self.base_path) or "/")
        return matched[0].label if matched is not None else None

    def _clean_message(self, message: str) -> str:
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + " [...]"
        return self.redactor.clean(message)


def _blamed_exchange(error: BaseException, exchanges: list[httpx.Response]) -> httpx.Response | None:
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


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(_body_text(response))
    except ValueError:
        return None


def _answer_text(response: httpx.Response) -> str:
    """`response` as `HTTP 200` and its whole body (indented JSON when it is JSON)."""
    body = _json_or_none(response)
    text = json.dumps(body, indent=2, ensure_ascii=False) if body is not None else _body_text(response)
    return (
        f"{response.request.method} {response.request.url.path} answered HTTP {response.status_code}\n{text}"
    )


def _schemathesis_failures(error: BaseException) -> int:
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


def _named_by(exchanges: list[httpx.Response]) -> set[str]:
    """What `exchanges` name: their path segments and the `id` of each record they answered with."""
    named = {segment for response in exchanges for segment in response.request.url.path.split("/")}
    named |= {
        body["id"]
        for response in exchanges
        if isinstance(body := _json_or_none(response), dict) and isinstance(body.get("id"), str)
    }
    return named - {""}


def _answered_id(body: Any) -> set[str]:
    """The `id` of the record an answer carries (a create's new customer), if any."""
    return {body["id"]} if isinstance(body, dict) and isinstance(body.get("id"), str) else set()


def _named_values(case: Any) -> set[str]:
    """Every string a generated request carries in its path parameters, query and body (ids among them)."""
    found: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                collect(inner)
        elif value is not None and not isinstance(value, bool | int | float):
            found.add(str(value))

    for part in (case.path_parameters, case.query, case.body):
        collect(part)
    return found


def _json_text(body: Any) -> str:
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return ""


def _body_text(message: Any) -> str:
    """The body of an httpx or schemathesis request or response as text; '' when it was not read."""
    try:
        content = message.content
    except (httpx.RequestNotRead, httpx.ResponseNotRead):
        return ""
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else ""


def curl_line(request: httpx.Request) -> str:
    """A `curl` command that sends `request` again, with secret headers shown as `[Filtered]`."""
    # -i: the status and headers are part of the evidence; -w: each answer on its own lines.
    parts = ["curl", "-sS", "-i", "-w", "\\n", "-X", request.method]
    for raw_name, raw_value in request.headers.raw:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        lowered = name.lower()
        if lowered in CURL_SKIPPED_HEADERS or (lowered == "accept" and value == "*/*"):
            continue
        shown = FILTERED if lowered in SECRET_HEADERS else value
        parts += ["-H", f"{name}: {shown}"]
    body = _body_text(request)
    if body:
        parts += ["-d", body]
    parts.append(str(request.url))
    return shlex.join(parts)


class StatusTally:
    """Every status each operation answered in the run, to the suite's own requests and generated ones alike:
    what the "every operation must succeed" check reads. Always on, unlike the report's collector."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.statuses: dict[str, Counter[int]] = {}
        # Operations that generated tests were collected for in this session.
        self.generated: set[str] = set()

    def count(self, label: str, status: int) -> None:
        with self._lock:
            self.statuses.setdefault(label, Counter())[status] += 1

    def observe(self, base_url: str) -> Callable[[httpx.Response], None]:
        """An httpx response hook counting each answer under its operation."""
        base_path = urlsplit(base_url).path.rstrip("/")

        def observe(response: httpx.Response) -> None:
            request = response.request
            matched = operation_for(request.method, request.url.path.removeprefix(base_path) or "/")
            if matched is not None:
                self.count(matched[0].label, response.status_code)

        return observe

    def reset(self) -> None:
        with self._lock:
            self.statuses.clear()
            self.generated.clear()
