"""Benchmark of recording traffic: the per-call cost of `connect(record_to=...)` against recording off,
on the reference server; `malomo.call(get_customer)` in alternating batches (see bench/README.md)."""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench_client import API_KEY, fill_database, reference_server, time_alternating

import malomo
from malomo_client.api.customers import get_customer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.sqlite3"
        cid = uuid.UUID(fill_database(db, 1000))
        with (
            reference_server(db, page_size=25) as base_url,
            malomo.connect(API_KEY, base_url=base_url) as off,
            malomo.connect(API_KEY, base_url=base_url, record_to=folder / "masked.har") as masked,
            malomo.connect(
                API_KEY, base_url=base_url, record_to=folder / "kept.har", record_personal_data=True
            ) as kept,
        ):
            clients = {
                "recording off": off,
                "recording on (personal data masked)": masked,
                "recording on (record_personal_data=True)": kept,
            }
            variants: dict[str, Callable[[], object]] = {
                name: partial(malomo.call, get_customer.sync_detailed, cid, client=client)
                for name, client in clients.items()
            }
            # Client CPU (user + system, the file writes included) is what recording costs the client,
            # and is less exposed than wall time to the other jobs of a shared machine.
            results = time_alternating(variants, args.rounds, args.batch)
    rounded = {
        name: {key: round(value, 3) for key, value in figures.items()} for name, figures in results.items()
    }
    print(json.dumps(rounded, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
