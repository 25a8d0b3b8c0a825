"""The wheel a user installs, installed into a fresh virtualenv with uv (seconds, from its cache), for
test_lean_wheel.py and test_contract_package.py.

The wheel is built as the release workflow builds it: an sdist from a copy of the package sources, then
the wheel from that sdist, so a file the sdist leaves out fails here too. With `MALOMO_WHEEL=PATH` (the
release workflow) that wheel is installed instead. Nothing is compiled at install: the runs compile the
modules they import, about a third of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import ROOT

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
PACKAGE_FILES = ("pyproject.toml", "README.md")
# src/malomo_spec/malomo.yaml is a symlink to openapi/malomo.yaml: the copy holds the file itself.
PACKAGE_FOLDERS = ("src", "generated")


def build_distributions(work: Path) -> Path:
    """Build the sdist and, from it, the wheel under `work`; the folder holding both."""
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
    subprocess.run([UV, "build", "--quiet", "--out-dir", str(work / "dist"), str(source)], check=True)
    return work / "dist"


def built_wheel(work: Path) -> Path:
    """$MALOMO_WHEEL, else a wheel built under `work` (beside its sdist), or the one this test process built
    before (test_lean_wheel.py and the contract package's tests share one xdist worker, and one build)."""
    given = os.environ.get("MALOMO_WHEEL")
    if given:
        return Path(given).resolve()
    if not _BUILT:
        (wheel,) = build_distributions(work).glob("*.whl")
        _BUILT.append(wheel)
    return _BUILT[0]


_BUILT: list[Path] = []


def install_wheel(work: Path, extras: str = "", wheel: Path | None = None) -> Path:
    """Install `wheel` (by default built_wheel(work)) with `extras` (e.g. "contract") into a new
    virtualenv under `work`; the virtualenv's folder."""
    if UV is None:
        raise RuntimeError("uv is needed to build and install the wheel (it is in the dev extra)")
    wheel = wheel or built_wheel(work)
    venv = work / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    requirement = f"{wheel}[{extras}]" if extras else str(wheel)
    subprocess.run(
        [UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), requirement], check=True
    )
    return venv
