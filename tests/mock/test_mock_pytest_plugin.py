"""The reference server's pytest plugin, run as an application's test suite runs it (pytest subprocesses):
fixtures served only when asked, `malomo_fake` fresh for each test, `malomo_server.reset()`, and one line
naming the extra when the `mock` extra is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.customer_bodies import new_customer

# Run in this order in one session (`-p no:randomly`): the first test looks before any test has used a
# fixture; the customers tests run alice, bob, alice again, so each of the two runs after the other.
PLUGIN_TEST = """
import threading

import httpx
import pytest


def test_nothing_started_without_the_fixture():
    assert not any(thread.name.startswith("malomo-") for thread in threading.enumerate())


def create_and_list(fake, *emails):
    with fake.client() as client:
        for email in emails:
            client.customers.create(**{**CUSTOMER, "email": email})
        return [customer.email for customer in client.customers.list()]


def test_alice_sees_only_her_customers(malomo_fake):
    emails = ["alice1@a.test", "alice2@a.test"]
    assert create_and_list(malomo_fake, *emails) == emails


def test_bob_sees_only_his_customer(malomo_fake):
    assert create_and_list(malomo_fake, "bob@b.test") == ["bob@b.test"]


def test_alice_again_after_bob(malomo_fake):
    test_alice_sees_only_her_customers(malomo_fake)


@pytest.mark.malomo_fake(
    seed=[{**CUSTOMER, "email": "seeded@s.test"}, {**CUSTOMER, "email": "other@s.test"}], page_size=1
)
def test_the_marker_seeds_and_sets_the_page_size(malomo_fake):
    with malomo_fake.client() as client:
        assert len(client.customers.list().items) == 1
        assert len(list(client.customers.list())) == 2


def test_uses_the_server_fixture(malomo_server):
    assert any(thread.name == "malomo-mock" for thread in threading.enumerate())
    headers = {"Authorization": f"Bearer {malomo_server.api_key}"}
    url = f"{malomo_server.base_url}/customers"
    response = httpx.post(url, json={**CUSTOMER, "email": "p@plugin.test"}, headers=headers)
    assert response.status_code == 200


def test_server_reset_empties_its_store_or_seeds_it(malomo_server):
    headers = {"Authorization": f"Bearer {malomo_server.api_key}"}
    url = f"{malomo_server.base_url}/customers"
    assert httpx.get(url, headers=headers).json() != []
    malomo_server.reset()
    assert httpx.get(url, headers=headers).json() == []
    seed = [{**CUSTOMER, "email": "one@r.test"}, {**CUSTOMER, "email": "two@r.test"}]
    malomo_server.reset(seed=seed, page_size=1)
    assert len(httpx.get(url, headers=headers).json()) == 1
"""

# Without the `mock` extra: its packages made unimportable before pytest loads the plugin.
WITHOUT_MOCK_EXTRA = """
import sys

sys.modules.update(starlette=None, uvicorn=None)
import pytest

sys.exit(pytest.main(sys.argv[1:]))
"""

NO_FIXTURE_TEST = """
def test_plain():
    assert True


def test_fake(malomo_fake):
    pass
"""


def run_pytest(folder: Path, *, python_code: str | None = None) -> subprocess.CompletedProcess[str]:
    runner = ["-c", python_code] if python_code else ["-m", "pytest"]
    return subprocess.run(
        [
            sys.executable,
            *runner,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "-rA",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "500"},  # short summary lines unabridged
    )


@pytest.mark.slow
def test_pytest_plugin_serves_fresh_fakes_and_a_resettable_server_only_when_asked(tmp_path: Path) -> None:
    # A valid create body from the spec (its required fields), so the test is about the plugin alone.
    (tmp_path / "test_plugin_user.py").write_text(f"CUSTOMER = {new_customer()!r}\n{PLUGIN_TEST}")
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "7 passed" in result.stdout


@pytest.mark.slow
def test_without_the_mock_extra_a_fixture_fails_in_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(NO_FIXTURE_TEST)
    result = run_pytest(tmp_path, python_code=WITHOUT_MOCK_EXTRA)
    assert result.returncode == 1, result.stdout
    assert "1 passed, 1 error" in result.stdout
    summary = [line for line in result.stdout.splitlines() if line.startswith("ERROR test_app.py")]
    assert summary == [
        "ERROR test_app.py::test_fake - Failed: the reference server needs the 'mock' extra: "
        "pip install 'malomo-openapi[mock]' (starlette is not installed)"
    ]
    assert "Traceback" not in result.stdout
    assert "ModuleNotFoundError" not in result.stdout
