"""The reference server against the whole spec with the schemathesis CLI, and its pytest plugin."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_schemathesis_finds_no_failure_in_any_phase(tmp_path: Path) -> None:
    """`st run --checks all --mode all` over every phase (kept to 25 examples here; 100 is run by hand)."""
    server = subprocess.Popen(
        [str(BIN / "malomo-mock"), "--port", "0", "--api-key", "sk_test_contract"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip().split("listening on ")[1]
        result = subprocess.run(
            [
                str(BIN / "st"),
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                str(ROOT / "openapi" / "malomo.yaml"),
                "--url",
                base_url,
                "-H",
                "Authorization: Bearer sk_test_contract",
                "--checks",
                "all",
                "--mode",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                "25",
                "--seed",
                "1",
            ],
            cwd=tmp_path,  # schemathesis keeps its example database in the working directory
            capture_output=True,
            text=True,
            timeout=400,
        )
        assert result.returncode == 0, result.stdout[-6000:]
        assert "Stateful" in result.stdout and "passed" in result.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
        if server.stdout is not None:
            server.stdout.close()


PLUGIN_TEST = """
import threading

import httpx


def test_uses_the_fixture(malomo_server):
    headers = {"Authorization": f"Bearer {malomo_server.api_key}"}
    url = f"{malomo_server.base_url}/customers"
    response = httpx.post(url, json={"email": "p@plugin.test"}, headers=headers)
    assert response.status_code == 200


def test_nothing_started_without_the_fixture():
    assert not any(thread.name == "malomo-mock" for thread in threading.enumerate())
"""


def test_pytest_plugin_serves_malomo_server_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "test_plugin_user.py").write_text(PLUGIN_TEST)
    only_unused = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "nothing_started",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert only_unused.returncode == 0, only_unused.stdout
    used = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "uses_the", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert used.returncode == 0, used.stdout
    assert "1 passed" in used.stdout
