"""The pytest side of checking recorded traffic (`pytest src/malomo_contract/suite --recording FILE`): the
options read in pytest_configure, the recorded-traffic tests collected instead of the others, the summary.
Reading and checking the recordings is `malomo_contract.traffic`'s. Nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import schemathesis

from malomo_contract.spec_contract import SPEC_PATH
from malomo_contract.traffic.exchange_checks import exchange_failures
from malomo_contract.traffic.exchanges import Exchange, Recording, RecordingError
from malomo_contract.traffic.har_files import load_recording, read_entries

__all__ = ["Exchange", "RecordingError", "exchange_failures", "read_entries"]

SUITE_DIR = Path(__file__).resolve().parent / "suite"
TEST_MODULE = "test_recorded_traffic.py"
# Unmatched exchanges listed one by one in the summary; the rest are counted.
MAX_LISTED = 30


RECORDINGS_KEY = pytest.StashKey[list[Recording]]()


def is_active(config: pytest.Config) -> bool:
    return bool(config.getoption("--recording"))


def configure(config: pytest.Config) -> None:
    """Read every `--recording` (a bad file: one line and exit code 4) and register the plugin."""
    paths = [Path(path) for path in config.getoption("--recording")]
    hosts = [host for option in config.getoption("--recording-host") for host in option.split(",") if host]
    recordings: list[Recording] = []
    if paths:
        schema = schemathesis.openapi.from_path(SPEC_PATH)
        try:
            recordings = [load_recording(path, schema, hosts) for path in paths]
        except RecordingError as exc:
            raise pytest.UsageError(f"--recording: {exc}") from None
    config.stash[RECORDINGS_KEY] = recordings
    config.pluginmanager.register(RecordedTrafficPlugin(recordings), "malomo-recorded-traffic")


def checked_exchanges(config: pytest.Config) -> Iterator[tuple[str, Exchange]]:
    """(test id, exchange) for every exchange to check, over every recording of the run."""
    recordings = config.stash.get(RECORDINGS_KEY, [])
    for recording in recordings:
        for exchange in recording.checked:
            yield f"{exchange.source} {exchange.label}" if len(recordings) > 1 else exchange.label, exchange


def report_header(config: pytest.Config) -> list[str]:
    return [
        f"malomo contract target: recording {recording.path} ({recording.total} exchanges)"
        for recording in config.stash.get(RECORDINGS_KEY, [])
    ]


def _listed(exchanges: Sequence[Exchange], describe: str) -> list[str]:
    lines = [f"  {exchange.source} {exchange.label}{describe.format(e=exchange)}" for exchange in exchanges]
    if len(lines) > MAX_LISTED:
        lines = [*lines[:MAX_LISTED], f"  ... and {len(lines) - MAX_LISTED} more"]
    return lines


class RecordedTrafficPlugin:
    """Collects only the recorded-traffic tests with `--recording`, and only the others without it."""

    def __init__(self, recordings: list[Recording]) -> None:
        self.recordings = recordings

    def pytest_ignore_collect(self, collection_path: Path) -> bool | None:
        if collection_path.parent != SUITE_DIR or not collection_path.name.startswith("test_"):
            return None
        is_recorded_traffic = collection_path.name == TEST_MODULE
        return True if is_recorded_traffic != bool(self.recordings) else None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        for recording in self.recordings:
            counts = f"{recording.total} exchanges, {len(recording.checked)} checked against the spec"
            if recording.other_hosts:
                counts += f", {recording.other_hosts} on other hosts left out"
            terminalreporter.write_sep("-", f"malomo recording {recording.path.name}: {counts}")
            if recording.truncated:
                terminalreporter.write_line(
                    "the file was cut short: read up to its last complete exchange", yellow=True
                )
            if recording.unmatched:
                terminalreporter.write_line(
                    f"{len(recording.unmatched)} exchanges match no operation of the spec:", yellow=True
                )
                for line in _listed(recording.unmatched, " -> {e.status}"):
                    terminalreporter.write_line(line)
            if recording.unanswered:
                terminalreporter.write_line(f"{len(recording.unanswered)} requests got no answer:")
                for line in _listed(recording.unanswered, ""):
                    terminalreporter.write_line(line)
