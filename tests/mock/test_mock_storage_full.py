"""Reference server over a `--db` file that cannot grow (a full disk, made with SQLite's `max_page_count` on
the server's own connection): writes get a 503 with the Error body and `Retry-After`, logged in one line,
reads go on, and writes resume with nothing lost once there is room again."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from malomo_mock import customers_store, running, store_database
from malomo_mock.store_database import StorageFull
from support.customer_bodies import new_customer

KEY = "sk_test_full"
HEADERS = {"Authorization": f"Bearer {KEY}"}
# Creates sent before the file is full: each is bigger than a few hundred bytes, so a page fills in a few.
MOST_CREATES_TO_FILL = 200


@pytest.fixture
def store_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[sqlite3.Connection]]:
    """The SQLite connections the servers started in the test open, in order."""
    opened: list[sqlite3.Connection] = []

    def connect_and_keep(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = store_database.connect(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(connection)
        return connection

    monkeypatch.setattr(customers_store, "connect", connect_and_keep)
    yield opened


def writer_of(connections: list[sqlite3.Connection]) -> sqlite3.Connection:
    [writer] = [connection for connection in connections if connection.isolation_level == "IMMEDIATE"]
    return writer


def a_customer(n: int) -> dict[str, object]:
    return new_customer(email=f"full.{n}@storage.test", first_name="F" * 200, last_name="L" * 200)


def fill(api: httpx.Client, writer: sqlite3.Connection) -> tuple[list[dict[str, object]], httpx.Response]:
    """Let the store's file grow no more, then create customers until one is refused: those saved, and
    the refusal."""
    [pages] = writer.execute("PRAGMA page_count").fetchone()
    writer.execute(f"PRAGMA max_page_count = {pages}")  # between writes, from this thread: no write runs
    saved: list[dict[str, object]] = []
    for n in range(MOST_CREATES_TO_FILL):
        answer = api.post("/customers", json=a_customer(n))
        if answer.status_code != 200:
            return saved, answer
        saved.append(answer.json())
    raise AssertionError(f"{MOST_CREATES_TO_FILL} creates fitted in {pages} pages")


def test_a_full_disk_is_a_503_and_reads_go_on_until_writes_resume_with_nothing_lost(
    tmp_path: Path, store_connections: list[sqlite3.Connection], caplog: pytest.LogCaptureFixture
) -> None:
    with (
        running(KEY, db=tmp_path / "full.sqlite") as server,
        httpx.Client(base_url=server.base_url, headers=HEADERS, timeout=30) as api,
    ):
        caplog.clear()  # what the requests log, not the start-up's report on the spec
        writer = writer_of(store_connections)
        saved, answer = fill(api, writer)
        refused = [answer] + [api.post("/customers", json=a_customer(-n)) for n in range(1, 4)]
        for answer in refused:
            assert answer.status_code == 503 and answer.headers["retry-after"].isdigit()
            body = answer.json()
            assert set(body) == {"code", "message", "request_id", "status"} and body["status"] == 503
            assert body["request_id"] == answer.headers["x-request-id"]
        for customer in saved:
            assert api.get(f"/customers/{customer['id']}").json() == customer

        writer.execute("PRAGMA max_page_count = 1073741823")  # space freed
        after = api.post("/customers", json=a_customer(MOST_CREATES_TO_FILL))
        assert after.status_code == 200
        listed = api.get("/customers")
        ids = []
        while True:
            ids += [item["id"] for item in listed.json()]
            if "next" not in listed.links:
                break
            listed = api.get(listed.links["next"]["url"])
        assert sorted(ids) == sorted(customer["id"] for customer in [*saved, after.json()])
    logged = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(logged) == 1 and logged[0].exc_info is None, [record.getMessage() for record in logged]
    assert "full" in logged[0].getMessage()


def test_the_answer_to_a_write_on_full_storage_says_storage_full(
    store_connections: list[sqlite3.Connection],
) -> None:
    with running(KEY) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as api:
        _, answer = fill(api, writer_of(store_connections))
    assert answer.status_code == 503
    assert answer.json()["code"] == StorageFull.code == "storage_full"
    assert answer.headers["retry-after"] == str(StorageFull.retry_after)
