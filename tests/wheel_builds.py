"""The wheel a user installs: built from a copy of the package sources and installed into a fresh
virtualenv with uv (seconds, from its cache), for test_lean_wheel.py and test_contract_package.py.

Nothing is compiled at install: the runs compile the modules they import, about a third of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
PACKAGE_FILES = ("pyproject.toml", "setup.py", "README.md")
# contract_tests/malomo.yaml is a symlink to openapi/malomo.yaml: the copy holds the file itself.
PACKAGE_FOLDERS = ("src", "generated", "contract_tests")


def install_wheel(work: Path, extras: str = "") -> Path:
    """Build the wheel under `work` and install it, with `extras` (e.g. "contract"), into a new virtualenv
    there; the virtualenv's folder."""
    if UV is None:
        raise RuntimeError("uv is needed to build and install the wheel (it is in the dev extra)")
    source = work / "source"
    source.mkdir()
    for name in PACKAGE_FILES:
        shutil.copy(ROOT / name, source / name)
    for folder in PACKAGE_FOLDERS:
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    subprocess.run(
        [UV, "build", "--wheel", "--quiet", "--out-dir", str(work / "dist"), str(source)], check=True
    )
    (wheel,) = (work / "dist").glob("*.whl")
    venv = work / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    requirement = f"{wheel}[{extras}]" if extras else str(wheel)
    subprocess.run(
        [
            UV,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            requirement,
        ],
        check=True,
    )
    return venv
