"""Reference server over a `--db` file that misbehaves: a write lock held by another process answers 503 with
`Retry-After` while reads go on, and a failure inside the store is a logged 500 with its request id.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import MockProcess

from malomo_mock import create_app
from malomo_mock.serving import ServerThread, base_url_of, bind_socket
from support.customer_bodies import new_customer

KEY = "sk_test_store_faults"
HEADERS = {"Authorization": f"Bearer {KEY}"}


@pytest.mark.slow
def test_a_write_lock_held_elsewhere_is_503_with_retry_after_while_reads_are_answered(tmp_path: Path) -> None:
    db = tmp_path / "locked.sqlite"
    app = create_app(KEY, db=db, lock_timeout=2)
    sock = bind_socket("127.0.0.1", 0)
    server = ServerThread(app, sock)
    server.start()
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        with httpx.Client(base_url=base_url_of(sock), headers=HEADERS, timeout=30) as api:
            existing = api.post("/customers", json=new_customer(email="before@lock.test")).json()
            holder.execute("BEGIN IMMEDIATE")  # another process's write lock on the file
            answers: list[httpx.Response] = []
            writer = threading.Thread(
                target=lambda: answers.append(
                    api.post("/customers", json=new_customer(email="during@lock.test"))
                )
            )
            writer.start()
            time.sleep(0.3)  # lets the POST reach the lock; the assertions below do not depend on it
            reads = [api.get(f"/customers/{existing['id']}") for _ in range(5)] + [api.get("/customers")]
            write_still_waiting = writer.is_alive()
            writer.join()
        assert [read.status_code for read in reads] == [200] * len(reads)
        assert write_still_waiting, "the reads were answered only after the write gave up"
        [answer] = answers
        assert answer.status_code == 503
        assert answer.headers["retry-after"].isdigit()
        body = answer.json()
        assert set(body) == {"code", "message", "request_id", "status"} and body["status"] == 503
        assert body["request_id"] == answer.headers["x-request-id"]
    finally:
        holder.close()
        server.stop()
        app.state.store.close()


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
