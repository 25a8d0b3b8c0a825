"""Tests of scripts/generate.py: drift is detected and generation needs nothing from PATH.

That the committed `generated/` passes the check is `tox -e drift`'s job.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the parts of the repository that generation reads and writes."""
    for folder in ("openapi", "scripts", "generated"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def run_generate(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A PATH without the venv: the pinned ruff must be found without it, or the
    # generator would silently skip formatting and the output would differ.
    return subprocess.run(
        [sys.executable, str(checkout / "scripts" / "generate.py"), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_check_fails_and_names_files_after_a_spec_description_edit(checkout: Path) -> None:
    spec = checkout / "openapi" / "malomo.yaml"
    text = spec.read_text()
    edited = text.replace("Retrieves one customer by id.", "Retrieves exactly one customer by its id.")
    assert edited != text
    spec.write_text(edited)
    result = run_generate(checkout, "--check")
    assert result.returncode == 1
    assert "generated/malomo_client/api/customers/get_customer.py" in result.stdout


def test_check_fails_on_a_hand_edit_of_generated_code(checkout: Path) -> None:
    target = checkout / "generated" / "malomo_client" / "client.py"
    target.write_text(target.read_text() + "# hand edit\n")
    result = run_generate(checkout, "--check")
    assert result.returncode == 1
    assert "generated/malomo_client/client.py" in result.stdout


def test_regenerating_makes_check_pass_again(checkout: Path) -> None:
    spec = checkout / "openapi" / "malomo.yaml"
    spec.write_text(spec.read_text().replace("Retrieves one customer by id.", "Fetches one customer."))
    assert run_generate(checkout).returncode == 0
    assert (
        "Fetches one customer."
        in (checkout / "generated" / "malomo_client" / "api" / "customers" / "get_customer.py").read_text()
    )
    result = run_generate(checkout, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list((checkout / "generated").rglob(".ruff_cache"))
