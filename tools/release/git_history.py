"""Files at a git commit of this repository, and which commit was the last release."""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import dataclass

from tools.codegen import generate
from tools.spec_diff.changes import InputError

# The repository that refs are read from; tests point it at a scratch repository.
ROOT = generate.ROOT
RELEASE_TAG = re.compile(r"v\d+\.\d+\.\d+")


def git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)


def git_ref_exists(ref: str) -> bool:
    return git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def git_file(ref: str, path: str) -> str:
    """A file's text at a commit; InputError for an unknown ref or a missing file."""
    if not git_ref_exists(ref):
        raise InputError(f"unknown git ref {ref!r}")
    shown = git("show", f"{ref}:{path}")
    if shown.returncode != 0:
        raise InputError(f"{path} does not exist at {ref}")
    return shown.stdout.decode()


def project_version(pyproject: str, label: str) -> str:
    """`[project] version` of a pyproject.toml's text."""
    try:
        return str(tomllib.loads(pyproject)["project"]["version"])
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise InputError(f"{label}: no [project] version in pyproject.toml") from exc


def _version_at(ref: str) -> str | None:
    shown = git("show", f"{ref}:pyproject.toml")
    if shown.returncode != 0:
        return None
    try:
        return project_version(shown.stdout.decode(), ref)
    except InputError:
        return None


@dataclass(frozen=True)
class Release:
    """The commit a version check or a changelog draft compares the work tree with."""

    ref: str
    version: str
    why: str


def last_release() -> Release | None:
    """The newest `vX.Y.Z` tag reachable from HEAD; without one, the last commit that changed the
    package version (in a one-commit clone, that commit). None where HEAD has no pyproject.toml."""
    described = git("describe", "--tags", "--abbrev=0", "--match", "v[0-9]*.[0-9]*.[0-9]*", "HEAD")
    tag = described.stdout.decode().strip()
    if described.returncode == 0 and RELEASE_TAG.fullmatch(tag):
        version = _version_at(tag)
        if version is not None:
            return Release(tag, version, f"tag {tag}")
    commits = git("log", "--format=%H", "HEAD", "--", "pyproject.toml").stdout.decode().split()
    for commit in commits:
        version = _version_at(commit)
        # A root commit, or the boundary of a shallow clone, has no parent to read.
        if version is not None and _version_at(f"{commit}^") != version:
            return Release(commit[:12], version, f"commit {commit[:12]}, the last that changed the version")
    return None
