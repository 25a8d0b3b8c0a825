"""The release loop: the version check and the changelog draft against the last release, and the
release workflow's tag check (tools/release/releases.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.version import Version

from support.scratch_repos import git, narrow_names, scratch_repo, set_version, version_of
from tools.release import git_history, releases
from tools.spec_diff import cli as spec_diff

# Scratch git repositories and a client generated per spec, a subprocess run per clone.
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-commit scratch repository that the tools, run in this process, read as theirs."""
    repo = scratch_repo(tmp_path / "repo")
    monkeypatch.setattr(git_history, "ROOT", repo)
    return repo


# The versions the tests move to, from the scratch repository's own version (this checkout's), so that
# they hold after any release: the copied CHANGELOG.md has entries up to that version and none after it.
def next_micro(version: str) -> str:
    v = Version(version)
    return f"{v.major}.{v.minor}.{v.micro + 1}"


def next_minor(version: str) -> str:
    v = Version(version)
    return f"{v.major}.{v.minor + 1}.0"


def next_major(version: str) -> str:
    """Enough for a breaking change at any version (a minor bump is, too, below 1.0)."""
    return f"{Version(version).major + 1}.0.0"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """A tool's main() with these arguments, in this process (it shares the cache of generated clients)."""

    def run_main(main: Callable[[list[str]], int], *args: str) -> Run:
        returncode = main(list(args))
        out, err = capsys.readouterr()
        return Run(returncode, out, err)

    return run_main


def test_an_uncommitted_breaking_edit_fails_until_the_version_and_changelog_move(
    repo: Path, run: Callable[..., Run]
) -> None:
    current = version_of(repo)
    bumped = next_major(current)
    narrow_names(repo)
    failed = run(spec_diff.main, "--check-version")
    assert failed.returncode == 1
    needs = f"is breaking and needs a major bump (minor below 1.0); the version went {current} → {current}"
    assert needs in failed.stderr
    set_version(repo, bumped, changelog=False)
    missing = run(spec_diff.main, "--check-version")
    assert missing.returncode == 1
    assert "needs a major bump" not in missing.stderr
    assert f"CHANGELOG.md has no entry `## [{bumped}]`" in missing.stderr
    set_version(repo, bumped)
    passed = run(spec_diff.main, "--check-version")
    assert passed.returncode == 0, passed.stderr
    assert "spec change since the last release (commit " in passed.stdout


def test_the_last_release_is_the_newest_tag_else_the_last_commit_that_changed_the_version(repo: Path) -> None:
    # Two final versions after this checkout's (which may be a pre-release, and a `v1.0.0rc1` tag is
    # no release): the first is tagged at the end, the second is the last version change.
    tagged, version = next_minor(version_of(repo)), next_major(version_of(repo))
    set_version(repo, tagged)
    git(repo, "commit", "-qam", tagged)
    first = git(repo, "rev-parse", "HEAD")
    set_version(repo, version)
    git(repo, "commit", "-qam", version)
    bumped = git(repo, "rev-parse", "HEAD")
    (repo / "notes.txt").write_text("not a release\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    assert git_history.last_release() == git_history.Release(
        bumped[:12], version, f"commit {bumped[:12]}, the last that changed the version"
    )
    git(repo, "tag", f"v{tagged}", first)
    assert git_history.last_release() == git_history.Release(f"v{tagged}", tagged, f"tag v{tagged}")


def test_the_version_check_works_on_a_one_commit_clone(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    narrow_names(clone)
    result = subprocess.run(
        [sys.executable, "-m", "tools.spec_diff", "--check-version"],
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
    version = next_major(version_of(repo))
    empty = run(spec_diff.main, "--changelog", version)
    assert empty.returncode == 1
    assert empty.stdout == ""
    assert len(empty.stderr.strip().splitlines()) == 1
    assert "nothing to draft" in empty.stderr
    narrowed = narrow_names(repo)
    draft = run(spec_diff.main, "--changelog", version)
    assert draft.returncode == 0, draft.stderr
    assert draft.stdout.startswith(f"## [{version}] - ")
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
    current = version_of(repo)
    other, version = next_micro(current), next_minor(current)
    wrong = run(releases.main, "--tag", f"v{other}")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == [
        f"releases: tag v{other} does not match the package version {current} (want v{current})"
    ]
    set_version(repo, version, changelog=False)
    missing = run(releases.main, "--tag", f"v{version}")
    assert missing.returncode == 1
    assert f"CHANGELOG.md has no entry `## [{version}]`" in missing.stderr
    set_version(repo, version)
    notes = run(releases.main, "--tag", f"v{version}")
    assert notes.returncode == 0, notes.stderr
    assert notes.stdout == f"### Changed\n- Release {version}.\n"
