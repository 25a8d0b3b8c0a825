"""Release checks: did the package version move enough for the spec change since the last release,
and does a `vX.Y.Z` tag match the package version and its CHANGELOG.md entry.

    python -m tools.release --tag vX.Y.Z    # exit 0 and the entry (the release notes) on stdout
"""

from __future__ import annotations

import argparse
import re
import sys

from packaging.version import InvalidVersion, Version

from tools.release import git_history
from tools.spec_diff.changes import Change, InputError
from tools.spec_diff.reports import markdown_report
from tools.spec_diff.spec_comparison import SPEC_IN_REPO, compare, spec_source

WANTED = {"breaking": "a major bump (minor below 1.0)", "compatible": "a minor bump", "none": "no bump"}


def parse_version(label: str, text: str) -> Version:
    """A PEP 440 version (`1.0.0rc1`, and semver's `1.0.0-rc.1` read as the same)."""
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise InputError(f"{label}: version {text!r} is not a PEP 440 version") from exc


def needed_bump(changes: list[Change]) -> str:
    if any(c.level == "breaking" for c in changes):
        return "breaking"
    return "compatible" if any(c.level == "compatible" for c in changes) else "none"


def bump_is_enough(old: Version, new: Version, needed: str) -> bool:
    """Breaking: major (minor while below 1.0); compatible: minor; docs or nothing: none. After a
    pre-release any later version will do: a pre-release promises nothing to the final release."""
    if new < old:
        return False
    if needed == "none":
        return True
    if old.is_prerelease:
        return new > old
    major, minor = (old.major, old.minor), (new.major, new.minor)
    if needed == "breaking":
        return new.major > old.major or (old.major == 0 and minor > major)
    return minor > major


def changelog_text() -> str:
    path = git_history.ROOT / "CHANGELOG.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def changelog_section(version: str) -> str | None:
    """The body of CHANGELOG.md's `## [version]` entry, or None when there is none."""
    entry = rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## \[|\Z)"
    match = re.search(entry, changelog_text(), re.MULTILINE | re.DOTALL)
    return match[1].strip() if match else None


def check_version(base: str | None) -> int:
    """Fail when the spec changed since `base` (default: the last release) and the version in the
    work tree, committed or not, did not move enough, or CHANGELOG.md has no entry for it."""
    if base is None:
        release = git_history.last_release()
        if release is None:
            print("version check: no commit has a pyproject.toml version yet; nothing to compare, passed")
            return 0
        ref, since = release.ref, f"the last release ({release.why})"
    else:
        ref = base.removeprefix("git:")
        since = ref
        if not git_history.git_ref_exists(ref):
            raise InputError(f"unknown git ref {ref!r}")
    old_text = git_history.project_version(git_history.git_file(ref, "pyproject.toml"), ref)
    pyproject = (git_history.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    new_text = git_history.project_version(pyproject, "pyproject.toml")
    old, new = parse_version(ref, old_text), parse_version("pyproject.toml", new_text)
    with spec_source(f"git:{ref}") as before, spec_source(str(git_history.ROOT / SPEC_IN_REPO)) as after:
        changes = compare(before, after)
    needed = needed_bump(changes)
    problems = []
    if not bump_is_enough(old, new, needed):
        problems.append(
            f"the spec change since {since} is {needed} and needs {WANTED[needed]}; "
            f"the version went {old_text} → {new_text}"
        )
    if changelog_section(new_text) is None:
        problems.append(f"CHANGELOG.md has no entry `## [{new_text}]`")
    if problems:
        if changes:
            print(markdown_report(f"git:{ref}", SPEC_IN_REPO, changes))
        for problem in problems:
            print(f"version check: {problem}", file=sys.stderr)
        return 1
    print(f"version check: spec change since {since}: {needed}; version {old_text} → {new_text}: enough")
    return 0


def check_tag(tag: str) -> str:
    """The release notes for `tag`: its CHANGELOG.md entry. InputError unless `tag` is `v` followed by
    the package version and CHANGELOG.md has an entry for that version."""
    pyproject = (git_history.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = git_history.project_version(pyproject, "pyproject.toml")
    if tag != f"v{version}":
        raise InputError(f"tag {tag} does not match the package version {version} (want v{version})")
    notes = changelog_section(version)
    if not notes:
        raise InputError(f"CHANGELOG.md has no entry `## [{version}]` with text for tag {tag}")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", required=True, help="the release tag, vX.Y.Z")
    args = parser.parse_args(argv)
    try:
        print(check_tag(args.tag))
    except InputError as exc:
        print(f"releases: {exc}", file=sys.stderr)
        return 1
    return 0
