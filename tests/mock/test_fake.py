"""malomo_mock.Fake through the malomo runtime: its faults drive the real retries and typed errors, it
records what it received without the key, and it answers as a real `malomo-mock` does."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import malomo
from malomo_mock import Fake, running
from support.customer_bodies import new_customer

MISSING_ID = uuid.UUID("00000000-0000-4000-8000-000000000000")


@pytest.fixture
def fake() -> Iterator[Fake]:
    with Fake() as fake:
        yield fake


def operations_received(fake: Fake) -> list[str | None]:
    return [received.operation for received in fake.requests]


def test_503_then_200_is_retried_and_succeeds(fake: Fake) -> None:
    customer = fake.add_customer(**new_customer(email="retry@example.com"))
    fake.fail("getCustomer", status=503, times=1, retry_after=0)
    with fake.client() as client:
        assert client.customers.retrieve(customer.id) == customer
    assert operations_received(fake) == ["getCustomer", "getCustomer"]


def test_the_runtime_records_each_attempt_the_fake_answered(fake: Fake, tmp_path: Path) -> None:
    customer = fake.add_customer(**new_customer(email="recorded@example.com"))
    fake.fail("getCustomer", status=503, retry_after=0)
    with fake.client(record_to=tmp_path / "fake.har") as client:
        client.customers.retrieve(customer.id)
    entries = json.loads((tmp_path / "fake.har").read_text())["log"]["entries"]
    assert [entry["response"]["status"] for entry in entries] == [503, 200]


def test_three_503s_raise_server_error_with_the_answers_request_id(fake: Fake) -> None:
    customer = fake.add_customer(**new_customer(email="down@example.com"))
    fake.fail("getCustomer", status=503, times=3, retry_after=0)
    with fake.client(max_retries=2) as client, pytest.raises(malomo.ServerError) as raised:
        client.customers.retrieve(customer.id)
    assert (raised.value.status, raised.value.code) == (503, "service_unavailable")
    assert raised.value.request_id == raised.value.headers["x-request-id"]
    assert operations_received(fake) == ["getCustomer"] * 3


def test_429_with_a_long_retry_after_raises_rate_limit_error_at_once(fake: Fake) -> None:
    fake.fail("listCustomers", status=429, retry_after=3600)
    with fake.client() as client, pytest.raises(malomo.RateLimitError) as raised:
        client.customers.list()
    assert raised.value.retry_after == 3600
    assert operations_received(fake) == ["listCustomers"]


def test_a_reset_connection_is_retried_for_a_get(fake: Fake) -> None:
    customer = fake.add_customer(**new_customer(email="reset@example.com"))
    fake.fail("getCustomer", error="reset")
    with fake.client() as client:
        assert client.customers.retrieve(customer.id) == customer
    assert operations_received(fake) == ["getCustomer", "getCustomer"]


def test_a_reset_connection_is_not_retried_for_a_post(fake: Fake) -> None:
    fake.fail("createCustomer", error="reset")
    with fake.client() as client, pytest.raises(malomo.APIConnectionError):
        client.customers.create(**new_customer(email="once@example.com"))
    assert operations_received(fake) == ["createCustomer"]


def test_a_timeout_raises_api_timeout_error(fake: Fake) -> None:
    fake.fail("createCustomer", error="timeout")
    with fake.client() as client, pytest.raises(malomo.APITimeoutError):
        client.customers.create(**new_customer(email="slow@example.com"))


def test_an_html_502_from_a_proxy_raises_server_error_without_request_id(fake: Fake) -> None:
    fake.fail("listCustomers", from_proxy=True)
    with fake.client(max_retries=0) as client, pytest.raises(malomo.ServerError) as raised:
        client.customers.list()
    assert (raised.value.status, raised.value.request_id) == (502, None)
    assert raised.value.headers["content-type"].startswith("text/html")


# How to make the app itself give each documented error status of getCustomer: (path, headers).
APP_ERRORS = {
    401: (f"/customers/{MISSING_ID}", {"Authorization": "Bearer sk_test_wrong"}),
    404: (f"/customers/{MISSING_ID}", {}),
    406: (f"/customers/{MISSING_ID}", {"Accept": "application/vnd.malomo+json; version=1"}),
}


@pytest.mark.parametrize("status", APP_ERRORS)
def test_an_injected_documented_status_answers_as_the_app_does(fake: Fake, status: int) -> None:
    path, headers = APP_ERRORS[status]
    with httpx.Client(
        transport=fake.transport, base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.api_key}"}
    ) as http:
        real = http.get(path, headers=headers)
        fake.fail("getCustomer", status=status)
        customer = fake.add_customer(**new_customer(email="there@example.com"))
        injected = http.get(f"/customers/{customer.id}")
    assert injected.status_code == real.status_code == status
    assert injected.headers.get("www-authenticate") == real.headers.get("www-authenticate")
    assert set(injected.headers) == set(real.headers)
    request_ids = (injected.headers["x-request-id"], real.headers["x-request-id"])
    assert (injected.json()["request_id"], real.json()["request_id"]) == request_ids
    assert without_request_id_and_message(injected.json()) == without_request_id_and_message(real.json())


def without_request_id_and_message(error: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in error.items() if name not in ("request_id", "message")}


def test_any_status_answers_the_error_shape_with_a_request_id(fake: Fake) -> None:
    fake.fail("listCustomers", status=520)  # not an HTTP status Python names, nor one the spec documents
    with fake.client() as client, pytest.raises(malomo.ServerError) as raised:
        client.customers.list()
    assert (raised.value.status, raised.value.code) == (520, "http_520")
    assert raised.value.request_id == raised.value.headers["x-request-id"]


def test_an_injected_401_raises_authentication_error(fake: Fake) -> None:
    fake.fail("getCustomer", status=401)
    with fake.client() as client, pytest.raises(malomo.AuthenticationError) as raised:
        client.customers.retrieve(MISSING_ID)
    assert raised.value.code == "unauthorized"


def test_fail_names_the_operations_when_given_an_unknown_one(fake: Fake) -> None:
    with pytest.raises(ValueError, match=r"unknown operation 'getCustomers'; the spec has .*getCustomer"):
        fake.fail("getCustomers", status=503)


def test_requests_hold_method_path_query_and_body_never_the_key(fake: Fake) -> None:
    with fake.client() as client:
        client.customers.create(**new_customer(email="seen@example.com"))
        with httpx.Client(transport=fake.transport, base_url=fake.base_url) as http:
            http.get("/customers", params={"next": fake.api_key}, headers={"Authorization": fake.api_key})
    created, listed = fake.requests
    assert (created.operation, created.method, created.path) == ("createCustomer", "POST", "/customers")
    assert created.json == new_customer(email="seen@example.com")
    assert created.headers["authorization"] == "Bearer [redacted]"
    assert listed.query == {"next": ["[redacted]"]}
    assert fake.api_key not in repr([(r, r.headers) for r in fake.requests])


def test_add_customer_returns_what_the_api_then_serves(fake: Fake) -> None:
    customer = fake.add_customer(**new_customer(email="added@example.com", first_name="Ada"))
    with fake.client() as client:
        assert client.customers.list().items == [customer]
    assert fake.requests[0].operation == "listCustomers"  # add_customer itself is not recorded
    with pytest.raises(ValueError, match="email"):
        fake.add_customer(**new_customer(email="not an email"))


def test_seed_list_and_page_size() -> None:
    seed = [
        {**new_customer(email=f"seed{n}@example.com"), "created_at": f"2020-01-0{n + 1}T00:00:00Z"}
        for n in range(3)
    ]
    with Fake(seed=seed, page_size=2) as fake, fake.client() as client:
        emails = [customer.email for customer in client.customers.list()]
    assert emails == ["seed0@example.com", "seed1@example.com", "seed2@example.com"]
    assert fake.requests[0].query == {}
    assert len(fake.requests) == 2


def test_async_client_and_transport_reach_the_same_store(fake: Fake) -> None:
    async def scenario() -> tuple[str, int]:
        async with fake.async_client() as client:
            created = await client.customers.create(**new_customer(email="a@sync.io"))
        async with httpx.AsyncClient(transport=fake.async_transport, base_url=fake.base_url) as http:
            answer = await http.get("/customers", headers={"Authorization": f"Bearer {fake.api_key}"})
        return created.email, len(answer.json())

    assert asyncio.run(scenario()) == ("a@sync.io", 1)
    with fake.client() as client:
        assert [c.email for c in client.customers.list()] == ["a@sync.io"]


# --- The fake and a real malomo-mock agree ------------------------------------------------------------

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z|(?<=\"timestamp\":)\d+")
_REQUEST_ID = re.compile(r"req_[0-9a-f]+")
_CURSOR = re.compile(r"(next|prev)=[^>&]+")
# Headers the server adds around the app (uvicorn); the fake has no server around it.
_SERVER_HEADERS = frozenset({"date", "server"})


def _normalized(text: str, base_url: str, ids: dict[str, str]) -> str:
    text = text.replace(base_url, "BASE")
    text = _UUID.sub(lambda m: ids.setdefault(m[0], f"id{len(ids)}"), text)
    text = _TIMESTAMP.sub("TIME", _REQUEST_ID.sub("REQ", text))
    return _CURSOR.sub(r"\1=CURSOR", text)


def _script(http: httpx.Client, base_url: str) -> list[tuple[int, list[tuple[str, str]], str]]:
    """A session of an application: creates, pages, updates, deletes, and a few mistakes; each answer
    normalized (ids numbered by first sight, timestamps, request ids, cursors and the base URL replaced)."""
    answers = []
    ids: dict[str, str] = {}

    def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = http.request(method, url, **kwargs)
        headers = sorted(
            (name, _normalized(value, base_url, ids))
            for name, value in response.headers.items()
            if name not in _SERVER_HEADERS
        )
        answers.append((response.status_code, headers, _normalized(response.text, base_url, ids)))
        return response

    created = send("POST", "/customers", json=new_customer(email="one@example.com", first_name="One"))
    first = created.json()["id"]
    send("POST", "/customers", json=new_customer(email="two@example.com", phone_number="555"))
    send("POST", "/customers", json=new_customer(email="three@example.com"))
    following = send("GET", "/customers").links["next"]["url"]
    send("GET", following)
    send("PUT", f"/customers/{first}", json={"first_name": None, "last_name": "Last"})
    send("GET", f"/customers/{first}/events")
    send("POST", "/customers", json=new_customer(email="bad"))
    send("POST", "/customers", json=new_customer(email="x@example.com", nickname="x"))
    send("POST", "/customers", content=b"{", headers={"Content-Type": "application/json"})
    send("GET", "/customers", params={"next": "forged"})
    send("PATCH", f"/customers/{first}")
    send("DELETE", f"/customers/{first}")
    send("GET", f"/customers/{first}")
    send("GET", "/customers", headers={"Authorization": "Bearer sk_test_wrong"})
    send("GET", "/nowhere")
    return answers


def test_the_fake_and_a_real_malomo_mock_answer_a_script_alike() -> None:
    with running(page_size=2) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        with httpx.Client(base_url=server.base_url, headers=headers) as http:
            served = _script(http, server.base_url)
    with Fake(page_size=2) as fake:
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        with httpx.Client(transport=fake.transport, base_url=fake.base_url, headers=headers) as http:
            faked = _script(http, fake.base_url)
    assert faked == served
