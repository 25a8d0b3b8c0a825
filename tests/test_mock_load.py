"""Reference server under load: concurrent creates, and durability of acknowledged writes across SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from malomo_mock import running

MALOMO_MOCK = str(Path(sys.executable).parent / "malomo-mock")


def test_eight_threads_of_250_creates_make_exactly_2000_retrievable_customers() -> None:
    with running(page_size=500) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}

        def create_many(worker: int) -> list[str]:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                ids = []
                for n in range(250):
                    response = client.post("/customers", json={"email": f"w{worker}.{n}@load.test"})
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
                if 'rel="next"' not in response.headers.get("link", ""):
                    break
                response = client.get(response.links["next"]["url"])
            assert sorted(listed) == sorted(ids)
            for customer_id in ids[::50]:
                assert client.get(f"/customers/{customer_id}").status_code == 200


def _start(db: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [MALOMO_MOCK, "--port", "0", "--api-key", "sk_test_dur", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on " in line, line
    return process, line.strip().split("listening on ")[1]


def test_every_acknowledged_create_survives_a_sigkill_during_writes(tmp_path: Path) -> None:
    db = tmp_path / "durable.sqlite"
    process, base_url = _start(db)
    headers = {"Authorization": "Bearer sk_test_dur"}
    acknowledged: list[dict[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=5) as client:
            n = 0
            while not stop.is_set():
                try:
                    response = client.post("/customers", json={"email": f"d{n}@durable.test"})
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
        deadline = time.monotonic() + 10
        while len(acknowledged) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        stop.set()
        for thread in writers:
            thread.join()
        if process.stdout is not None:
            process.stdout.close()
    assert len(acknowledged) >= 200
    process, base_url = _start(db)
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
            for customer in acknowledged:
                assert client.get(f"/customers/{customer['id']}").json() == customer
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        if process.stdout is not None:
            process.stdout.close()
