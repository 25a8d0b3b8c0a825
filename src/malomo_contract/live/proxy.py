"""`malomo-contract proxy`: start the checks' process, bind the port, check the upstream answers, serve the
forwarding app on uvicorn until Ctrl-C or SIGTERM, then let the checks write the report and the HAR."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from malomo_contract.live.checker_process import COULD_NOT_START, MAX_BACKLOG, CheckerOptions, run_checker
from malomo_contract.live.forwarding import CapturedExchange, ClientConnection, Upstream

# How long the checks' process may take to import and read the spec before the proxy gives up.
CHECKER_START_SECONDS = 120.0
UPSTREAM_CONNECT_SECONDS = 5.0
# After Ctrl-C or SIGTERM, how long answers under way get to reach their clients.
SHUTDOWN_GRACE_SECONDS = 5.0
# Connections the kernel queues before the proxy accepts them.
LISTEN_BACKLOG = 2048


class StartError(Exception):
    """The proxy could not start; the message is one line."""


@dataclass(frozen=True)
class ProxyOptions:
    upstream: str
    host: str
    port: int
    record: Path | None
    report: Path | None
    api_key: str | None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(LISTEN_BACKLOG)
    return sock


def check_upstream(upstream: str) -> None:
    """The upstream accepts connections (nothing is sent)."""
    url = httpx.URL(upstream)
    if url.scheme not in ("http", "https") or not url.host:
        raise StartError(f"--upstream must be an http:// or https:// URL, not {upstream!r}")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.host, port), timeout=UPSTREAM_CONNECT_SECONDS).close()
    except OSError as exc:
        raise StartError(f"upstream {upstream} is unreachable: {exc.strerror or exc}") from None


def _check_spec() -> None:
    from malomo_contract.spec_contract import operations

    try:
        operations()
    except Exception as exc:
        raise StartError(f"the spec cannot be read: {exc}") from None


def serve(options: ProxyOptions) -> int:
    """Run the proxy until Ctrl-C or SIGTERM; the exit status: 0 no violation, 1 violations, 2 not started."""
    _check_spec()
    check_upstream(options.upstream)
    sock = bind(options.host, options.port)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    ready = context.Event()
    checked = context.Value("q", 0, lock=False)
    secrets = tuple(secret for secret in (options.api_key,) if secret)
    checker = context.Process(
        target=run_checker,
        args=(
            CheckerOptions(options.upstream, options.record, options.report, secrets),
            queue,
            ready,
            checked,
        ),
        name="malomo-contract-checks",
        # Ended with the proxy if the proxy ends early (Ctrl-C while it starts); else joined after the report.
        daemon=True,
    )
    checker.start()
    deadline = time.monotonic() + CHECKER_START_SECONDS
    while not ready.wait(0.1):
        if not checker.is_alive() or time.monotonic() > deadline:
            sock.close()
            if checker.is_alive():
                checker.terminate()
                print("malomo-contract: error: the checks did not start in time", file=sys.stderr, flush=True)
            checker.join()
            return COULD_NOT_START
    auth = f"Bearer {options.api_key}".encode() if options.api_key else None
    sink = BatchingSink(queue, checked)
    upstream = Upstream(options.upstream, sink, auth)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"malomo-contract proxy: listening on http://{shown}:{port} -> {options.upstream}", flush=True)
    try:
        _forward_until_stopped(upstream, sock)
    finally:
        sock.close()
        queue.put(sink.unchecked)
        checker.join()
    return checker.exitcode if checker.exitcode is not None else COULD_NOT_START


class BatchingSink:
    """Hands exchanges to the checks' process in batches, once per turn of the event loop; counts those it
    keeps back when the checks are MAX_BACKLOG exchanges behind."""

    def __init__(self, queue: Any, checked: Any) -> None:
        self.queue = queue
        self.checked = checked
        self.pending: list[CapturedExchange] = []
        self.sent = 0
        self.unchecked = 0

    def __call__(self, captured: CapturedExchange) -> None:
        if self.sent - self.checked.value >= MAX_BACKLOG:
            self.unchecked += 1
            return
        self.pending.append(captured)
        self.sent += 1
        if len(self.pending) == 1:
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        batch, self.pending = self.pending, []
        self.queue.put(batch)


def _forward_until_stopped(upstream: Upstream, sock: socket.socket) -> None:
    """Serve on `sock` until SIGINT or SIGTERM, then give the exchanges under way a moment to finish."""
    import uvloop

    async def forward() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        server = await loop.create_server(
            lambda: ClientConnection(upstream), sock=sock, backlog=LISTEN_BACKLOG
        )
        await stop.wait()
        server.close()
        # Answers under way still reach their clients (within a bound); then every connection is closed.
        deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
        while any(connection.busy for connection in upstream.connections) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for connection in list(upstream.connections):
            connection.close()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)

    uvloop.run(forward())


def main(options: ProxyOptions) -> int:
    try:
        return serve(options)
    except StartError as exc:
        print(f"malomo-contract: error: {exc}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("malomo-contract: error: stopped before the proxy started", file=sys.stderr, flush=True)
    return COULD_NOT_START
