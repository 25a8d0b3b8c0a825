"""Reference server under load: concurrent creates, and durability of acknowledged writes across SIGKILL."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import MockProcess

from malomo_mock import running
from support.customer_bodies import new_customer

# Thousands of writes from threads, and a server killed mid-write.
pytestmark = pytest.mark.slow


def test_eight_threads_of_250_creates_make_exactly_2000_retrievable_customers() -> None:
    with running(page_size=500) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}

        def create_many(worker: int) -> list[str]:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                ids = []
                for n in range(250):
                    response = client.post("/customers", json=new_customer(email=f"w{worker}.{n}@load.test"))
                    assert response.status_code == 200, response.text
                    ids.append(response.json()["id"])
                return ids

        with ThreadPoolExecutor(8) as pool:
            ids = [customer_id for batch in pool.map(create_many, range(8)) for customer_id in batch]
        assert len(ids) == len(set(ids)) == 2000
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            listed: list[str] = []
            response = client.get("/customers")
            while True:
                listed.extend(item["id"] for item in response.json())
                if "next" not in response.links:
                    break
                response = client.get(response.links["next"]["url"])
            assert sorted(listed) == sorted(ids)
            for customer_id in ids[::50]:
                assert client.get(f"/customers/{customer_id}").status_code == 200


def test_every_acknowledged_create_survives_a_sigkill_during_writes(
    tmp_path: Path, spawn: type[MockProcess]
) -> None:
    db = str(tmp_path / "durable.sqlite")
    mock = spawn("--api-key", "sk_test_dur", "--db", db)
    headers = {"Authorization": "Bearer sk_test_dur"}
    acknowledged: list[dict[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=mock.base_url, headers=headers, timeout=5) as client:
            n = 0
            while not stop.is_set():
                try:
                    response = client.post("/customers", json=new_customer(email=f"d{n}@durable.test"))
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    with lock:
                        acknowledged.append(response.json())
                n += 1

    writers = [threading.Thread(target=write) for _ in range(4)]
    for thread in writers:
        thread.start()
    try:
        deadline = time.monotonic() + 60  # a generous bound: 200 writes take about a second
        while len(acknowledged) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        mock.stop(signal.SIGKILL)
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    assert len(acknowledged) >= 200
    restarted = spawn("--api-key", "sk_test_dur", "--db", db)
    with httpx.Client(base_url=restarted.base_url, headers=headers, timeout=10) as client:
        for customer in acknowledged:
            assert client.get(f"/customers/{customer['id']}").json() == customer
    assert restarted.stop(signal.SIGTERM) == 0
