"""What the recording tests share: the canary key and personal values that must never leak, a scripted session
recorded through malomo, the contract check run over recordings, and a HAR file's entries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import malomo
from malomo_client.api.customers import (
    create_customer,
    get_customer,
    list_customer_events,
    list_customers,
    update_customer,
)
from malomo_client.models import CustomerCreate, CustomerUpdate
from malomo_mock import RunningServer, running
from support.contract_suite_runs import run_pytest
from support.customer_bodies import new_customer
from support.spec_deletes import CUSTOMER_DELETE, generated_module

CANARY_KEY = f"sk_test_RECCANARY{secrets.token_hex(8)}"
CANARY = {
    "email": "canary.quokka.7731@example.com",
    "first_name": "Quokkaline",
    "last_name": "Canaryfield",
    "phone_number": "+1 (415) 867-5309",
}
PAGE_SIZE = 2
# Variants whose break shows in recorded exchanges, and the exchange (method, path) that must fail.
_ID = "[0-9a-f-]{36}"
BROKEN_EXCHANGES = {
    "phone_number_as_integer": ("GET", f"/customers/{_ID}"),
    "customer_without_updated_at": ("POST", "/customers"),
    "customer_as_text_plain": ("GET", f"/customers/{_ID}"),
    "created_with_201": ("POST", "/customers"),
    "error_without_request_id": ("GET", f"/customers/{_ID}"),
    "error_status_always_400": ("GET", f"/customers/{_ID}"),
    "no_request_id_header": ("GET", f"/customers/{_ID}"),
    "update_not_applied": ("GET", f"/customers/{_ID}"),
}
if CUSTOMER_DELETE is not None:  # a variant planted in the spec's delete, which the session then calls
    BROKEN_EXCHANGES["delete_does_not_delete"] = ("GET", f"/customers/{_ID}")


def _attempt(step: Any, *args: Any, **kwargs: Any) -> Any:
    """One call of the session; a broken server's answer may raise, the session goes on."""
    try:
        return malomo.call(step, *args, **kwargs)
    except malomo.MalomoError:
        return None


def _created_id(response: httpx.Response) -> str | None:
    """The new customer's id, read leniently: a broken server's answer may not parse as a Customer."""
    try:
        return str(response.json()["id"])
    except (ValueError, KeyError, TypeError):
        return None


def record_session(server: RunningServer, path: Path, *, record_personal_data: bool = False) -> None:
    """Every operation, its success and its errors, sync and async, recorded by malomo to `path`."""
    options: dict[str, Any] = {"base_url": server.base_url, "max_retries": 0, "record_to": path}
    options["record_personal_data"] = record_personal_data
    with malomo.connect(server.api_key, **options) as client:
        http = client.get_httpx_client()  # the client's own httpx client: recorded like every call
        canary_id = _created_id(http.post("/customers", json=CANARY))
        other_id = _created_id(http.post("/customers", json=new_customer(email="second@example.com")))
        refused = CustomerCreate.from_dict(new_customer(email="not-an-email"))
        _attempt(create_customer, client=client, body=refused)  # 400
        for customer_id in (canary_id, other_id):
            if customer_id is None:
                continue
            _attempt(get_customer, customer_id, client=client)
            change = CustomerUpdate(first_name="Renamed", phone_number=None)
            _attempt(update_customer, customer_id, client=client, body=change)
            _attempt(get_customer, customer_id, client=client)
        try:
            list(malomo.paginate(list_customers, client=client))
            if canary_id is not None:
                walk = malomo.paginate(list_customer_events, client=client, customer_id=uuid.UUID(canary_id))
                list(walk)
        except malomo.MalomoError:
            pass
        if other_id is not None:
            gone = other_id
            if CUSTOMER_DELETE is not None:
                _attempt(generated_module(CUSTOMER_DELETE), other_id, client=client)
            else:
                gone = str(uuid.uuid4())  # no delete in the spec: an id no customer has
            _attempt(get_customer, gone, client=client)  # 404
            _attempt(list_customer_events, gone, client=client)  # 404
    with malomo.connect("sk_test_wrong_key", **options) as client:
        _attempt(list_customers, client=client)  # 401

    async def async_part() -> None:
        async with malomo.connect(server.api_key, **options) as client:
            customer_id = _created_id(await client.get_async_httpx_client().post("/customers", json=CANARY))
            if customer_id is None:
                return
            calls = [malomo.acall(get_customer, uuid.UUID(customer_id), client=client) for _ in range(3)]
            await asyncio.gather(*calls, return_exceptions=True)
            async for _ in malomo.apaginate(list_customers, client=client):
                pass

    with contextlib.suppress(malomo.MalomoError):
        asyncio.run(async_part())


@dataclass(frozen=True)
class CheckRun:
    exit_code: int
    output: str
    # test id -> failure message (None for a test that passed)
    outcomes: dict[str, str | None]


def check_recordings(paths: list[Path], junit: Path) -> CheckRun:
    args = ["src/malomo_contract/suite", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    recordings = [f"--recording={path}" for path in paths]
    exit_code, stdout, stderr = run_pytest([*args, *recordings], junit.parent, dict(os.environ))
    outcomes: dict[str, str | None] = {}
    if junit.exists():
        for case in ElementTree.parse(junit).iter("testcase"):
            failure = case.find("failure")
            name = case.get("name", "")
            outcomes[name] = None if failure is None else (failure.get("message") or failure.text or "")
    return CheckRun(exit_code, stdout + stderr, outcomes)


def assert_no_canary(data: str) -> None:
    """Neither the canary key nor any canary personal value (also as the digits of a number) is in `data`."""
    assert CANARY_KEY not in data
    for value in CANARY.values():
        assert value not in data and json.dumps(value)[1:-1] not in data
    assert re.sub(r"\D", "", CANARY["phone_number"]) not in data


def har_entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text())["log"]["entries"]
    return entries


def serve_canary() -> Iterator[RunningServer]:
    """The `canary_server` fixture: a reference server that knows the canary key, with small pages."""
    with running(CANARY_KEY, page_size=PAGE_SIZE) as server:
        yield server


def record_canary_session(canary_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `session_recording` fixture: a HAR file of a scripted session recorded with the default masking."""
    path = tmp_path_factory.mktemp("recording") / "session.har"
    record_session(canary_server, path)
    return path
