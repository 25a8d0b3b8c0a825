"""`malomo-contract` when the server cannot be tested: a refused key, a wrong base URL, a server that is not
the Malomo API, a server lost during the run. Each ends with exit 2 and one line, never a list of violations.
And a seed that replays a run's requests.

The preflight cases call the command's `main` in this process (no test run starts); the others need runs, so
they start the command as a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from malomo_contract import cli
from malomo_contract.preflight import list_operation
from malomo_mock import RunningServer, running

KEY = "sk_test_contract_cli_key"
MALOMO_CONTRACT = str(Path(sys.executable).parent / "malomo-contract")
LIST_PATH = list_operation().path
# A reference server that exits (as if killed) when it gets request number N + 1.
ANSWERED_BEFORE_DYING = 40
DYING_SERVER = """
import os, sys, threading
from malomo_mock import running

answered = 0

def dying(app):
    async def serve(scope, receive, send):
        global answered
        if scope["type"] == "http":
            answered += 1
            if answered > int(sys.argv[2]):
                os._exit(0)
        await app(scope, receive, send)
    return serve

with running(api_key=sys.argv[1], page_size=4, wrap_app=dying) as server:
    print(server.base_url, flush=True)
    threading.Event().wait()
"""

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def answering(status: int, content_type: str, body: bytes) -> Callable[[Any], Any]:
    """`wrap_app` for a server that answers every request with this, whatever the reference server would."""

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return lambda _reference_app: app


@pytest.fixture
def reference() -> Iterator[RunningServer]:
    with running(api_key=KEY) as server:
        yield server


def run_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """`malomo-contract ARGS` in this process: its exit code and its stderr."""
    monkeypatch.delenv("MALOMO_BASE_URL", raising=False)
    monkeypatch.delenv("MALOMO_API_KEY", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    captured = capsys.readouterr()
    assert captured.out == ""  # no header: no run was started
    return int(str(exited.value.code)), captured.err


def assert_one_line(stderr: str, *parts: str) -> None:
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("malomo-contract: error: "), stderr
    for part in parts:
        assert part in stderr, stderr


def test_publishable_key_is_named_as_the_problem(
    reference: RunningServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stderr = run_main(capsys, monkeypatch, "--base-url", reference.base_url, "--api-key", "pk_test_abc")
    assert code == 2
    assert_one_line(stderr, "the key was refused", "401", "publishable key (pk_...)")


def test_refused_secret_key_is_named_as_the_problem(
    reference: RunningServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stderr = run_main(capsys, monkeypatch, "--base-url", reference.base_url, "--api-key", KEY + "x")
    assert code == 2
    assert_one_line(stderr, "the key was refused", "401")
    assert "publishable" not in stderr and KEY not in stderr


def test_wrong_base_path_names_the_path_tried(
    reference: RunningServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = reference.base_url + "/v2"
    code, stderr = run_main(capsys, monkeypatch, "--base-url", wrong, "--api-key", KEY)
    assert code == 2
    assert_one_line(stderr, "the base URL is wrong", f"GET {wrong}{LIST_PATH} answered 404")


@pytest.mark.parametrize(
    "status,content_type,body,problem",
    [
        (200, "text/html", b"<!DOCTYPE html><title>Welcome</title>", "text/html, not JSON"),
        (200, "application/json", json.dumps({"data": []}).encode(), "a JSON object"),
        (200, "application/json", json.dumps(["a", "b"]).encode(), "a JSON string in the list"),
        (405, "text/plain", b"Method Not Allowed", "the base URL is wrong"),
    ],
    ids=["html page", "object instead of array", "array of strings", "405"],
)
def test_server_that_is_not_the_api_is_named_as_such(
    status: int,
    content_type: str,
    body: bytes,
    problem: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running(api_key=KEY, wrap_app=answering(status, content_type, body)) as other:
        code, stderr = run_main(capsys, monkeypatch, "--base-url", other.base_url, "--api-key", KEY)
    assert code == 2
    expected = "this does not look like the Malomo API" if status == 200 else "the base URL is wrong"
    assert_one_line(stderr, expected, problem)


def test_help_lists_exit_codes_and_names_no_checkout_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    codes = text.partition("exit codes:")[2]
    assert [line.split()[0] for line in codes.splitlines() if line[:3].strip().isdigit()] == ["0", "1", "2"]
    assert "openapi/" not in text


@pytest.mark.slow
def test_server_lost_mid_run_ends_with_exit_2_and_one_line(tmp_path: Path) -> None:
    dying = subprocess.Popen(
        [sys.executable, "-c", DYING_SERVER, KEY, str(ANSWERED_BEFORE_DYING)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert dying.stdout is not None
        base_url = dying.stdout.readline().strip()
        env = {
            name: value for name, value in os.environ.items() if not name.startswith(("MALOMO_", "PYTEST_"))
        }
        completed = subprocess.run(
            [MALOMO_CONTRACT, "--base-url", base_url, "--profile", "quick", "--report-md", "report.md"],
            cwd=tmp_path,
            env={**env, "MALOMO_API_KEY": KEY},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        dying.kill()
        dying.wait()
    assert dying.returncode == 0, "the server was still running: it did not die mid-run"
    assert completed.returncode == 2, completed.stdout[-3000:]
    assert_one_line(
        completed.stderr, f"lost the server at {base_url} after ", "requests: it stopped answering"
    )
    answered = re.search(r"after (\d+) requests", completed.stderr)
    # The server answered the preflight's GET and 39 of the run's requests (uncounted ones aside).
    assert answered is not None and 0 < int(answered.group(1)) <= ANSWERED_BEFORE_DYING - 1
    # The run stopped at the loss instead of failing every test after it.
    assert "Exit: lost the server" in completed.stdout
    verdict = (tmp_path / "report.md").read_text(encoding="utf-8").splitlines()[0]
    assert "The run did not complete" in verdict and "Contract broken" not in verdict


def recording(requests: list[tuple[str, str, tuple[str, ...]]]) -> Callable[[Any], Any]:
    """`wrap_app` that appends each request's method, path (ids as `{id}`) and query names to `requests`."""

    def wrap(app: Any) -> Any:
        async def record(scope: dict[str, Any], receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                query = sorted(
                    {pair.partition(b"=")[0].decode() for pair in scope["query_string"].split(b"&")}
                )
                requests.append((scope["method"], UUID.sub("{id}", scope["path"]), tuple(query)))
            await app(scope, receive, send)

        return record

    return wrap


@pytest.mark.slow
def test_seed_replays_the_same_requests_in_the_same_order(tmp_path: Path) -> None:
    """Two runs with one seed, each on a fresh server: the same requests (ids aside), in the same order."""
    runs: list[list[tuple[str, str, tuple[str, ...]]]] = []
    env = {name: value for name, value in os.environ.items() if not name.startswith(("MALOMO_", "PYTEST_"))}
    for _ in range(2):
        requests: list[tuple[str, str, tuple[str, ...]]] = []
        with running(api_key=KEY, page_size=4, wrap_app=recording(requests)) as server:
            completed = subprocess.run(
                [
                    MALOMO_CONTRACT,
                    "--base-url",
                    server.base_url,
                    "--profile",
                    "quick",
                    "--contract-seed",
                    "7",
                ],
                cwd=tmp_path,
                env={**env, "MALOMO_API_KEY": KEY},
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        assert completed.returncode == 0, completed.stdout[-3000:]
        runs.append(requests)
    first, second = runs
    assert len(first) > 100
    assert first == second


@pytest.mark.slow
def test_a_subset_run_counts_the_tests_left_out(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("MALOMO_", "PYTEST_"))}
    completed = subprocess.run(
        [
            MALOMO_CONTRACT,
            "--profile",
            "quick",
            "--report-md",
            "report.md",
            "--",
            "-k",
            "refuses_request_without",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    deselected = re.search(r"(\d+) deselected", completed.stdout)
    assert deselected is not None, completed.stdout[-1000:]
    verdict = (tmp_path / "report.md").read_text(encoding="utf-8").splitlines()[0]
    assert f"Contract held for the tests that ran ({deselected.group(1)} deselected)" in verdict
