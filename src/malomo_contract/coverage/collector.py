"""The coverage collector of one run: per operation of the spec, the requests sent, statuses seen, checks run
and their failures, each blamed on the operation whose promise broke, with its reproduction. Counted only for
`--report`/`--report-md` (`malomo_contract.report` renders it); the current test's exchanges and its failure's
reproduction always (the terminal and JUnit show it). One collector per run, in `run_state.RunState`."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from malomo_contract.coverage.answer_origins import AnswerOrigins
from malomo_contract.coverage.blame import blamed_exchange, schemathesis_failures
from malomo_contract.coverage.outcomes import record_outcome
from malomo_contract.coverage.records import FailureRecord, OperationCoverage, RunSummary
from malomo_contract.coverage.reproductions import (
    answer_text,
    answered_id,
    body_text,
    curl_line,
    generated_curl,
    json_or_none,
    json_text,
    named_by,
    named_values,
)
from malomo_contract.coverage.traces import CurrentTest, ErrorExchanges, GeneratedFailure
from malomo_contract.customer_records import CreatedCustomers
from malomo_contract.promise_inventory import Promise
from malomo_contract.report_masker import ReportMasker
from malomo_contract.spec_contract import operation_for

MAX_MESSAGE_CHARS = 2000


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
        # Whether the answers are the API's (always counted: a gateway's answers stop the run).
        self.origins = AnswerOrigins()
        self._trace: CurrentTest | None = None
        # The path of the target's base URL, in front of every operation's path.
        self.base_path = ""
        # Every statement of the spec with the tests that enforce it (promise_inventory.py), for the report.
        self.inventory: list[Promise] = []
        self._error_exchanges = ErrorExchanges()

    def start(self, operations: Iterable[tuple[str, str, tuple[str, ...]]]) -> None:
        """Begin collecting for `operations`: (label `METHOD /path/{x}`, operationId, documented statuses)."""
        self.operations = {
            label: OperationCoverage(label, operation_id, documented)
            for label, operation_id, documented in operations
        }
        self.active = True

    # Generated requests (schemathesis hooks in openapi_schema.py).

    def record_generated(self, case: Any, status: int) -> None:
        # What it sent is the suite's test data: shown where a later failure shows the record it made.
        self.redactor.sent(json_text(case.body))
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
        self.origins.count_generated(response)
        results = list(results)
        records: list[FailureRecord] = []
        failed = [result for result in results if result.failure is not None]
        if failed:
            self.redactor.sent(json_text(case.body))
            self.redactor.learn(body_text(response))
            files: dict[str, str] = {}
            curl = self.redactor.clean_curl(generated_curl(response, files))
            bodies = {name: self.redactor.clean(body) for name, body in files.items()}
            with self._lock:
                test = self._trace.nodeid if self._trace is not None else ""
            records = [
                FailureRecord(
                    check=result.name,
                    title=result.failure.title,
                    message=self._clean_message(result.failure.message),
                    curl=curl,
                    status=response.status_code,
                    bodies=bodies,
                    test=test,
                )
                for result in failed
            ]
            body = json_or_none(response)
            text = body_text(response) if body is None else json.dumps(body, indent=2, ensure_ascii=False)
            method = str(case.operation.method).upper()
            answer = f"{method} {case.formatted_path} answered HTTP {response.status_code}"
            kept = GeneratedFailure(
                curl=curl,
                answer=self.redactor.clean(f"{answer}\n{text}"),
                names=frozenset(named_values(case) | answered_id(body)),
                label=label,
                check=failed[0].name,
                title=failed[0].failure.title,
                status=response.status_code,
                bodies=tuple(bodies.items()),
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
            self.origins.count_httpx(response)
            sent = body_text(response.request)
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
            self._trace = CurrentTest(nodeid)

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
        trace, in_phase = self._close_phase(item, call, report)
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
        failing_cases = schemathesis_failures(excinfo.value)
        if failing_cases:
            # Counted for the report, with their curl lines, by `record_checks`.
            generated = self._generated_failure(trace.generated, failing_cases, created)
            if generated is not None:
                generated.test = item.nodeid
            return generated
        record = self._suite_failure(check, generated_label, excinfo, report.when, trace)
        record.test = item.nodeid
        if created is not None:
            self._keep_records(record.names, created)
        if self.active:
            self._file_failure(record, counted)
        return record

    def _close_phase(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> tuple[CurrentTest, list[httpx.Response]]:
        """A copy of the test's trace so far and the exchanges of the phase that ended ; outcome counted."""
        with self._lock:
            trace = self._trace
            if trace is None or trace.nodeid != item.nodeid:
                trace = CurrentTest(item.nodeid)
            snapshot = CurrentTest(
                trace.nodeid,
                list(trace.exchanges),
                trace.phase_start,
                list(trace.generated),
                set(trace.involved),
            )
            trace.phase_start = len(trace.exchanges)
            if self.active:
                record_outcome(self.summary, item, call, report)
        return snapshot, snapshot.exchanges[snapshot.phase_start :]

    def _suite_failure(
        self,
        check: str,
        generated_label: str | None,
        excinfo: pytest.ExceptionInfo[BaseException],
        when: str,
        trace: CurrentTest,
    ) -> FailureRecord:
        """The failure of one of the suite's own tests: its blame, its message and its reproduction."""
        error, exchanges = excinfo.value, trace.exchanges
        exchanges = self._error_exchanges.of(error, exchanges)
        blamed = blamed_exchange(error, exchanges)
        label = generated_label or (self._match_request(blamed.request) if blamed is not None else None)
        for response in exchanges:
            self.redactor.learn(body_text(response))
        # A test that sent nothing itself (its requests were a shared fixture's) shows the blamed request.
        shown = exchanges or ([blamed] if blamed is not None else [])
        message = str(error) if isinstance(error, AssertionError) and str(error) else excinfo.exconly()
        # schemathesis adds its `curl` line to errors that are not check failures (a refused connection).
        message = "\n".join([message, *getattr(error, "__notes__", [])])
        files: dict[str, str] = {}
        curl = "\n".join(curl_line(response.request, files, filter_secrets=False) for response in shown)
        return FailureRecord(
            check=check,
            title=type(error).__name__ if when == "call" else f"{type(error).__name__} in {when}",
            message=self._clean_message(message),
            curl=self.redactor.clean_curl(curl),
            status=blamed.status_code if blamed is not None else None,
            promise=getattr(error, "promise", None),
            answer=self.redactor.clean(answer_text(shown[-1])) if shown else "",
            operation=label,
            names=frozenset(named_by(exchanges) | trace.involved),
            bodies={name: self.redactor.clean(body) for name, body in files.items()},
        )

    def _file_failure(self, record: FailureRecord, counted: set[str]) -> None:
        """Keep `record` under the operation it is blamed on (unattributed when none); its check counted."""
        label = record.operation
        with self._lock:
            coverage = self.operations.get(label) if label is not None else None
            if coverage is None:
                self.unattributed.append(record)
                return
            if label not in counted:
                coverage.check_runs[record.check] += 1
            coverage.add_failure(record)

    def _generated_failure(
        self, generated: list[GeneratedFailure], count: int, created: CreatedCustomers | None
    ) -> FailureRecord | None:
        """The failure of a test of generated requests: the `count` failing requests Hypothesis replayed last
        (its final, shrunk examples), the created customers they name taken out of cleanup."""
        shown: list[GeneratedFailure] = []
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
            bodies={name: body for failure in shown for name, body in failure.bodies},
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

    def failure_records(self) -> list[FailureRecord]:
        return [record for op in self.operations.values() for record in op.failure_list()] + self.unattributed

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
