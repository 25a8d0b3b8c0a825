"""Benchmark of `malomo-contract proxy` and `replay`: the latency the proxy adds and its throughput, against a
direct connection to the reference server and against Prism's proxy mode, in one run; and the time to replay
a 1,000-exchange recording against the reference server. Needs `wrk` and `npx`; prints figures, asserts
nothing."""

from __future__ import annotations

import argparse
import http.client
import resource
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from bench_server import API_KEY, BIN, PRISM, create_johnny, customer_url, mock_command, prism, served, wrk

import malomo

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@contextmanager
def proxied_by_us(upstream: str) -> Iterator[tuple[str, int]]:
    """`malomo-contract proxy` in front of `upstream`; its URL once it prints `listening on URL -> ...`."""
    command = [str(BIN / "malomo-contract"), "proxy", "--upstream", upstream, "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"the proxy did not start: {line!r}")
        yield line.split("listening on ")[1].split(" ")[0], process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        # The checks work through the exchanges they are behind by (at most 5,000) before the summary.
        print(f"our proxy at exit: {process.stdout.read().strip().splitlines()[-1]}")
        process.wait(60)
        process.stdout.close()


@contextmanager
def proxied_by_prism(upstream: str) -> Iterator[str]:
    """Prism's proxy mode (`prism proxy SPEC UPSTREAM`, it validates both ways), its log at errors only."""
    with prism("proxy", upstream, headers=AUTH) as base_url:
        yield base_url


def latencies(url: str, requests: int) -> list[float]:
    """Seconds of each of `requests` sequential GETs of `url` over one keep-alive connection (http.client:
    the least client overhead Python has)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        connection.request("GET", parts.path, headers=AUTH)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        assert response.status == 200, response.status
    connection.close()
    return times


def compare(seconds: int, rounds: int, requests: int) -> None:
    """Direct, through our proxy and through Prism's, measured in turn, rounds rotated; prints the table."""
    with ExitStack() as stack:
        mock, _ = stack.enter_context(served(mock_command()))
        ours, ours_pid = stack.enter_context(proxied_by_us(mock))
        prism_url = stack.enter_context(proxied_by_prism(mock))
        customer_id = create_johnny(mock)
        urls = {
            "direct": customer_url(mock, customer_id),
            "malomo-contract proxy": customer_url(ours, customer_id),
            f"Prism {PRISM.rsplit('@', 1)[1]} proxy": customer_url(prism_url, customer_id),
        }
        names = list(urls)
        medians: dict[str, list[float]] = {name: [] for name in names}
        rates: dict[str, list[float]] = {name: [] for name in names}
        for url in urls.values():
            latencies(url, 200)
            wrk(url, 2)
        for n in range(rounds):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                medians[name].append(statistics.median(latencies(urls[name], requests)))
                rates[name].append(wrk(urls[name], seconds)[0])
        del ours_pid
    direct = names[0]
    print("| path | median latency | added at the median | throughput | vs Prism proxy |")
    print("| --- | --- | --- | --- | --- |")
    for name in names:
        median = statistics.median(medians[name]) * 1000
        added = statistics.median(m - d for m, d in zip(medians[name], medians[direct], strict=True)) * 1000
        ratio = statistics.median(r / p for r, p in zip(rates[name], rates[names[2]], strict=True))
        rate = statistics.median(rates[name])
        print(f"| {name} | {median:.3f} ms | {added:+.3f} ms | {rate:.0f} req/s | {ratio:.2f} |")


def record_session(path: Path, base_url: str, exchanges: int) -> int:
    """Record about `exchanges` exchanges of a client session (creates, reads, updates, list pages, events,
    deletes) with malomo's recorder; the number recorded."""
    with malomo.Malomo(API_KEY, base_url=base_url, max_retries=0, record_to=path) as client:
        sent = 0
        while sent < exchanges:
            created = client.customers.create(email=f"bench{sent}@example.com", first_name="Bench")
            client.customers.retrieve(created.id)
            client.customers.update(created.id, last_name="Updated")
            client.customers.retrieve(created.id)
            list(client.customers.events.list(created.id))
            client.customers.with_raw_response.list()
            sent += 6
            delete = getattr(client.customers, "delete", None)  # the spec may have none
            if sent % 60 == 0 and delete is not None:
                delete(created.id)
                sent += 1
    return sent


def replay_time(exchanges: int) -> None:
    """Record a session against one reference server, replay it against a fresh one; print the time."""
    with tempfile.TemporaryDirectory() as folder:
        har = Path(folder) / "session.har"
        with served(mock_command()) as (recorded_on, _):
            count = record_session(har, recorded_on, exchanges)
        with served(mock_command()) as (fresh, _):
            command = [
                str(BIN / "malomo-contract"),
                "replay",
                str(har),
                "--base-url",
                fresh,
                "--api-key",
                API_KEY,
            ]
            start, cpu = time.perf_counter(), _children_cpu()
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            took, cpu = time.perf_counter() - start, _children_cpu() - cpu
    print(
        f"replay of {count} exchanges: {took:.2f} s wall, {cpu:.2f} s CPU (the command, start-up included), "
        f"exit {result.returncode}"
    )
    print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="wrk seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests per latency sample")
    parser.add_argument("--exchanges", type=int, default=1000, help="size of the recording replayed")
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()
    if not args.skip_compare:
        compare(args.seconds, args.rounds, args.requests)
    replay_time(args.exchanges)


if __name__ == "__main__":
    main()
