"""Reference server over a `--db` file that misbehaves: writes behind a lock held by another process are each
answered 503 with `Retry-After` within their lock wait while reads go on, and a failure inside the store is a
logged 500 with its request id.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
from conftest import MockProcess

from malomo_mock import running
from malomo_mock.store_database import StoreBusy
from support.customer_bodies import new_customer

KEY = "sk_test_store_faults"
HEADERS = {"Authorization": f"Bearer {KEY}"}


# The 50 writes' lock wait, and the most the lock is held for them: half the 50 lock waits the writes would
# take if each waited a whole one after the write before it (the fault this guards against), and 25 lock
# waits more than each write may take from its arrival.
LOCK_WAIT = 0.2
HELD_AT_MOST = 25 * LOCK_WAIT


def test_50_writes_behind_a_held_lock_each_get_503_before_it_is_released(tmp_path: Path) -> None:
    db = tmp_path / "locked.sqlite"
    with running(KEY, db=db, lock_timeout=LOCK_WAIT) as server, closing(sqlite3.connect(db)) as holder:
        holder.isolation_level = None
        holder.execute("BEGIN EXCLUSIVE")  # another process's lock on the file
        held = [True]

        def release() -> None:
            held[0] = False
            holder.execute("ROLLBACK")

        answers = asyncio.run(writes_behind_the_lock(server.base_url, 50, release, held))
        assert all(lock_held for _, _, lock_held in answers), (
            "answered only once the lock was released, seconds from each send: "
            + str([round(seconds, 2) for _, seconds, _ in answers])
        )
        for answer, _, _ in answers:
            assert answer.status_code == 503 and answer.headers["retry-after"].isdigit()
            body = answer.json()
            assert set(body) == {"code", "message", "request_id", "status"} and body["status"] == 503
            assert body["code"] == StoreBusy.code and body["request_id"] == answer.headers["x-request-id"]
        with httpx.Client(base_url=server.base_url, headers=HEADERS) as api:
            assert api.post("/customers", json=new_customer(email="after@lock.test")).status_code == 200


async def writes_behind_the_lock(
    base_url: str, count: int, release: Callable[[], None], held: list[bool]
) -> list[tuple[httpx.Response, float, bool]]:
    """Send `count` creates at once, release the lock when all are answered (or `HELD_AT_MOST` after they
    were sent); each answer with the seconds since its own send and whether the lock was still held."""
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=base_url, headers=HEADERS, timeout=60, limits=limits) as api:

        async def create(n: int) -> tuple[httpx.Response, float, bool]:
            sent = time.monotonic()
            answer = await api.post("/customers", json=new_customer(email=f"w{n}@lock.test"))
            return answer, time.monotonic() - sent, held[0]

        writes = [asyncio.create_task(create(n)) for n in range(count)]
        await asyncio.wait(writes, timeout=HELD_AT_MOST)
        release()
        return list(await asyncio.gather(*writes))


def test_reads_are_answered_while_a_write_waits_for_a_lock_held_elsewhere(tmp_path: Path) -> None:
    db = tmp_path / "locked.sqlite"
    with (
        running(KEY, db=db, lock_timeout=60) as server,
        httpx.Client(base_url=server.base_url, headers=HEADERS, timeout=60) as api,
        closing(sqlite3.connect(db)) as holder,
    ):
        existing = api.post("/customers", json=new_customer(email="before@lock.test")).json()
        holder.isolation_level = None
        holder.execute("BEGIN IMMEDIATE")  # another process's write lock on the file
        answers: list[httpx.Response] = []
        create = new_customer(email="during@lock.test")
        writer = threading.Thread(target=lambda: answers.append(api.post("/customers", json=create)))
        writer.start()
        reads = [api.get(f"/customers/{existing['id']}") for _ in range(5)] + [api.get("/customers")]
        write_still_waiting = writer.is_alive()
        holder.execute("ROLLBACK")
        writer.join()
    assert [read.status_code for read in reads] == [200] * len(reads)
    assert write_still_waiting, "the write gave up within the 60 s lock wait"
    assert [answer.status_code for answer in answers] == [200]


def test_a_500_is_logged_on_stderr_with_its_request_id_and_traceback_without_the_body_or_key(
    tmp_path: Path, spawn: type[MockProcess]
) -> None:
    db = tmp_path / "broken.sqlite"
    mock = spawn("--api-key", KEY, "--db", str(db))
    with sqlite3.connect(db) as other:
        other.execute("DROP TABLE events")  # every create now fails inside the store
    other.close()
    email = "secret.person@private.test"
    response = httpx.post(f"{mock.base_url}/customers", json=new_customer(email=email), headers=HEADERS)
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json()["request_id"] == request_id
    mock.stop()
    [logged] = [line for line in mock.stderr.splitlines() if request_id in line]
    assert logged.startswith("malomo-mock: ERROR: ") and re.search(r"\b500\b", logged)
    assert "Traceback" in mock.stderr and "no such table: events" in mock.stderr
    assert email not in mock.stderr and KEY not in mock.stderr


EMBEDDED_SERVER_WITH_A_BROKEN_STORE = """
import json, sqlite3, sys, httpx
from malomo_mock import running
with running(sys.argv[1], db=sys.argv[2]) as server:
    with sqlite3.connect(sys.argv[2]) as other:
        other.execute("DROP TABLE events")
    answer = httpx.post(f"{server.base_url}/customers", json=json.loads(sys.argv[3]),
                        headers={"Authorization": f"Bearer {server.api_key}"})
    print(answer.status_code, answer.headers["x-request-id"])
"""


def test_an_embedded_server_shows_its_500_on_stderr_when_nothing_configured_logging(tmp_path: Path) -> None:
    # Only the CLI configures the malomo_mock logger; embedded, Python's last-resort handler writes stderr.
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            EMBEDDED_SERVER_WITH_A_BROKEN_STORE,
            KEY,
            str(tmp_path / "broken.sqlite"),
            json.dumps(new_customer(email="a@b.co")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, request_id = ran.stdout.split()
    assert status == "500"
    assert f"request {request_id} (POST /customers) answered 500" in ran.stderr
    assert "no such table: events" in ran.stderr
