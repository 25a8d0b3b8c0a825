"""The proxy's checks, in a process of their own so that the forwarding never waits on them: each captured
exchange is matched to its operation, checked (the app's request, the server's answer, and the promises it
shares with earlier exchanges), printed as one line per violation, recorded to the HAR and counted for the
report. At the end (the None sentinel) the report and the HAR are written and the exit status returned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from malomo_contract.live.checker_process import NO_VIOLATION, VIOLATION_SEEN, CheckerOptions
from malomo_contract.live.forwarding import CapturedExchange
from malomo_contract.record_fields import REQUEST_ID_HEADER
from malomo_contract.traffic.exchange_checks import RESPONSE_CHECKS, Violation, server_violations
from malomo_contract.traffic.exchanges import Exchange
from malomo_contract.traffic.har_files import WIRE_HEADERS
from malomo_contract.traffic.request_checks import request_violations
from malomo_contract.traffic.sequences import SequenceLinker


class TrafficChecker:
    """Checks, prints, records and counts exchanges one by one (in the checker process)."""

    def __init__(self, options: CheckerOptions) -> None:
        import schemathesis

        from malomo import HarRecorder
        from malomo_contract.live.proxy_report import ProxyCoverage
        from malomo_contract.spec_contract import SPEC_PATH

        self.schema = schemathesis.openapi.from_path(SPEC_PATH)
        self.base_path = httpx.URL(options.upstream).path.rstrip("/")
        self.linker = SequenceLinker()
        self.recorder = HarRecorder(options.record) if options.record is not None else None
        for secret in options.secrets:
            if self.recorder is not None:
                self.recorder.add_secret(secret)
        self.report = ProxyCoverage(self.schema, options.upstream, list(options.secrets))
        self.options = options
        self.exchanges = 0
        self.violations = 0

    def check(self, captured: CapturedExchange) -> None:
        from malomo_contract.spec_contract import operation_for

        decoded = _decoded(captured)
        exchange = _exchange(captured, self.exchanges, decoded)
        self.exchanges += 1
        matched = operation_for(exchange.method, exchange.path.removeprefix(self.base_path) or "/")
        violations: list[Violation] = []
        checks: list[str] = []
        if matched is not None:
            exchange.attach(*matched, self.schema)
            self.linker.add(exchange)
            violations = request_violations(exchange) + server_violations(exchange)
            checks = [check.__name__ for check in RESPONSE_CHECKS]
        self.report.count(exchange, checks, violations)
        request_id = dict((k.lower(), v) for k, v in exchange.response_headers).get(
            REQUEST_ID_HEADER.lower(), "-"
        )
        for violation in violations:
            self.violations += 1
            where = matched[0].label if matched is not None else exchange.path
            # Masked as in the report: the app's values are its customers' data.
            message = self.report.coverage.redactor.clean(" ".join(violation.message.split()))
            print(
                f"VIOLATION [{violation.side.upper()}] {where} {violation.promise} "
                f"request-id={request_id}: {message}",
                flush=True,
            )
        if self.recorder is not None:
            self._record(captured, decoded)

    def _record(self, captured: CapturedExchange, decoded: bytes) -> None:
        assert self.recorder is not None
        request = httpx.Request(
            captured.method, captured.url, headers=captured.request_headers, content=captured.request_body
        )
        response = httpx.Response(
            captured.status,
            headers=captured.response_headers,
            content=captured.response_body,
            request=request,
            extensions={"reason_phrase": captured.reason.encode()},
        )
        started = datetime.fromtimestamp(captured.started, UTC)
        self.recorder.record(request, captured.request_body, response, decoded, started, captured.seconds)

    def finish(self, unchecked: int = 0) -> int:
        """Write the report and close the HAR; the exit status. `unchecked` exchanges were forwarded while
        the checks were too far behind."""
        if unchecked:
            self.report.coverage.summary.outcomes["not checked (the checks fell behind)"] += unchecked
        status = VIOLATION_SEEN if self.violations else NO_VIOLATION
        if self.recorder is not None:
            self.recorder.close()
        if self.options.report is not None:
            self.report.write(self.options.report, status)
        seen = f"{self.exchanges} exchanges checked, {self.violations} violations"
        if unchecked:
            seen += f", {unchecked} exchanges forwarded but not checked (the checks fell behind)"
        written = [str(path) for path in (self.options.report, self.options.record) if path is not None]
        print(
            f"malomo-contract proxy: {seen}" + (f"; wrote {', '.join(written)}" if written else ""),
            flush=True,
        )
        return status


def _decoded(captured: CapturedExchange) -> bytes:
    """The answer's body with its content-encoding undone (what the checks and the HAR take)."""
    if not any(k.lower() == b"content-encoding" for k, _ in captured.response_headers):
        return captured.response_body
    try:
        return httpx.Response(200, headers=captured.response_headers, content=captured.response_body).content
    except httpx.DecodingError:
        return captured.response_body


def _text_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in headers
        if k.decode("latin-1").lower() not in WIRE_HEADERS
    ]


def _exchange(captured: CapturedExchange, index: int, decoded: bytes) -> Exchange:
    started = datetime.fromtimestamp(captured.started, UTC)
    return Exchange(
        source="proxy",
        index=index,
        method=captured.method.upper(),
        url=captured.url,
        request_headers=_text_headers(captured.request_headers),
        request_body=captured.request_body,
        status=captured.status,
        response_headers=_text_headers(captured.response_headers),
        response_body=decoded,
        started=started,
        ended=started + timedelta(seconds=captured.seconds),
    )
