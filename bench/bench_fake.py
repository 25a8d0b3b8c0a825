"""Benchmark of the per-test set-up and tear-down of the `malomo_fake` fixture against a fresh `running()`
server per test, both measured by pytest itself in the same run, in alternating rounds (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import pytest

# Each test makes one call, so that a fixture that did not work would fail the run.
FAKE_TESTS = """
import httpx


def test_fake_{n}(malomo_fake):
    fake = malomo_fake
    headers = {{"Authorization": f"Bearer {{fake.api_key}}"}}
    with httpx.Client(transport=fake.transport, base_url=fake.base_url, headers=headers) as http:
        assert http.post("/customers", json={{"email": "bench@example.com"}}).status_code == 200
"""

SERVER_TESTS = """
import httpx
import pytest

from malomo_mock import running


@pytest.fixture
def fresh_server():
    with running() as server:
        yield server


def test_server_{n}(fresh_server):
    headers = {{"Authorization": f"Bearer {{fresh_server.api_key}}"}}
    with httpx.Client(base_url=fresh_server.base_url, headers=headers) as http:
        assert http.post("/customers", json={{"email": "bench@example.com"}}).status_code == 200
"""


class FixtureTimes:
    """Seconds of set-up plus tear-down of each test, as pytest's reports give them."""

    def __init__(self) -> None:
        self.per_test: dict[str, float] = {}
        self.failed = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.failed |= report.failed
        if report.when in ("setup", "teardown"):
            self.per_test[report.nodeid] = self.per_test.get(report.nodeid, 0.0) + report.duration


def run_tests(folder: Path, name: str, template: str, count: int) -> list[float]:
    """Per-test set-up + tear-down seconds of `count` tests of `template` run in one pytest session
    (`name`: a module name not used before in this process)."""
    path = folder / f"test_{name}.py"
    path.write_text(
        "".join(template.format(n=n) if n == 0 else _test_only(template, n) for n in range(count))
    )
    times = FixtureTimes()
    options = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist", "--no-header"]
    code = pytest.main([*options, str(path)], plugins=[times])
    if code != 0 or times.failed:
        raise SystemExit(f"the {name} tests failed (exit code {code})")
    return list(times.per_test.values())


def _test_only(template: str, n: int) -> str:
    """The template's test function alone (imports and fixtures are written once, by test 0)."""
    return template[template.index("\n\ndef test_") :].format(n=n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fake-tests", type=int, default=200, help="tests per round using malomo_fake")
    parser.add_argument("--server-tests", type=int, default=20, help="tests per round with a fresh server")
    args = parser.parse_args()
    variants: dict[str, tuple[str, int]] = {
        "fake": (FAKE_TESTS, args.fake_tests),
        "server": (SERVER_TESTS, args.server_tests),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            # Rotate which goes first, so that none always runs on a warmer (or busier) process.
            names = list(variants)[round_number % 2 :] + list(variants)[: round_number % 2]
            for name in names:
                template, count = variants[name]
                times[name] += run_tests(Path(tmp), f"{name}_{round_number}", template, count)
    median_ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    result = {
        "malomo_fake set-up + tear-down, median ms": round(median_ms["fake"], 3),
        "malomo_fake p95 ms": round(statistics.quantiles(times["fake"], n=20)[-1] * 1000, 3),
        "fresh running() server set-up + tear-down, median ms": round(median_ms["server"], 3),
        "speed-up (server / fake)": round(median_ms["server"] / median_ms["fake"], 1),
        "tests": {name: len(values) for name, values in times.items()},
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
