"""Benchmark of the malomo client runtime on the reference server: per-call cost, pagination speed, memory.
Every figure is a ratio against raw httpx measured in the same run, interleaved: the machine is noisy."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from bench_server import served

import malomo
from malomo_client.api.customers import get_customer, list_customers
from malomo_mock.customers_store import CustomersStore

API_KEY = "sk_test_bench_key"
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "Accept": "application/vnd.malomo+json; version=2",
    "User-Agent": "bench",
}


def fill_database(path: Path, customers: int) -> str:
    """Write `customers` rows straight into the server's SQLite store; return the first customer's id."""
    store = CustomersStore(str(path))
    start_us = 1_548_855_000_000_000
    ids = [str(uuid.uuid4()) for _ in range(customers)]
    store.insert_customers(  # the server's own code, so the rows are what the server writes
        {
            "id": id_,
            "email": f"customer{n}@example.com",
            "first_name": "Johnny",
            "last_name": f"Rose{n}",
            "phone_number": "555-555-5555",
            "created_us": start_us + n,
            "updated_us": start_us + n,
        }
        for n, id_ in enumerate(ids)
    )
    store.close()
    return ids[0]


@contextmanager
def reference_server(db: Path, page_size: int) -> Iterator[str]:
    """`malomo-mock` over `db` in a subprocess (so it does not share the client's GIL); its base URL."""
    command = [sys.executable, "-m", "malomo_mock.cli", "--port", "0", "--api-key", API_KEY]
    with served([*command, "--db", str(db), "--page-size", str(page_size)]) as started:
        # bench_server.served() yields the URL, or (URL, process id) since bench_server measures the process.
        yield started[0] if isinstance(started, tuple) else started


def per_call(base_url: str, customer_id: str, rounds: int, batch: int) -> dict[str, dict[str, float]]:
    """Alternate batches of get_customer through raw httpx / the generated function / malomo.call /
    Malomo's client.customers.retrieve."""
    cid = uuid.UUID(customer_id)
    with (
        malomo.connect(API_KEY, base_url=base_url) as client,
        malomo.Malomo(API_KEY, base_url=base_url) as resources,
        httpx.Client(base_url=base_url, headers=HEADERS, timeout=30.0) as raw,
    ):

        def via_raw() -> object:
            response = raw.get(f"/customers/{customer_id}")
            response.raise_for_status()
            return response.json()

        variants: dict[str, Callable[[], object]] = {
            "raw httpx GET + .json()": via_raw,
            "generated sync_detailed (connect)": lambda: (
                get_customer.sync_detailed(cid, client=client).parsed
            ),
            "malomo.call(get_customer)": lambda: malomo.call(get_customer.sync_detailed, cid, client=client),
            "client.customers.retrieve (Malomo)": lambda: resources.customers.retrieve(cid),
            "client.customers.retrieve(str id)": lambda: resources.customers.retrieve(customer_id),
        }
        return time_alternating(variants, rounds, batch)


def time_alternating(
    variants: dict[str, Callable[[], object]], rounds: int, batch: int
) -> dict[str, dict[str, float]]:
    """Warm up, then time batches of each variant, alternating, the order reversed every round. For each:
    medians of the wall time and of the process's own CPU (user + system) per call, and their ratios to
    the first variant's."""
    for function in variants.values():  # warm up connections and caches
        for _ in range(batch):
            function()
    wall: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else names[::-1]:
            function = variants[name]
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(batch):
                function()
            wall[name].append((time.perf_counter() - started) / batch)
            cpu[name].append((time.process_time() - started_cpu) / batch)
    wall_median = {name: statistics.median(wall[name]) for name in names}
    cpu_median = {name: statistics.median(cpu[name]) for name in names}
    return {
        name: {
            "wall_us": wall_median[name] * 1e6,
            "client_cpu_us": cpu_median[name] * 1e6,
            "wall_ratio": wall_median[name] / wall_median[names[0]],
            "cpu_ratio": cpu_median[name] / cpu_median[names[0]],
        }
        for name in names
    }


def profile_calls(base_url: str, customer_id: str, calls: int) -> str:
    """cProfile of `calls` malomo.call(get_customer) calls: where the client's own time goes."""
    cid = uuid.UUID(customer_id)
    profiler = cProfile.Profile()
    with malomo.connect(API_KEY, base_url=base_url) as client:
        for _ in range(50):
            malomo.call(get_customer.sync_detailed, cid, client=client)
        profiler.enable()
        for _ in range(calls):
            malomo.call(get_customer.sync_detailed, cid, client=client)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(12)
    # The layers above httpx: the malomo runtime and the generated function + model.
    stats.sort_stats("cumulative").print_stats(r"malomo(_client)?/", 14)
    return out.getvalue()


def raw_pages(raw: httpx.Client) -> Iterator[dict[str, Any]]:
    """The baseline: raw httpx GET + .json(), following the Link rel="next" URLs."""
    url: str | None = "/customers"
    while url is not None:
        response = raw.get(url)
        response.raise_for_status()
        yield from response.json()
        url = response.links.get("next", {}).get("url")


def pagination_throughput(
    base_url: str, expected: int, chunk: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Walk every customer with paginate(), Malomo's client.customers.list() and raw httpx, alternating
    chunks of `chunk` items; the items per second and the seconds of each."""
    with (
        malomo.connect(API_KEY, base_url=base_url) as client,
        malomo.Malomo(API_KEY, base_url=base_url) as resources,
        httpx.Client(base_url=base_url, headers=HEADERS, timeout=30.0) as raw,
    ):
        walkers: dict[str, Iterator[Any]] = {
            "paginate(list_customers)": malomo.paginate(list_customers.sync_detailed, client=client),
            "client.customers.list() (Malomo)": iter(resources.customers.list()),
            "raw httpx + Link": raw_pages(raw),
        }
        elapsed = dict.fromkeys(walkers, 0.0)
        counts = dict.fromkeys(walkers, 0)
        live = list(walkers)
        turn = 0
        while live:
            for name in live if turn % 2 == 0 else live[::-1]:
                started = time.perf_counter()
                taken = sum(1 for _ in zip(range(chunk), walkers[name], strict=False))
                elapsed[name] += time.perf_counter() - started
                counts[name] += taken
                if taken < chunk:
                    live.remove(name)
            turn += 1
    for name, count in counts.items():
        if count != expected:
            raise RuntimeError(f"{name} saw {count} items, expected {expected}")
    return {name: counts[name] / elapsed[name] for name in walkers}, elapsed


async def async_raw_pages(raw: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """The async baseline: raw httpx.AsyncClient GET + .json(), following the Link rel="next" URLs."""
    url: str | None = "/customers"
    while url is not None:
        response = await raw.get(url)
        response.raise_for_status()
        for item in response.json():
            yield item
        url = response.links.get("next", {}).get("url")


async def async_pagination_throughput(base_url: str, expected: int, chunk: int) -> dict[str, float]:
    """Walk every customer with ``async for`` over AsyncMalomo's client.customers.list() (the paginator), over
    its awaited first page (the page object), and with raw httpx.AsyncClient, alternating chunks of `chunk`
    items on one event loop; items per second."""
    async with (
        malomo.AsyncMalomo(API_KEY, base_url=base_url) as resources,
        httpx.AsyncClient(base_url=base_url, headers=HEADERS, timeout=30.0) as raw,
    ):
        walkers: dict[str, AsyncIterator[Any]] = {
            "async for client.customers.list()": aiter(resources.customers.list()),
            "async for (await ...list()), page": aiter(await resources.customers.list()),
            "raw httpx.AsyncClient + Link": async_raw_pages(raw),
        }
        elapsed = dict.fromkeys(walkers, 0.0)
        counts = dict.fromkeys(walkers, 0)
        live = list(walkers)
        turn = 0
        while live:
            for name in live if turn % 2 == 0 else live[::-1]:
                started = time.perf_counter()
                taken = 0
                async for _ in walkers[name]:
                    taken += 1
                    if taken == chunk:
                        break
                elapsed[name] += time.perf_counter() - started
                counts[name] += taken
                if taken < chunk:
                    live.remove(name)
            turn += 1
    for name, count in counts.items():
        if count != expected:
            raise RuntimeError(f"{name} saw {count} items, expected {expected}")
    return {name: counts[name] / elapsed[name] for name in walkers}


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def memory_child(base_url: str, expected: int, trace: bool) -> dict[str, float]:
    """In a fresh process: walk everything with paginate(); peak RSS growth (and tracemalloc peak)."""
    client = malomo.connect(API_KEY, base_url=base_url)
    pages = malomo.paginate(list_customers, client=client)
    next(pages)  # imports done, connection open, first page parsed
    if trace:
        tracemalloc.start()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_before = _rss_kib()
    count = 1 + sum(1 for _ in pages)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "peak_rss_mib_before": peak_before / 1024,
        "peak_rss_mib_after": peak_after / 1024,
        "peak_rss_growth_mib": (peak_after - peak_before) / 1024,
        "rss_growth_mib": (_rss_kib() - rss_before) / 1024,
    }
    if trace:
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    if count != expected:
        raise RuntimeError(f"paginate saw {count} items, expected {expected}")
    return result


def run_memory_child(base_url: str, expected: int, trace: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--memory-child", base_url, "--customers", str(expected)]
    if trace:
        command.append("--trace")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=40, help="per-call: alternating rounds (default 40)")
    parser.add_argument("--batch", type=int, default=50, help="per-call: calls per batch (default 50)")
    parser.add_argument(
        "--customers", type=int, default=100_000, help="customers to paginate (default 100000)"
    )
    parser.add_argument("--page-size", type=int, default=25, help="server page size (default 25, the API's)")
    parser.add_argument("--chunk", type=int, default=2_000, help="pagination: items per alternating chunk")
    parser.add_argument("--profile", type=int, default=2_000, help="calls to profile; 0 skips the profile")
    parser.add_argument("--memory-child", metavar="BASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def report_walks(base_url: str, args: argparse.Namespace) -> None:
    """The sync and async walks against raw httpx, then the walk's memory in a fresh process."""
    print(f"\n## paginate over {args.customers} customers, page size {args.page_size}")
    rates, seconds = pagination_throughput(base_url, args.customers, args.chunk)
    for name, rate in rates.items():
        print(f"{name:36} {rate:9.0f} items/s  ({seconds[name]:.1f}s)")
    for name in ("paginate(list_customers)", "client.customers.list() (Malomo)"):
        ratio = rates[name] / rates["raw httpx + Link"]
        print(f"throughput ratio {name} / raw: {ratio:.3f}  (goal >= 0.8)")

    async_rates = asyncio.run(async_pagination_throughput(base_url, args.customers, args.chunk))
    for name, rate in async_rates.items():
        print(f"{name:36} {rate:9.0f} items/s")
    *walked, baseline = async_rates.values()
    for name, rate in zip(async_rates, walked, strict=False):
        print(f"throughput ratio {name} / raw async: {rate / baseline:.3f}")

    memory = run_memory_child(base_url, args.customers, trace=False)
    print(
        f"memory (fresh process, after the first page): peak RSS growth "
        f"{memory['peak_rss_growth_mib']:.2f} MiB (peak RSS {memory['peak_rss_mib_before']:.1f} -> "
        f"{memory['peak_rss_mib_after']:.1f} MiB), RSS growth {memory['rss_growth_mib']:.2f} MiB"
        "  (goal < 20)"
    )
    traced = run_memory_child(base_url, args.customers, trace=True)
    print(f"tracemalloc peak over the walk: {traced['tracemalloc_peak_mib']:.2f} MiB")


def main() -> int:
    args = arguments()
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.customers, args.trace)))
        return 0

    print(f"python {sys.version.split()[0]}, httpx {httpx.__version__}, {os.cpu_count()} CPUs (shared)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        first_id = fill_database(db, args.customers)
        print(f"filled {args.customers} customers in {time.perf_counter() - started:.1f}s")
        with reference_server(db, args.page_size) as base_url:
            print(f"\n## per call: get_customer, {args.rounds} rounds x {args.batch} calls, medians")
            for name, figures in per_call(base_url, first_id, args.rounds, args.batch).items():
                print(
                    f"{name:36} wall {figures['wall_us']:7.0f} us  x{figures['wall_ratio']:.3f}   "
                    f"client CPU {figures['client_cpu_us']:6.0f} us  x{figures['cpu_ratio']:.3f}"
                )
            report_walks(base_url, args)
            if args.profile:
                print(f"\n## cProfile of {args.profile} malomo.call(get_customer), by own time")
                print(profile_calls(base_url, first_id, args.profile))
    return 0

if __name__ == "__main__":
    sys.exit(main())
