"""Benchmark of recording traffic: the per-call cost of `connect(record_to=...)` against recording off.

Run: .venv/bin/python bench/bench_recording.py [--rounds 40 --batch 50]
`get_customer` through `malomo.call` on three clients of the reference server (in its own process), in
alternating batches with the order reversed every round: recording off, recording on (the default:
key redacted, personal data masked), and recording on with `record_personal_data=True`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench_client import API_KEY, fill_database, reference_server

import malomo
from malomo_client.api.customers import get_customer


def per_call(base_url: str, customer_id: str, rounds: int, batch: int, folder: Path) -> dict[str, float]:
    """Median wall time per call (us) of each variant, and each one's ratio to recording off."""
    clients = {
        "recording off": malomo.connect(API_KEY, base_url=base_url),
        "recording on (personal data masked)": malomo.connect(
            API_KEY, base_url=base_url, record_to=folder / "masked.har"
        ),
        "recording on (record_personal_data=True)": malomo.connect(
            API_KEY, base_url=base_url, record_to=folder / "kept.har", record_personal_data=True
        ),
    }
    cid = uuid.UUID(customer_id)

    def caller(client: malomo.MalomoClient) -> Callable[[], object]:
        return lambda: malomo.call(get_customer.sync_detailed, cid, client=client)

    variants = {name: caller(client) for name, client in clients.items()}
    for function in variants.values():
        for _ in range(batch):
            function()
    wall: dict[str, list[float]] = {name: [] for name in variants}
    # The client process's own CPU (user + system, the file writes included): what recording costs it,
    # less exposed than wall time to the other jobs of a shared machine.
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else names[::-1]:
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(batch):
                variants[name]()
            wall[name].append((time.perf_counter() - started) / batch)
            cpu[name].append((time.process_time() - started_cpu) / batch)
    for client in clients.values():
        client.get_httpx_client().close()
    results: dict[str, float] = {}
    for label, samples in (("wall", wall), ("client CPU", cpu)):
        base = statistics.median(samples[names[0]])
        for name in names:
            results[f"{name}: {label} us per call"] = round(statistics.median(samples[name]) * 1e6, 1)
            results[f"{name}: {label} ratio"] = round(statistics.median(samples[name]) / base, 3)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.sqlite3"
        customer_id = fill_database(db, 1000)
        with reference_server(db, page_size=25) as base_url:
            results = per_call(base_url, customer_id, args.rounds, args.batch, Path(folder))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
