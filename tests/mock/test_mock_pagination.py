"""Reference server: keyset pagination of customers and events, cursors and Link headers."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import malomo_spec
from malomo_mock import RunningServer, running
from malomo_mock.openapi_contract import DEFAULT_SPEC
from malomo_spec import Operation
from support.customer_bodies import new_customer
from support.spec_deletes import customer_delete_params, send_delete

PAGE = 5
SPEC: dict[str, Any] = malomo_spec.parse_yaml(DEFAULT_SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running(page_size=PAGE) as server:
        yield server


@pytest.fixture(scope="module")
def customers(server: RunningServer) -> list[dict[str, Any]]:
    """23 customers created in order on an empty server (the module's tests only read the list)."""
    headers = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        return [
            client.post("/customers", json=new_customer(email=f"c{n}@example.com")).json() for n in range(23)
        ]


def walk(
    api: httpx.Client, path: str, rel: str = "next"
) -> tuple[list[dict[str, Any]], list[httpx.Response]]:
    response = api.get(path)
    pages = [response]
    while rel in response.links:
        response = api.get(response.links[rel]["url"])
        pages.append(response)
    return [item for page in pages for item in page.json()], pages


def test_first_page_holds_the_oldest_customers_ascending(
    api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    response = api.get("/customers")
    assert response.json() == customers[:PAGE]
    assert set(response.links) == {"next"}


def test_walking_next_visits_every_customer_once_in_order(
    api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    items, pages = walk(api, "/customers")
    assert items == customers
    assert [len(page.json()) for page in pages] == [5, 5, 5, 5, 3]
    assert "next" not in pages[-1].links and "prev" in pages[-1].links


def test_prev_returns_the_page_immediately_before_still_ascending(
    api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    _, pages = walk(api, "/customers")
    back = api.get(pages[-1].links["prev"]["url"])
    assert back.json() == customers[15:20]
    items = back.json()
    while "prev" in back.links:
        back = api.get(back.links["prev"]["url"])
        items = back.json() + items
    assert items == customers[:20]
    assert "prev" not in back.links and "next" in back.links


def test_link_urls_are_absolute_and_built_from_the_request_base_url(
    server: RunningServer, api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    assert api.get("/customers").links["next"]["url"].startswith(f"{server.base_url}/customers?next=")
    proxied = api.get("/customers", headers={"Host": "api.example.test:8443"})
    assert proxied.links["next"]["url"].startswith("http://api.example.test:8443/customers?next=")


def test_cursor_is_opaque_and_short_enough_for_the_spec(
    api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    cursor = api.get("/customers").links["next"]["url"].split("next=")[1]
    limits = SPEC["components"]["parameters"]["Next"]["schema"]
    assert limits["minLength"] <= len(cursor) <= limits["maxLength"]
    assert customers[PAGE - 1]["id"] not in cursor


def tamper(cursor: str) -> list[str]:
    payload, _, signature = cursor.partition(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = base64.urlsafe_b64encode(raw.replace(b'"customers",', b'"customers",1')).rstrip(b"=").decode()
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [f"{forged}.{signature}", f"{payload}.{flipped}", payload, f"{payload}.", f".{signature}"]


@pytest.mark.parametrize("param", ["next", "prev"])
def test_tampered_or_garbage_cursors_are_400(
    api: httpx.Client, customers: list[dict[str, Any]], param: str
) -> None:
    cursor = api.get("/customers").links["next"]["url"].split("next=")[1]
    garbage = ["", "0", "x" * 600, "not a cursor", "%%%", "é", "a.b.c", "W10.AAAA", "\x00"]
    for bad in [*tamper(cursor), *garbage]:
        response = api.get("/customers", params={param: bad})
        assert response.status_code == 400, bad
        assert response.json()["status"] == 400


def test_sending_both_next_and_prev_is_400(api: httpx.Client, customers: list[dict[str, Any]]) -> None:
    cursor = api.get("/customers").links["next"]["url"].split("next=")[1]
    assert api.get("/customers", params={"next": cursor, "prev": cursor}).status_code == 400
    assert api.get(f"/customers?next={cursor}&next={cursor}").status_code == 400


def test_an_events_cursor_is_refused_by_the_customer_list_and_by_another_customer(
    server: RunningServer, api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    # `customers` makes the customer list longer than a page, so that it has a cursor of its own.
    first = api.post("/customers", json=new_customer(email="events@example.com")).json()
    second = api.post("/customers", json=new_customer(email="other@example.com")).json()
    for _ in range(PAGE + 1):
        api.put(f"/customers/{first['id']}", json={})
    cursor = api.get(f"/customers/{first['id']}/events").links["next"]["url"].split("next=")[1]
    assert api.get(f"/customers/{first['id']}/events", params={"next": cursor}).status_code == 200
    assert api.get("/customers", params={"next": cursor}).status_code == 400
    assert api.get(f"/customers/{second['id']}/events", params={"next": cursor}).status_code == 400
    customers_cursor = api.get("/customers").links["next"]["url"].split("next=")[1]
    assert api.get(f"/customers/{first['id']}/events", params={"next": customers_cursor}).status_code == 400


def test_events_are_paginated_ascending(api: httpx.Client) -> None:
    customer = api.post("/customers", json=new_customer(email="many@example.com")).json()
    for n in range(11):
        api.put(f"/customers/{customer['id']}", json={"first_name": f"n{n}"})
    events, pages = walk(api, f"/customers/{customer['id']}/events")
    assert len(events) == 12 and len(pages) == 3
    assert [event["type"] for event in events] == ["CustomerCreated"] + ["CustomerUpdated"] * 11
    keys = [(event["created_at"], event["id"]) for event in events]
    assert keys == sorted(keys)
    assert len({event["id"] for event in events}) == 12


def test_events_of_an_unknown_customer_are_404(api: httpx.Client) -> None:
    response = api.get("/customers/00000000-0000-4000-8000-000000000000/events")
    assert response.status_code == 404


def test_empty_list_is_an_empty_array_without_links() -> None:
    with running() as server:
        response = httpx.get(
            f"{server.base_url}/customers", headers={"Authorization": f"Bearer {server.api_key}"}
        )
        assert response.json() == [] and "link" not in response.headers


@pytest.mark.parametrize("delete", customer_delete_params())
def test_a_cursor_past_a_deleted_item_still_works(delete: Operation) -> None:
    with (
        running(page_size=2) as server,
        httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.api_key}"}) as api,
    ):
        made = [api.post("/customers", json=new_customer(email=f"d{n}@example.com")).json() for n in range(5)]
        next_url = api.get("/customers").links["next"]["url"]
        send_delete(api, delete, made[1]["id"])
        assert api.get(next_url).json() == made[2:4]


def test_walk_during_concurrent_creates_visits_every_earlier_customer_exactly_once() -> None:
    with running(page_size=7) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        with httpx.Client(base_url=server.base_url, headers=headers) as api:
            before = {
                api.post("/customers", json=new_customer(email=f"b{n}@example.com")).json()["id"]
                for n in range(120)
            }
            stop = threading.Event()

            def keep_creating() -> None:
                with httpx.Client(base_url=server.base_url, headers=headers) as writer:
                    n = 0
                    while not stop.is_set():
                        writer.post("/customers", json=new_customer(email=f"w{n}@example.com"))
                        n += 1

            writers = [threading.Thread(target=keep_creating) for _ in range(2)]
            for thread in writers:
                thread.start()
            try:
                seen: list[str] = []
                response = api.get("/customers")
                while True:
                    seen.extend(item["id"] for item in response.json())
                    if "next" not in response.links or before <= set(seen):
                        break
                    response = api.get(response.links["next"]["url"])
            finally:
                stop.set()
                for thread in writers:
                    thread.join()
            assert len(seen) == len(set(seen))
            assert before <= set(seen)


def test_cursors_survive_a_restart_on_the_same_db_file(tmp_path: Path) -> None:
    db = tmp_path / "malomo.sqlite"
    with running("sk_test_restart", page_size=2, db=db) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        made = [
            httpx.post(
                f"{server.base_url}/customers", json=new_customer(email=f"r{n}@x.io"), headers=headers
            ).json()
            for n in range(4)
        ]
        first_page = httpx.get(f"{server.base_url}/customers", headers=headers)
        cursor = first_page.links["next"]["url"].split("next=")[1]
    with running("sk_test_restart", page_size=2, db=db) as server:
        response = httpx.get(f"{server.base_url}/customers", params={"next": cursor}, headers=headers)
        assert response.status_code == 200
        assert response.json() == made[2:]
        created = httpx.post(
            f"{server.base_url}/customers", json=new_customer(email="late@x.io"), headers=headers
        ).json()
        assert created["created_at"] > made[-1]["created_at"]


def test_every_one_character_change_to_a_cursor_is_refused(
    api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    cursor = api.get("/customers").links["next"]["url"].split("next=")[1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index, char in enumerate(cursor):
        if char == ".":
            continue
        changed = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
        bad = cursor[:index] + changed + cursor[index + 1 :]
        assert api.get("/customers", params={"next": bad}).status_code == 400, index


@pytest.mark.parametrize("host", ["x>y", "a b", "[", "ex\u00e9mple.com", "h:port"])
def test_a_hostile_host_header_falls_back_to_the_server_address_in_links(
    server: RunningServer, api: httpx.Client, customers: list[dict[str, Any]], host: str
) -> None:
    response = api.get("/customers", headers={b"Host": host.encode("latin-1")})
    assert response.status_code == 200
    assert response.links["next"]["url"].startswith(f"{server.base_url}/customers?next=")
