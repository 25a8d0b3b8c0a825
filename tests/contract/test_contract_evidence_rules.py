"""The rules behind the report's evidence, each on hand-made exchanges (the runs that show them end to end are
test_contract_evidence.py's): what the masker lets through of the server's renderings of the suite's values,
which exchange a failure is blamed on, the requests a failed session fixture's later errors show, and what
the preflight says of a gateway answering in the API's place."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from malomo_contract import cli
from malomo_contract.coverage.answer_origins import AnswerOrigins
from malomo_contract.coverage.blame import blamed_exchange
from malomo_contract.coverage.traces import ErrorExchanges
from malomo_contract.customers_api import ContractViolation
from malomo_contract.report_masker import ReportMasker
from malomo_mock import running
from support.evidence_servers import GATEWAY_PAGE, GATEWAY_SERVER

BASE = "http://127.0.0.1:1"
CUSTOMER = "/customers/0b7c2a9e-0000-4000-8000-000000000001"
KEY = "sk_test_evidence_rules_0123456789"


def exchange(method: str, path: str, answered: Any, status: int = 200, sent: Any = None) -> httpx.Response:
    request = (
        httpx.Request(method, BASE + path, json=sent)
        if sent is not None
        else httpx.Request(method, BASE + path)
    )
    return httpx.Response(status, json=answered, request=request)


def customer(**fields: str) -> dict[str, str]:
    return {"id": CUSTOMER.rpartition("/")[2], "email": "a@b.co", "first_name": "Johnny", **fields}


def test_the_servers_rendering_of_a_sent_value_is_shown_and_other_values_masked() -> None:
    masker = ReportMasker()
    masker.sent(json.dumps({"email": "pool-1@malomo-contract-test.example.com", "first_name": "Johnny"}))
    masker.sent(json.dumps({"last_name": "Longer-Than-Eight"}))
    masker.learn(
        json.dumps(
            [
                {"email": "pool-1@malomo-contract-test.example.com ", "first_name": "JOHNNY"},
                {"last_name": "Longer-Th", "first_name": "Jo"},
                {"email": "jane.doe@example.org", "last_name": "Doe"},
            ]
        )
    )
    shown = "'pool-1@malomo-contract-test.example.com ' 'JOHNNY' 'Longer-Th'"
    assert masker.clean(shown) == shown  # a trailing space, a change of case, a value cut short
    for personal in ("'Jo'", "jane.doe@example.org", "'Doe'"):
        assert personal not in masker.clean(personal), personal  # too short to be a cut, or not sent at all


WITHOUT_FIRST_NAME = {name: value for name, value in customer(last_name="Bo").items() if name != "first_name"}


@pytest.mark.parametrize(
    "read_back",
    [customer(last_name="Bo", first_name="JOHNNY"), WITHOUT_FIRST_NAME],
    ids=["a new value", "a field left out"],
)
def test_a_value_first_seen_on_a_read_is_blamed_on_the_read(read_back: dict[str, str]) -> None:
    created = exchange(
        "POST", "/customers", customer(), 201, sent={"email": "a@b.co", "first_name": "Johnny"}
    )
    updated = exchange("PUT", CUSTOMER, customer(last_name="Bo"), sent={"last_name": "Bo"})
    read = exchange("GET", CUSTOMER, read_back)
    error = ContractViolation("`first_name` was left out of the body ...")
    error.blames = ("PUT",)
    assert blamed_exchange(error, [created, updated, read]) is read


def test_a_stale_value_on_a_read_stays_blamed_on_the_write() -> None:
    created = exchange("POST", "/customers", customer(), 201, sent={"email": "a@b.co"})
    updated = exchange("PUT", CUSTOMER, customer(first_name="Bo"), sent={"first_name": "Bo"})
    read = exchange("GET", CUSTOMER, customer())  # the PUT answered as applied, but stored nothing
    error = ContractViolation("`first_name` was updated to 'Bo' but the next GET shows 'Johnny'")
    error.blames = ("PUT",)
    assert blamed_exchange(error, [created, updated, read]) is updated


def test_a_failure_naming_the_status_it_got_is_blamed_on_that_answer() -> None:
    exchanges = [
        exchange("POST", "/customers", customer(), 201, sent={"email": "a@b.co"}),
        exchange("GET", CUSTOMER, {"code": "boom"}, 500),
        exchange("GET", "/customers", []),
    ]
    blamed = blamed_exchange(ContractViolation("GET: expected 200, got 500: 'boom'"), exchanges)
    assert blamed is exchanges[1]


def test_a_failed_fixtures_later_errors_show_the_requests_of_the_first() -> None:
    remembered = ErrorExchanges()
    error, other = RuntimeError("seeding failed"), RuntimeError("another")
    first = [exchange("POST", "/customers", {"code": "x"}, 502)]
    assert remembered.of(error, first) == first
    assert remembered.of(error, []) == first
    assert remembered.of(other, []) == []


def gateway(status: int, content_type: str, body: bytes) -> Callable[[Any], Any]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", content_type.encode()), (b"server", GATEWAY_SERVER.encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return lambda _reference_app: app


@pytest.mark.parametrize(
    "status,content_type,body,named",
    [
        (502, "text/html", GATEWAY_PAGE, "502 text/html from"),
        (503, "application/json", b'{"message": "Service Unavailable"}', "503 application/json from"),
    ],
    ids=["html 502", "json 503 without a request id"],
)
def test_a_gateway_answering_the_preflight_ends_the_command_with_one_line(
    status: int,
    content_type: str,
    body: bytes,
    named: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALOMO_BASE_URL", raising=False)
    with (
        running(api_key=KEY, wrap_app=gateway(status, content_type, body)) as proxy,
        pytest.raises(SystemExit) as exited,
    ):
        cli.main(["--base-url", proxy.base_url, "--api-key", KEY])
    (line,) = capsys.readouterr().err.splitlines()
    assert exited.value.code == 2
    assert line.startswith("malomo-contract: error: could not test: the answer to GET "), line
    assert f"was not the API's ({named} " in line and GATEWAY_SERVER in line, line


def test_the_apis_own_503_is_the_apis() -> None:
    origins = AnswerOrigins()
    body = json.dumps({"code": "busy", "message": "m", "request_id": "req_1", "status": 503}).encode()
    for _ in range(20):
        origins.count(503, "application/json", lambda name: None, body)
    assert origins.could_not_test() is None
    origins.count(502, "text/html", lambda name: None, GATEWAY_PAGE)
    assert origins.foreign == 1 and 'titled "502 Bad Gateway"' in origins.first
