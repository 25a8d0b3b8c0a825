"""A plain install of the built wheel is the client alone: httpx and attrs, no server or test stack.

The wheel is built from a copy of the package sources, installed with no extras into a fresh
virtualenv, and from there calls the reference server that this test process runs over loopback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from malomo_mock import RunningServer
from support import ROOT
from support.customer_bodies import new_customer
from support.wheel_builds import built_wheel, install_wheel

# An sdist, a wheel and a fresh virtualenv are built; the wheel is the contract package tests' (one worker).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract_package")]

NOT_INSTALLED = ["starlette", "uvicorn", "schemathesis", "pytest", "hypothesis", "yaml"]

# Runs inside the lean virtualenv: one real call through malomo, then what is importable.
PROBE = """
import importlib.util, json, sys
import malomo
from malomo_client.api.customers import create_customer, get_customer
from malomo_client.models import CustomerCreate

base_url, api_key, absent, body = sys.argv[1], sys.argv[2], sys.argv[3].split(","), json.loads(sys.argv[4])
with malomo.connect(api_key, base_url=base_url) as client:
    created = malomo.call(create_customer, client=client, body=CustomerCreate.from_dict(body))
    fetched = malomo.call(get_customer, created.id, client=client)
try:
    import malomo_mock
    malomo_mock.running
    mock_error = None
except ModuleNotFoundError as exc:
    mock_error = str(exc)
print(json.dumps({
    "email": fetched.email,
    "version": malomo.__version__,
    "importable": [name for name in absent if importlib.util.find_spec(name) is not None],
    "mock_error": mock_error,
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel as the release workflow builds it (from the sdist beside it), or $MALOMO_WHEEL."""
    return built_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def lean_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A virtualenv with the wheel installed, no extras."""
    return install_wheel(tmp_path_factory.mktemp("lean"), wheel=wheel)


def test_the_distributions_pass_twine_check(wheel: Path) -> None:
    """The release workflow's metadata check (PyPI refuses what it refuses): README rendering included."""
    twine = Path(sys.executable).parent / "twine"
    result = subprocess.run(
        [str(twine), "check", "--strict", *map(str, wheel.parent.glob("malomo_openapi-*"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_plain_wheel_calls_the_api_with_no_server_or_test_packages(
    lean_venv: Path, malomo_server: RunningServer
) -> None:
    result = subprocess.run(
        [
            str(lean_venv / "bin" / "python"),
            "-c",
            PROBE,
            malomo_server.base_url,
            malomo_server.api_key,
            ",".join(NOT_INSTALLED),
            json.dumps(new_customer(email="lean@example.com")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=lean_venv,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["email"] == "lean@example.com"
    assert found["importable"] == []
    assert found["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert "pip install 'malomo-openapi[mock]'" in found["mock_error"]


def test_malomo_mock_without_the_extra_says_what_to_install(lean_venv: Path) -> None:
    result = subprocess.run(
        [str(lean_venv / "bin" / "malomo-mock"), "--port", "0"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "malomo-mock: error: the reference server needs the 'mock' extra: "
        "pip install 'malomo-openapi[mock]' (starlette is not installed)"
    ]


def test_malomo_contract_without_the_extra_says_what_to_install(lean_venv: Path) -> None:
    result = subprocess.run(
        [str(lean_venv / "bin" / "malomo-contract"), "--profile", "quick"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "malomo-contract: error: the contract suite needs the 'contract' extra: "
        "pip install 'malomo-openapi[contract]' (schemathesis is not installed)"
    ]
