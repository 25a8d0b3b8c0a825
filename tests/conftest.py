"""Fixtures shared by tests/: an authenticated client on the session's reference server, `malomo-mock`
subprocesses, a loopback port nobody listens on, and the contract suite's runs against broken servers
(a test that uses them is marked `slow` here, wherever it lives)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:  # the reference server is imported by the fixtures that start it, not by every test
    from malomo_mock import RunningServer
    from support.contract_suite_runs import VariantRun

TESTS = Path(__file__).resolve().parent
MALOMO_MOCK = str(Path(sys.executable).parent / "malomo-mock")
# Session fixtures that run the whole contract suite, once per broken variant.
SUITE_RUNNING_FIXTURES = frozenset({"broken_variant_runs"})
# The xdist groups that take longest (CPU seconds, bench/README.md "Issue 31"), longest first: each makes
# several contract-suite runs, builds a wheel or generates a client per spec edit.
HEAVIEST_GROUPS = (
    "contract_package",
    "broken_variant_runs",
    "tests/contract/test_contract_cli.py",
    "tests/tools/test_spec_diff.py",
    "paging_runs",
)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the `xdist_group` marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `slow` every test that uses a fixture running the suite against every broken variant, and put
    every test without an `xdist_group` in its module's group: `--dist loadgroup` then runs a module on one
    worker, so a module-scoped fixture (a suite run, a filled store, a built wheel) is made once, not once
    per worker that happens to get one of its tests."""
    for item in items:
        if SUITE_RUNNING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.partition("::")[0]))
    # The heaviest groups first, then those holding a slow test, then the others, largest first; each group's
    # tests kept together (a module-scoped fixture is still made once). xdist hands groups out in this order
    # when told --no-loadscope-reorder, as tox tells it (else it sorts them by test count), so the long ones
    # start at once and the run does not end with one worker finishing a long group while the other has
    # nothing left to do.
    groups = {_group(item) for item in items}
    sizes = Counter(_group(item) for item in items)
    slow_groups = {_group(item) for item in items if item.get_closest_marker("slow") is not None}
    whole_run = TESTS in {(config.invocation_params.dir / arg).resolve() for arg in config.args}
    if whole_run and (stale := sorted(set(HEAVIEST_GROUPS) - groups)):
        raise pytest.UsageError(f"tests/conftest.py: HEAVIEST_GROUPS names groups no test is in: {stale}")

    def rank(item: pytest.Item) -> tuple[int, bool, int, str]:
        group = _group(item)
        heavy = HEAVIEST_GROUPS.index(group) if group in HEAVIEST_GROUPS else len(HEAVIEST_GROUPS)
        return (heavy, group not in slow_groups, -sizes[group], group)

    items.sort(key=rank)


def _group(item: pytest.Item) -> str:
    mark = item.get_closest_marker("xdist_group")
    assert mark is not None
    return str(mark.args[0] if mark.args else mark.kwargs["name"])


@pytest.fixture
def server(malomo_server: RunningServer) -> RunningServer:
    """The reference server `api` talks to: the session's, unless a module overrides this fixture."""
    return malomo_server


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    """An httpx client on `server` that sends its key."""
    headers = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (connections to it are refused until a server binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class MockProcess:
    """A `malomo-mock --port 0 ...` subprocess whose output up to `listening on URL` has been read."""

    # The command; a subclass can run another installation's.
    executable = MALOMO_MOCK

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [self.executable, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.process.stdout is not None
        self.lines: list[str] = []
        self.stderr = ""
        while "listening on " not in (line := self.process.stdout.readline()):
            if not line:
                _, stderr = self.process.communicate(timeout=15)
                raise AssertionError(f"malomo-mock exited early ({self.process.returncode}): {stderr}")
            self.lines.append(line.rstrip("\n"))
        self.lines.append(line.rstrip("\n"))
        self.base_url = line.strip().split("listening on ")[1]

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` (if still running), wait for the exit, keep the rest of stderr; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        _, self.stderr = self.process.communicate(timeout=15)
        return self.process.returncode


@pytest.fixture
def spawn() -> Iterator[type[MockProcess]]:
    """Start `malomo-mock` subprocesses (`spawn(*args, env=...)`); any still running at the end are killed."""
    started: list[MockProcess] = []

    class Tracked(MockProcess):
        def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
            super().__init__(*args, env=env)
            started.append(self)

    yield Tracked
    for mock in started:
        if mock.process.returncode is None:
            mock.stop(signal.SIGKILL)


@pytest.fixture(scope="session")
def broken_variant_runs(tmp_path_factory: pytest.TempPathFactory) -> list[VariantRun]:
    """The contract suite run once against each broken variant; judged by the kill-rate and key-leak tests."""
    from support.contract_suite_runs import run_every_broken_variant

    return run_every_broken_variant(tmp_path_factory.mktemp("variant-runs"))
