"""Benchmark of the reference server: GET throughput against Prism, a minimal Starlette app and itself
without `http_guard`, list latency vs size. Needs `wrk`, and `npx` for Prism; prints figures, asserts
nothing."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from malomo_mock.app import create_app
from malomo_mock.cursors import CursorCodec
from malomo_mock.customer_handlers import CUSTOMERS_LIST
from malomo_mock.customers_store import CustomersStore
from malomo_mock.openapi_contract import load_contract
from malomo_mock.serving import ServerThread, base_url_of, bind_socket, uvicorn_server
from malomo_mock.store_records import Position
from malomo_spec import DEFAULT_SPEC

API_KEY = "sk_test_bench"
BIN = Path(sys.executable).parent
PRISM = "@stoplight/prism-cli@5.16.0"
SPEC = DEFAULT_SPEC
CONTRACT = load_contract(SPEC)
GET_CUSTOMER = CONTRACT.operation("getCustomer").operation
CUSTOMERS_PATH = CONTRACT.operation("listCustomers").path
AFTER_CURSOR = CONTRACT.cursor_parameters("listCustomers").after


def spec_example_customer() -> dict[str, Any]:
    """The first example of the spec's getCustomer answer (Johnny)."""
    media = CONTRACT.resolve(GET_CUSTOMER.responses["200"])["content"]["application/json"]
    return dict(CONTRACT.resolve(next(iter(media["examples"].values())))["value"])


# The spec's example customer, as the minimal app answers it and the servers store him.
JOHNNY = spec_example_customer()
FIXED_CUSTOMER = json.dumps(JOHNNY, separators=(",", ":")).encode()


async def fixed_customer(request: Request) -> Response:
    return Response(FIXED_CUSTOMER, media_type="application/json")


def serve_minimal_app() -> None:
    """The baseline: Starlette on uvicorn with the reference server's settings, one fixed customer JSON."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    sock = bind_socket("127.0.0.1", 0)
    server = ServerThread(Starlette(routes=[Route(GET_CUSTOMER.path, fixed_customer)]), sock)
    server.start()
    print(f"listening on {base_url_of(sock)}", flush=True)
    signal.sigwait({signal.SIGTERM})
    server.stop()


def serve_unguarded_mock() -> None:
    """The reference server (in memory) served as the CLI serves it, in a thread, but on uvicorn's own
    httptools protocol instead of `http_guard`'s."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn_server(create_app(API_KEY))
    server.config.http = "httptools"
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    while not server.started:
        thread.join(0.01)
    print(f"listening on {base_url_of(sock)}", flush=True)
    signal.sigwait({signal.SIGTERM})
    server.should_exit = True
    thread.join()


