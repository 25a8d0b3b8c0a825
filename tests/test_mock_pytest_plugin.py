"""The reference server's pytest plugin: `malomo_server` is served to tests that ask for it, and only then."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Run in this order in one session: the first test looks before any test has used the fixture.
PLUGIN_TEST = """
import threading

import httpx


def test_nothing_started_without_the_fixture():
    assert not any(thread.name == "malomo-mock" for thread in threading.enumerate())


def test_uses_the_fixture(malomo_server):
    assert any(thread.name == "malomo-mock" for thread in threading.enumerate())
    headers = {"Authorization": f"Bearer {malomo_server.api_key}"}
    url = f"{malomo_server.base_url}/customers"
    response = httpx.post(url, json={"email": "p@plugin.test"}, headers=headers)
    assert response.status_code == 200
"""


def test_pytest_plugin_serves_malomo_server_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "test_plugin_user.py").write_text(PLUGIN_TEST)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
    assert "2 passed" in result.stdout
