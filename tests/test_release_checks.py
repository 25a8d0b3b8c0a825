"""The release loop: the version check and the changelog draft against the last release, and the
release workflow's tag check (scripts/releases.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.version import Version
from support.scratch_repos import git, narrow_names, scratch_repo, set_version

from scripts import git_history, releases, spec_diff


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-commit scratch repository that the scripts, run in this process, read as theirs."""
    repo = scratch_repo(tmp_path / "repo")
    monkeypatch.setattr(git_history, "ROOT", repo)
    return repo


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """A script's main() with these arguments, in this process (it shares the cache of generated clients)."""

    def run_main(main: Callable[[list[str]], int], *args: str) -> Run:
        returncode = main(list(args))
        out, err = capsys.readouterr()
        return Run(returncode, out, err)

    return run_main


def test_an_uncommitted_breaking_edit_fails_until_the_version_and_changelog_move(
    repo: Path, run: Callable[..., Run]
) -> None:
    narrow_names(repo)
    failed = run(spec_diff.main, "--check-version")
    assert failed.returncode == 1
    needs = "is breaking and needs a major bump (minor below 1.0); the version went 0.3.0 → 0.3.0"
    assert needs in failed.stderr
    set_version(repo, "0.4.0", changelog=False)
    assert "CHANGELOG.md has no entry `## [0.4.0]`" in run(spec_diff.main, "--check-version").stderr
    set_version(repo, "0.4.0")
    passed = run(spec_diff.main, "--check-version")
    assert passed.returncode == 0, passed.stderr
    assert "spec change since the last release (commit " in passed.stdout


def test_the_last_release_is_the_newest_tag_else_the_last_commit_that_changed_the_version(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    set_version(repo, "0.4.0")
    git(repo, "commit", "-qam", "0.4.0")
    bumped = git(repo, "rev-parse", "HEAD")
    (repo / "notes.txt").write_text("not a release\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    assert git_history.last_release() == git_history.Release(
        bumped[:12], "0.4.0", f"commit {bumped[:12]}, the last that changed the version"
    )
    git(repo, "tag", "v0.3.0", first)
    assert git_history.last_release() == git_history.Release("v0.3.0", "0.3.0", "tag v0.3.0")


def test_the_version_check_works_on_a_one_commit_clone(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    narrow_names(clone)
    result = subprocess.run(
        [sys.executable, "scripts/spec_diff.py", "--check-version"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is breaking and needs a major bump" in result.stderr


def test_the_changelog_draft_is_against_the_last_release_and_refuses_to_be_empty(
    repo: Path, run: Callable[..., Run]
) -> None:
    empty = run(spec_diff.main, "--changelog", "0.4.0")
    assert empty.returncode == 1
    assert empty.stdout == ""
    assert len(empty.stderr.strip().splitlines()) == 1
    assert "nothing to draft" in empty.stderr
    narrowed = narrow_names(repo)
    draft = run(spec_diff.main, "--changelog", "0.4.0")
    assert draft.returncode == 0, draft.stderr
    assert draft.stdout.startswith("## [0.4.0] - ")
    where = "`createCustomer (POST /customers) request body.first_name`"
    assert f"- **Breaking:** {where}: {narrowed}" in draft.stdout


def test_an_explicit_base_that_does_not_exist_is_bad_input(repo: Path, run: Callable[..., Run]) -> None:
    result = run(spec_diff.main, "--check-version", "git:HEAD~1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["spec_diff: unknown git ref 'HEAD~1'"]


@pytest.mark.parametrize(
    ("old", "new", "needed", "enough"),
    [
        ("0.2.0", "0.3.0", "breaking", True),
        ("0.2.0", "0.2.1", "breaking", False),
        ("1.4.2", "1.5.0", "breaking", False),
        ("1.4.2", "2.0.0", "breaking", True),
        ("1.4.2", "1.4.3", "compatible", False),
        ("1.4.2", "1.5.0", "compatible", True),
        ("1.4.2", "1.4.2", "none", True),
        ("1.4.2", "1.4.1", "none", False),
        # PEP 440 pre-releases: a bump to 1.0.0rc1 is major; after it, any later version will do.
        ("0.9.3", "1.0.0rc1", "breaking", True),
        ("1.0.0rc1", "1.0.0rc2", "breaking", True),
        ("1.0.0rc1", "1.0.0", "breaking", True),
        ("1.0.0", "1.0.0rc1", "none", False),
        ("1.0.0", "1.0.1rc1", "compatible", False),
        ("0.9.3", "1.0.0-rc.1", "breaking", True),
    ],
)
def test_bump_rules(old: str, new: str, needed: str, enough: bool) -> None:
    assert releases.bump_is_enough(Version(old), Version(new), needed) is enough


def test_the_release_tag_must_be_the_package_version_with_a_changelog_entry(
    repo: Path, run: Callable[..., Run]
) -> None:
    wrong = run(releases.main, "--tag", "v0.3.1")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == [
        "releases: tag v0.3.1 does not match the package version 0.3.0 (want v0.3.0)"
    ]
    set_version(repo, "0.4.0", changelog=False)
    assert "CHANGELOG.md has no entry `## [0.4.0]`" in run(releases.main, "--tag", "v0.4.0").stderr
    set_version(repo, "0.4.0")
    notes = run(releases.main, "--tag", "v0.4.0")
    assert notes.returncode == 0, notes.stderr
    assert notes.stdout == "### Changed\n- Release 0.4.0.\n"