@contextmanager
def served(command: list[str]) -> Iterator[tuple[str, int]]:
    """Run a server subprocess that prints `... listening on URL`; yield the URL and its process id."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"server did not start: {line!r}")
        yield line.strip().split("listening on ")[1], process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        process.stdout.close()


@contextmanager
def served_by_prism() -> Iterator[str]:
    """Prism mocking the same spec (static examples), its request log off; yield its URL once it answers."""
    with prism("mock") as base_url:
        yield base_url


@contextmanager
def prism(mode: str, *after_spec: str, headers: dict[str, str] | None = None) -> Iterator[str]:
    """`prism MODE ... SPEC *after_spec` (`mock`, or `proxy` with the upstream after the spec), its log at
    errors only; yield its URL once a GET of the list (with `headers`) gets an answer."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    command = ["npx", "--yes", PRISM, mode, "-h", "127.0.0.1", "-p", str(port), "--verboseLevel", "error"]
    # Its own session: npx starts Prism as a child, and the whole group must stop at the end.
    process = subprocess.Popen(
        [*command, str(SPEC), *after_spec],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # the first npx run downloads Prism
        while True:
            try:
                httpx.get(f"{base_url}{CUSTOMERS_PATH}", headers=headers, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Prism did not start") from None
                time.sleep(0.5)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def wrk(url: str, seconds: int) -> tuple[float, int]:
    """Requests per second, and requests made, of `wrk -t2 -c32 -d{seconds}s` for GET url with the key."""
    output = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", f"Authorization: Bearer {API_KEY}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"wrk saw {non_2xx.group(1)} error answers from {url}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    made = re.search(r"(\d+) requests in", output)
    assert rate is not None and made is not None, output
    return float(rate.group(1)), int(made.group(1))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mock_command(db: Path | None = None) -> list[str]:
    command = [str(BIN / "malomo-mock"), "--port", "0", "--api-key", API_KEY]
    return [*command, "--db", str(db)] if db is not None else command


def create_johnny(base_url: str) -> str:
    body = CONTRACT.operation("createCustomer").body
    fields = {name: value for name, value in JOHNNY.items() if body is None or name in body.properties}
    created = httpx.post(
        f"{base_url}{CUSTOMERS_PATH}", json=fields, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    return str(created.json()["id"])


def customer_url(base_url: str, customer_id: str) -> str:
    return base_url + GET_CUSTOMER.url_path(dict.fromkeys(GET_CUSTOMER.path_parameters, customer_id))


def throughput(seconds: int, rounds: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Requests per second for GET /customers/{id} of malomo-mock, malomo-mock without http_guard, the
    minimal app and Prism, `rounds` times each (after a 2 s warm-up); and the server CPU microseconds per
    request of the Python servers over all rounds. All four run at once and are measured in turn, the
    order rotated every round, so that a change in the machine's load falls on all of them."""
    with ExitStack() as stack:
        mock, mock_pid = stack.enter_context(served(mock_command()))
        unguarded, unguarded_pid = stack.enter_context(served([sys.executable, __file__, "--serve-bare"]))
        minimal, minimal_pid = stack.enter_context(served([sys.executable, __file__, "--serve-minimal"]))
        prism = stack.enter_context(served_by_prism())
        customer_id = create_johnny(mock)
        servers = {
            "malomo-mock": (customer_url(mock, customer_id), mock_pid),
            "without guard": (customer_url(unguarded, create_johnny(unguarded)), unguarded_pid),
            "minimal app": (customer_url(minimal, customer_id), minimal_pid),
            f"Prism {PRISM.rsplit('@', 1)[1]}": (customer_url(prism, customer_id), None),
        }
        names = list(servers)
        rates: dict[str, list[float]] = {name: [] for name in names}
        cpu = dict.fromkeys(names, 0.0)
        made = dict.fromkeys(names, 0)
        for url, _ in servers.values():
            wrk(url, 2)
        for n in range(rounds):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                url, pid = servers[name]
                before = cpu_seconds(pid) if pid is not None else 0.0
                rate, requests = wrk(url, seconds)
                rates[name].append(rate)
                made[name] += requests
                cpu[name] += cpu_seconds(pid) - before if pid is not None else 0.0
    python_servers = [name for name, (_, pid) in servers.items() if pid is not None]
    return rates, {name: cpu[name] / made[name] * 1e6 for name in python_servers}


def median_ratio(rates: dict[str, list[float]], name: str, baseline: str) -> float:
    """The median over the rounds of `name`'s rate over `baseline`'s in the same round."""
    return statistics.median(rate / base for rate, base in zip(rates[name], rates[baseline], strict=True))


def serving_stack() -> str:
    """The HTTP parser and event loop uvicorn picks for the reference server here."""
    config = uvicorn_server(Starlette()).config
    config.load()
    loop_factory = config.get_loop_factory()
    loop = loop_factory.__module__ if loop_factory is not None else "asyncio"
    return f"{config.http_protocol_class.__name__}, event loop from {loop}"


def customer_id(n: int) -> str:
    return str(uuid.UUID(int=n + 1, version=4))


def fill(db: Path, count: int) -> tuple[bytes, Position]:
    """Bulk-insert `count` customers one microsecond apart; the cursor secret and the middle position."""
    start = 1_500_000_000_000_000
    with closing(CustomersStore(str(db))) as store:
        store.bulk_insert_customers(
            (customer_id(n), f"c{n}@bench.test", "First", "Last", None, start + n, start + n)
            for n in range(count)
        )
        return store.cursor_secret, Position(start + count // 2, customer_id(count // 2))


def list_latency(db: Path, count: int, requests: int) -> tuple[float, float]:
    """(median, p95) milliseconds of GET /customers?next=<middle cursor> on a store of `count` customers."""
    secret, middle = fill(db, count)
    url_path = f"{CUSTOMERS_PATH}?{AFTER_CURSOR}={CursorCodec(secret).encode(CUSTOMERS_LIST, middle)}"
    with (
        served(mock_command(db)) as (base_url, _),
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as client,
    ):
        samples = []
        for n in range(requests + 50):
            started = time.perf_counter()
            response = client.get(url_path)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and len(response.json()) == 25
            if n >= 50:
                samples.append(elapsed * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve-minimal", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per server (default 3)")
    parser.add_argument("--large", type=int, default=1_000_000, help="customers in the large store")
    parser.add_argument("--requests", type=int, default=1000, help="list requests timed per store")
    args = parser.parse_args()
    if args.serve_minimal:
        serve_minimal_app()
        return
    if args.serve_bare:
        serve_unguarded_mock()
        return
    rates, per_request = throughput(args.seconds, args.rounds)
    print(f"GET /customers/{{id}}  wrk -t2 -c32 -d{args.seconds}s, {args.rounds} rounds (median, each round)")
    for name, rounds in rates.items():
        each = " ".join(f"{rate:.0f}" for rate in rounds)
        cpu = f", server CPU {per_request[name]:.1f} us/request" if name in per_request else ""
        print(f"  {name:14} {statistics.median(rounds):8.0f} req/s  ({each}{cpu})")
    print(f"  served by {serving_stack()}")
    mock, unguarded, minimal, prism = rates
    print(f"  ratio to the minimal app  {median_ratio(rates, mock, minimal):5.2f}  (goal >= 0.6)")
    print(f"  ratio to Prism            {median_ratio(rates, mock, prism):5.2f}  (goal >= 2.5)")
    print(f"  ratio to no guard         {median_ratio(rates, mock, unguarded):5.2f}")
    guard_cost = per_request[mock] / per_request[unguarded]
    print(f"  CPU a request, to no guard {guard_cost:5.2f}  (the guard's cost)")
    with tempfile.TemporaryDirectory() as tmp:
        small = list_latency(Path(tmp) / "small.sqlite", 1_000, args.requests)
        large = list_latency(Path(tmp) / "large.sqlite", args.large, args.requests)
    print(f"GET /customers?next=<middle cursor>, page of 25, {args.requests} sequential requests")
    print(f"  1k customers  median {small[0]:.2f} ms  p95 {small[1]:.2f} ms")
    print(f"  {args.large // 1000}k customers  median {large[0]:.2f} ms  p95 {large[1]:.2f} ms")
    print(f"  ratio         {large[0] / small[0]:.2f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
