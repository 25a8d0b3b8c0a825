"""The proxy's report: the suite's coverage report (`malomo_contract.report`) filled from live traffic, with
the operations and statuses seen and every violation with its exchange. Customers' personal data is masked,
since the traffic is the app's real data; the key never shows."""

from __future__ import annotations

from pathlib import Path

import httpx
import schemathesis
from schemathesis.core.result import Ok

from malomo_contract import promise_inventory
from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.records import FailureRecord
from malomo_contract.coverage.reproductions import answer_text, body_text, curl_line
from malomo_contract.record_fields import REQUEST_ID_HEADER
from malomo_contract.report import render_html, render_markdown
from malomo_contract.traffic.exchange_checks import APP, Violation
from malomo_contract.traffic.exchanges import Exchange

TITLES = {APP: "the app sent a request the spec does not allow", "server": "the server broke the contract"}


class ProxyCoverage:
    """What the proxy saw, per operation of the spec, for the report."""

    def __init__(self, schema: schemathesis.schemas.BaseSchema, target: str, secrets: list[str]) -> None:
        self.coverage = ContractCoverage()
        self.coverage.start(
            (
                operation.label,
                str(operation.definition.raw.get("operationId", "")),
                tuple(str(status) for status in operation.definition.raw.get("responses", {})),
            )
            for result in schema.get_all_operations()
            if isinstance(result, Ok) and (operation := result.ok())
        )
        self.coverage.inventory = promise_inventory.inventory()
        self.coverage.summary.target = f"{target} (live traffic through malomo-contract proxy)"
        self.coverage.summary.profile = "proxy (traffic is checked, nothing is generated)"
        for secret in secrets:
            self.coverage.redactor.add_secret(secret)

    def count(self, exchange: Exchange, checks: list[str], violations: list[Violation]) -> None:
        """Count one exchange under its operation, the checks run on it, and its violations."""
        self.coverage.summary.outcomes["failed" if violations else "passed"] += 1
        operation = exchange.spec_operation
        coverage = self.coverage.operations.get(operation.label) if operation is not None else None
        if coverage is None:
            self.coverage.unmatched_requests += 1
            return
        coverage.suite_requests += 1
        coverage.statuses[exchange.status] += 1
        for check in checks:
            coverage.check_runs[check] += 1
        if not violations:
            return
        response = exchange.response()
        redactor = self.coverage.redactor
        redactor.learn(body_text(response.request))
        redactor.learn(body_text(response))
        curl = redactor.clean_curl(curl_line(response.request))
        for violation in violations:
            coverage.add_failure(
                FailureRecord(
                    check=violation.promise,
                    title=f"{TITLES.get(violation.side, violation.side)} ({violation.side.upper()})",
                    message=redactor.clean(f"[{violation.side.upper()}] {violation.message}"),
                    curl=curl,
                    status=exchange.status,
                    promise=violation.promise,
                    answer=redactor.clean(_answer(response)),
                    operation=operation.label if operation is not None else None,
                )
            )

    def write(self, path: Path, exit_status: int) -> None:
        """Write the report (HTML, or Markdown for a `.md` path)."""
        self.coverage.summary.exit_status = exit_status
        render = render_markdown if path.suffix.lower() == ".md" else render_html
        path.write_text(render(self.coverage), encoding="utf-8")


def _answer(response: httpx.Response) -> str:
    return (
        f"{answer_text(response)}\n({REQUEST_ID_HEADER}: {response.headers.get(REQUEST_ID_HEADER, 'none')})"
    )
