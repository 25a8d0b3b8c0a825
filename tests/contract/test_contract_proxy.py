"""`malomo-contract proxy` in front of the real reference server (and broken variants of it) on loopback: what
passes through, what it reports, what it records, and how it stops."""

from __future__ import annotations

import io
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from proxy_runs import ProxyProcess, start_failure

import malomo
from malomo_contract.live.replay import ReplayOptions, replay
from malomo_contract.spec_contract import SPEC_PATH
from malomo_contract.traffic.exchange_checks import exchange_failures
from malomo_contract.traffic.har_files import load_recording
from malomo_mock.serving import running
from support.broken_servers.broken_answers import NO_REQUEST_ID_HEADER
from support.broken_servers.broken_state import UPDATE_NOT_APPLIED
from support.spec_deletes import CUSTOMER_DELETE, delete_customer

KEY = "sk_test_proxycontract0123456789"
# Answer headers whose values differ from one answer to the next, whoever sends them.
PER_ANSWER = frozenset({"date", "x-request-id"})
# Request headers of one connection (RFC 9110 7.6.1), which a proxy does not forward, and the upstream's host.
PER_HOP = frozenset({b"host", b"connection"})


class RequestLog:
    """An ASGI wrapper keeping every request the server received: (headers, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[list[tuple[bytes, bytes]], bytearray]] = []

    def wrap(self, app: Any) -> Any:
        async def logged(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            body = bytearray()
            self.requests.append((list(scope["headers"]), body))

            async def keep() -> Any:
                message = await receive()
                body.extend(message.get("body", b""))
                return message

            await app(scope, keep, send)

        return logged


@pytest.fixture
def upstream() -> Iterator[tuple[str, RequestLog]]:
    log = RequestLog()
    with running(KEY, page_size=2, wrap_app=log.wrap) as server:
        yield server.base_url, log


def _same_answer(direct: httpx.Response, proxied: httpx.Response) -> None:
    assert proxied.status_code == direct.status_code
    assert proxied.content == direct.content
    assert [k for k, _ in proxied.headers.raw] == [k for k, _ in direct.headers.raw]
    assert [(k, v) for k, v in proxied.headers.raw if k.lower().decode() not in PER_ANSWER] == [
        (k, v) for k, v in direct.headers.raw if k.lower().decode() not in PER_ANSWER
    ]


@pytest.mark.slow
def test_correct_traffic_passes_unchanged_is_recorded_and_shows_no_violation(
    upstream: tuple[str, RequestLog], tmp_path: Path
) -> None:
    base_url, log = upstream
    har, report = tmp_path / "traffic.har", tmp_path / "report.html"
    proxy = ProxyProcess(base_url, "--record", str(har), "--report", str(report))
    auth = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(headers=auth) as raw:
        created = raw.post(f"{proxy.url}/customers", json={"email": "ann@example.com", "first_name": "Ann"})
        customer_id = created.json()["id"]
        _same_answer(
            raw.get(f"{base_url}/customers/{customer_id}"), raw.get(f"{proxy.url}/customers/{customer_id}")
        )
        (direct_headers, direct_body), (proxied_headers, proxied_body) = log.requests[-2:]
        assert proxied_body == direct_body
        assert [h for h in proxied_headers if h[0] not in PER_HOP] == [
            h for h in direct_headers if h[0] not in PER_HOP
        ]
    with malomo.Malomo(KEY, base_url=proxy.url, max_retries=0) as client:
        for number in range(3):
            client.customers.create(email=f"walker{number}@example.com")
        client.customers.update(customer_id, first_name="Bo")
        assert client.customers.retrieve(customer_id).first_name == "Bo"
        assert len(list(client.customers.list())) == 4
        assert len(list(client.customers.events.list(customer_id))) >= 1
        delete_customer(client, customer_id)
        with pytest.raises(malomo.NotFoundError):
            client.customers.retrieve(customer_id if CUSTOMER_DELETE else uuid.uuid4())
    assert proxy.stop() == 0, proxy.lines
    assert not [line for line in proxy.lines if "VIOLATION" in line]
    recording = load_recording(har, _schema(), [])
    assert len(recording.checked) >= 10
    assert all(exchange_failures(exchange) == [] for exchange in recording.checked)
    for written in (har.read_text(), report.read_text()):
        assert KEY not in written
        assert "ann@example.com" not in written
    assert "data-operation" in report.read_text() or "GET /customers/{id}" in report.read_text()
    with running(KEY, page_size=2) as fresh:
        run = replay(ReplayOptions(har, fresh.base_url, KEY, read_only=False, report=None), out=io.StringIO())
    assert run.differences == []
    assert run.replayed == len(recording.checked)


def _schema() -> Any:
    import schemathesis

    return schemathesis.openapi.from_path(SPEC_PATH)


@pytest.mark.slow
def test_broken_server_and_invalid_app_requests_are_reported_each_as_whose_they_are(tmp_path: Path) -> None:
    report = tmp_path / "report.html"

    def broken(app: Any) -> Any:
        return NO_REQUEST_ID_HEADER.wrap(UPDATE_NOT_APPLIED.wrap(app, KEY), KEY)

    with running(KEY, wrap_app=broken) as server:
        proxy = ProxyProcess(server.base_url, "--report", str(report))
        with httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {KEY}"}) as raw:
            customer_id = raw.post("/customers", json={"email": "cy@example.com"}).json()["id"]
            raw.put(f"/customers/{customer_id}", json={"first_name": "Cy"})
            raw.get(f"/customers/{customer_id}")
            stale = proxy.wait_for("update_applies_every_sent_field")
            raw.post("/customers", json={"email": 5})
            invalid = proxy.wait_for("[APP]")
        assert proxy.stop(signal.SIGINT) == 1  # Ctrl-C, as SIGTERM in the test above
    assert stale.startswith("VIOLATION [SERVER] GET /customers/{id} ")
    assert "request_body_matches_the_spec" in invalid and "POST /customers" in invalid
    assert any("[SERVER]" in line and "X-Request-Id" in line for line in proxy.lines), proxy.lines
    text = report.read_text()
    assert "update_applies_every_sent_field" in text and "request_body_matches_the_spec" in text
    assert "(APP)" in text and "(SERVER)" in text
    assert "cy@example.com" not in text and KEY not in text


def test_proxy_that_cannot_start_says_why_in_one_line_and_exits_2(closed_port: int) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = start_failure("--upstream", f"http://127.0.0.1:{port}", "--listen", f"127.0.0.1:{port}")
    unreachable = start_failure("--upstream", f"http://127.0.0.1:{closed_port}", "--listen", "127.0.0.1:0")
    assert (busy.returncode, unreachable.returncode) == (2, 2)
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and busy.stderr.count("\n") == 1
    assert "unreachable" in unreachable.stderr and unreachable.stderr.count("\n") == 1
