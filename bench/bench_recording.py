"""Benchmark of recording traffic: the per-call cost of `connect(record_to=...)` against recording off.

Run: .venv/bin/python bench/bench_recording.py [--rounds 40 --batch 50]
`get_customer` through `malomo.call` on three clients of the reference server (in its own process), in
alternating batches with the order reversed every round: recording off, recording on (the default:
key redacted, personal data masked), and recording on with `record_personal_data=True`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from bench_client import API_KEY, fill_database, reference_server, time_alternating

import malomo
from malomo_client.api.customers import get_customer


def per_call(
    base_url: str, customer_id: str, rounds: int, batch: int, folder: Path
) -> dict[str, dict[str, float]]:
    """Median wall time and client CPU per call (us) of each variant, and their ratios to recording off."""
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
    # Client CPU (user + system, the file writes included) is what recording costs the client, and is
    # less exposed than wall time to the other jobs of a shared machine.
    results = time_alternating(variants, rounds, batch)
    for client in clients.values():
        client.get_httpx_client().close()
    return {
        name: {key: round(value, 3) for key, value in figures.items()} for name, figures in results.items()
    }


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
