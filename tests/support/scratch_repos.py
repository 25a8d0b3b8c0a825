"""Scratch git repositories holding the parts of this checkout that the version check reads."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import malomo_spec
from support import ROOT

AUTHOR = ("-c", "user.name=t", "-c", "user.email=t@example.com")


def git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), *AUTHOR, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def scratch_repo(into: Path) -> Path:
    """A new repository at `into` with one commit: openapi/, tools/, pyproject.toml and CHANGELOG.md,
    at this checkout's version (read it with `version_of`), so the changelog is the one that goes with it."""
    for folder in ("openapi", "tools"):
        shutil.copytree(ROOT / folder, into / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, into / name)
    git(into, "init", "-q")
    git(into, "add", ".")
    git(into, "commit", "-qm", "base")
    return into


def version_of(repo: Path) -> str:
    """The package version that pyproject.toml in `repo` states, as written there (the tools' messages
    quote it so)."""
    with (repo / "pyproject.toml").open("rb") as pyproject:
        return str(tomllib.load(pyproject)["project"]["version"])


def set_version(repo: Path, version: str, changelog: bool = True) -> None:
    """Write `version` into pyproject.toml and, with `changelog`, add its CHANGELOG.md entry."""
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index('\nversion = "') + len('\nversion = "')
    pyproject.write_text(text[:start] + version + text[text.index('"', start) :])
    if changelog:
        with (repo / "CHANGELOG.md").open("a") as entry:
            entry.write(f"\n## [{version}] - 2026-12-01\n\n### Changed\n- Release {version}.\n")


def narrow_names(repo: Path) -> str:
    """A breaking edit of the spec in `repo`: names (the `Name` schema, which create and update send) are
    refused at one character less than before. The change as the report writes it."""
    spec = repo / "openapi" / "malomo.yaml"
    document = malomo_spec.parse_yaml(spec.read_text(), str(spec))
    name = document["components"]["schemas"]["Name"]
    before = name["maxLength"]
    name["maxLength"] = before - 1
    spec.write_text(malomo_spec.dump_yaml(document))
    return f"maxLength {before} → {before - 1}"
