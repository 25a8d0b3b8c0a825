"""Recording traffic with malomo (`connect(record_to=...)`) and checking it with `pytest
src/malomo_contract/suite --recording`: a correct server passes, broken ones fail naming the exchange, no key
or personal data leaks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from recording_sessions import (
    BROKEN_EXCHANGES,
    CANARY_KEY,
    PAGE_SIZE,
    assert_no_canary,
    check_recordings,
    har_entries,
    record_canary_session,
    record_session,
    serve_canary,
)
from starlette.types import ASGIApp

from malomo_contract import recorded_traffic
from malomo_mock import RunningServer, running
from support.broken_servers import BROKEN_VARIANTS, BrokenVariant
from support.contract_suite_runs import run_pytest
from support.spec_document import operations

# Fixtures, from functions shared with the other module of this behaviour.
canary_server = pytest.fixture(scope="module")(serve_canary)
session_recording = pytest.fixture(scope="module")(record_canary_session)


KILLED_CHILD = """
import sys, malomo
from malomo_client.api.customers import list_customers
client = malomo.connect(sys.argv[1], base_url=sys.argv[2], record_to=sys.argv[3], max_retries=0)
for number in range(100000):
    malomo.call(list_customers, client=client)
    if number == 20:
        print("recording", flush=True)
"""


@pytest.fixture(scope="module")
def killed_recording(canary_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording whose process was killed with SIGKILL in the middle of its requests."""
    path = tmp_path_factory.mktemp("killed") / "killed.har"
    command = [sys.executable, "-c", KILLED_CHILD, canary_server.api_key, canary_server.base_url, str(path)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline() == "recording\n"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    return path


def test_sigkill_while_recording_leaves_a_complete_har_file(killed_recording: Path) -> None:
    entries = har_entries(killed_recording)  # strict JSON: the document is closed after every exchange
    assert len(entries) > 20
    assert all(entry["response"]["status"] == 200 for entry in entries)


@pytest.mark.slow
def test_recorded_sessions_pass_the_contract_check(
    session_recording: Path, killed_recording: Path, tmp_path: Path
) -> None:
    text = killed_recording.read_text()
    cut = tmp_path / "cut.har"  # a file cut inside an exchange, as a crashing proxy might leave it
    cut.write_text(text[: text.rindex('"response"')])
    run = check_recordings([session_recording, killed_recording, cut], tmp_path / "junit.xml")
    assert run.exit_code == 0, run.output
    assert all(message is None for message in run.outcomes.values())
    expected = len(har_entries(session_recording)) + 2 * len(har_entries(killed_recording)) - 1
    assert len(run.outcomes) == expected, run.output
    assert all(name.startswith("test_recorded_exchange_keeps_the_contract[") for name in run.outcomes)
    assert "the file was cut short" in run.output
    methods = {re.sub(r".*#\d+ (\w+) .*", r"\1", name) for name in run.outcomes}
    assert methods == {method for method, _, _ in operations()}  # every method the spec has


def _applied(variant: BrokenVariant) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: variant.wrap(app, CANARY_KEY)


@pytest.mark.slow
def test_broken_servers_fail_the_check_naming_the_exchange(tmp_path: Path) -> None:
    variants = {variant.name: variant for variant in BROKEN_VARIANTS}
    paths: list[Path] = []
    for name in BROKEN_EXCHANGES:
        variant = variants[name]
        with running(CANARY_KEY, page_size=PAGE_SIZE, wrap_app=_applied(variant)) as server:
            record_session(server, tmp_path / f"{name}.har")
        paths.append(tmp_path / f"{name}.har")
    for recording in paths:  # even where a broken server answers in unexpected shapes
        assert_no_canary(recording.read_text())
    run = check_recordings(paths, tmp_path / "junit.xml")
    assert run.exit_code == 1, run.output
    for name, (method, path) in BROKEN_EXCHANGES.items():
        exchange = re.compile(rf"{name}\.har #\d+ {method} {path}$")
        failed = [
            test_id
            for test_id, message in run.outcomes.items()
            if message is not None and exchange.match(test_id.partition("[")[2].rstrip("]"))
        ]
        assert failed, f"{name}: no failure of {method} {path}\n{run.output[-3000:]}"
        first_line = str(run.outcomes[failed[0]]).splitlines()[0]
        assert exchange.search(first_line), run.outcomes[failed[0]]


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("<html>502 Bad Gateway</html>", "not JSON"),
        ('{"entries": []}', "not a HAR file"),
        ('{"log": {"version": "1.2", "creator": {"name": "x", "ver', "cut short before its first exchange"),
    ],
    ids=["not-json", "not-har", "cut-early"],
)
def test_bad_recordings_are_named_by_what_is_wrong(tmp_path: Path, content: str, complaint: str) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text(content)
    with pytest.raises(recorded_traffic.RecordingError, match=complaint):
        recorded_traffic.read_entries(bad)


@pytest.mark.slow
def test_a_bad_recording_is_refused_in_one_line(tmp_path: Path) -> None:
    not_json = tmp_path / "not-json.har"
    not_json.write_text("<html>502 Bad Gateway</html>")
    run = check_recordings([not_json], tmp_path / "junit.xml")
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert run.exit_code == 4, run.output
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: --recording: {not_json}: not JSON"), run.output


@pytest.mark.slow
def test_recorded_traffic_tests_run_only_with_a_recording(tmp_path: Path) -> None:
    args = ["src/malomo_contract/suite", "--collect-only", "-q", "-p", "no:cacheprovider"]
    exit_code, stdout, stderr = run_pytest(args, tmp_path, dict(os.environ))
    assert exit_code == 0, stdout + stderr
    assert "test_recorded_traffic" not in stdout
    assert "test_generated_requests.py" in stdout
