"""What a change of openapi/malomo.yaml breaks, for the wire and for the generated client's Python API.

    python scripts/spec_diff.py OLD NEW [--json] [--changelog VERSION]
    python scripts/spec_diff.py --check-version BASE

OLD, NEW and BASE are file paths or `git:REF` (the spec, generator config and templates at that
commit). Exit 0: nothing breaking (or the version moved enough); 1: something breaks (or it did
not); 2: bad input, with one line on stderr.
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import functools
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from client_api_changes import client_changes
from generate import CONFIG, ROOT, SPEC, TEMPLATES, GenerationError, check_pins, files_under, generate
from wire_changes import LEVELS, Change, SpecError, wire_changes

SPEC_IN_REPO = SPEC.relative_to(ROOT).as_posix()
LEVEL_MEANING = {
    "breaking": "a client, or code calling the generated client, written against OLD can fail with NEW",
    "compatible": "additive: what worked with OLD keeps working",
    "docs": "descriptions, summaries and examples only",
}


class InputError(Exception):
    """Bad input: reported as one line, exit 2."""


@dataclass(frozen=True)
class SpecSource:
    """One side of a comparison: the spec's text, its parsed document and the generator settings to use."""

    label: str
    text: str
    document: dict[str, Any]
    config: Path
    templates: Path


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)


def git_ref_exists(ref: str) -> bool:
    return _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def git_file(ref: str, path: str) -> str:
    """A file's text at a commit; InputError for an unknown ref or a missing file."""
    if not git_ref_exists(ref):
        raise InputError(f"unknown git ref {ref!r}")
    shown = _git("show", f"{ref}:{path}")
    if shown.returncode != 0:
        raise InputError(f"{path} does not exist at {ref}")
    return shown.stdout.decode()


def parse_spec(label: str, text: str) -> dict[str, Any]:
    """The parsed document, or InputError naming what is wrong with it."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{label}: not YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(document, dict) or "openapi" not in document or "paths" not in document:
        raise InputError(f"{label}: not an OpenAPI document (no `openapi` and `paths`)")
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        raise InputError(f"{label}: invalid OpenAPI ({str(exc).splitlines()[0]})") from exc
    return document


@contextmanager
def spec_source(argument: str) -> Iterator[SpecSource]:
    """Read a path or `git:REF`. A git ref brings its own generator config and templates."""
    config, templates = CONFIG, TEMPLATES
    with tempfile.TemporaryDirectory() as tmp:
        if argument.startswith("git:"):
            ref = argument[4:]
            text = git_file(ref, SPEC_IN_REPO)
            archive = _git("archive", "--format=tar", ref, "openapi")
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(tmp, filter="data")
            if (Path(tmp) / "openapi" / CONFIG.name).is_file():
                config = Path(tmp) / "openapi" / CONFIG.name
            if (Path(tmp) / "openapi" / TEMPLATES.name).is_dir():
                templates = Path(tmp) / "openapi" / TEMPLATES.name
        else:
            try:
                text = Path(argument).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or exc
                raise InputError(f"cannot read {argument}: {reason}") from exc
        yield SpecSource(argument, text, parse_spec(argument, text), config, templates)


@functools.cache
def generated_client(text: str, config: Path, templates: Path) -> Path | GenerationError:
    """A folder holding the client generated from this spec text, or why the generator refused it."""
    root = Path(tempfile.mkdtemp(prefix="spec-diff-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    (root / "spec.yaml").write_text(text, encoding="utf-8")
    try:
        generate(root / "malomo_client", root / "spec.yaml", config, templates, formatted=False)
    except GenerationError as exc:
        return exc
    return root


def compare(old: SpecSource, new: SpecSource) -> list[Change]:
    """Every change from `old` to `new`, breaking first, then compatible, then docs."""
    same_config = old.config.read_bytes() == new.config.read_bytes()
    if old.text == new.text and same_config and files_under(old.templates) == files_under(new.templates):
        return []
    try:
        wire, renamed = wire_changes(old.document, new.document)
    except SpecError as exc:
        raise InputError(str(exc)) from exc
    old_client = generated_client(old.text, old.config, old.templates)
    new_client = generated_client(new.text, new.config, new.templates)
    if isinstance(old_client, GenerationError):
        raise InputError(f"{old.label}: the client cannot be generated ({old_client})")
    if isinstance(new_client, GenerationError):
        # A valid spec that the generator refuses: nothing can be imported from it any more.
        what = f"openapi-python-client refuses the new spec, so no client can be generated: {new_client}"
        client = [Change("breaking", "malomo_client", what, "client-generation-failed", "client")]
    else:
        client = client_changes(old_client, new_client, renamed)
    return sorted([*client, *wire], key=lambda c: (LEVELS.index(c.level), c.layer != "client", c.where))


def markdown_report(old: str, new: str, changes: list[Change]) -> str:
    """The report for a pull-request comment: a count line, then a table per level, breaking first."""
    groups = {level: [c for c in changes if c.level == level] for level in LEVELS}
    lines = [f"## Spec diff: `{old}` → `{new}`", ""]
    if not changes:
        return "\n".join([*lines, "No changes.", ""])
    summary = ", ".join(f"{len(group)} {level}" for level, group in groups.items())
    verdict = "**Breaking.**" if groups["breaking"] else "**Nothing breaks.**"
    lines += [f"{verdict} {summary}.", ""]
    for level, group in groups.items():
        if not group:
            continue
        lines += [f"### {level.capitalize()} ({len(group)})", "", f"_{LEVEL_MEANING[level]}_", ""]
        lines += ["| layer | where | what | rule |", "| --- | --- | --- | --- |"]
        for change in group:
            what = change.what.replace("|", "\\|")
            lines.append(f"| {change.layer} | `{change.where}` | {what} | `{change.rule}` |")
        lines.append("")
    return "\n".join(lines)


def changelog_entry(version: str, changes: list[Change]) -> str:
    """A Keep a Changelog entry drafted from the changes; breaking ones are marked."""
    sections: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
    for change in changes:
        if change.level == "docs":
            continue
        text = f"`{change.where}`: {change.what}"
        if change.level == "breaking":
            section = "Removed" if "removed" in change.rule else "Changed"
            sections[section].append(f"- **Breaking:** {text}")
        else:
            added = "added" in change.rule or change.rule.startswith("new-")
            sections["Added" if added else "Changed"].append(f"- {text}")
    docs = sum(c.level == "docs" for c in changes)
    if docs:
        sections["Changed"].append(
            f"- Documentation of the spec ({docs} descriptions, summaries or examples)."
        )
    lines = [f"## [{version}] - {datetime.date.today().isoformat()}", ""]
    for title, entries in sections.items():
        if entries:
            lines += [f"### {title}", *entries, ""]
    return "\n".join(lines)


SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?")


def parse_version(label: str, text: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(text)
    if not match:
        raise InputError(f"{label}: version {text!r} is not semver (X.Y.Z)")
    return int(match[1]), int(match[2]), int(match[3])


def project_version(pyproject: str, label: str) -> str:
    try:
        return str(tomllib.loads(pyproject)["project"]["version"])
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise InputError(f"{label}: no [project] version in pyproject.toml") from exc


def needed_bump(changes: list[Change]) -> str:
    if any(c.level == "breaking" for c in changes):
        return "breaking"
    return "compatible" if any(c.level == "compatible" for c in changes) else "none"


def bump_is_enough(old: tuple[int, int, int], new: tuple[int, int, int], needed: str) -> bool:
    """Breaking: major (minor while below 1.0); compatible: minor; docs or nothing: none."""
    if new < old:
        return False
    if needed == "breaking":
        return new[0] > old[0] or (old[0] == 0 and new[:2] > old[:2])
    if needed == "compatible":
        return new[:2] > old[:2]
    return True


def check_version(base: str) -> int:
    """Fail when the spec changed since `base` and the package version did not move enough."""
    ref = base.removeprefix("git:")
    if not git_ref_exists(ref):
        print(
            f"version check: {ref} does not exist here (a clone with one commit?); nothing to compare, passed"
        )
        return 0
    old_text = project_version(git_file(ref, "pyproject.toml"), f"{ref}:pyproject.toml")
    new_text = project_version((ROOT / "pyproject.toml").read_text(), "pyproject.toml")
    old, new = parse_version(ref, old_text), parse_version("pyproject.toml", new_text)
    with spec_source(f"git:{ref}") as before, spec_source(str(SPEC)) as after:
        changes = compare(before, after)
    needed = needed_bump(changes)
    problems = []
    if not bump_is_enough(old, new, needed):
        wanted = {"breaking": "a major bump (minor below 1.0)", "compatible": "a minor bump"}.get(needed, "")
        problems.append(
            f"the spec change since {ref} is {needed} and needs {wanted}; "
            f"the version went {old_text} → {new_text}"
        )
    changelog = ROOT / "CHANGELOG.md"
    if not changelog.exists() or f"## [{new_text}]" not in changelog.read_text(encoding="utf-8"):
        problems.append(f"CHANGELOG.md has no entry `## [{new_text}]`")
    if problems:
        if changes:
            print(markdown_report(f"git:{ref}", SPEC_IN_REPO, changes))
        for problem in problems:
            print(f"version check: {problem}", file=sys.stderr)
        return 1
    print(f"version check: spec change since {ref}: {needed}; version {old_text} → {new_text}: enough")
    return 0


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"spec_diff: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", metavar="OLD NEW", help="two specs: paths or git:REF")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of Markdown")
    parser.add_argument(
        "--changelog", metavar="VERSION", help="print a CHANGELOG.md entry for VERSION instead"
    )
    parser.add_argument(
        "--check-version", metavar="BASE", help="check the version bump against BASE (git:REF)"
    )
    args = parser.parse_args(argv)
    if args.check_version is None and len(args.specs) != 2:
        parser.error("give OLD and NEW (paths or git:REF), or --check-version BASE")
    try:
        check_pins()
        if args.check_version is not None:
            return check_version(args.check_version)
        with spec_source(args.specs[0]) as old, spec_source(args.specs[1]) as new:
            changes = compare(old, new)
    except InputError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    breaking = any(c.level == "breaking" for c in changes)
    if args.changelog:
        print(changelog_entry(args.changelog, changes))
    elif args.json:
        print(json.dumps({"breaking": breaking, "changes": [asdict(c) for c in changes]}, indent=2))
    else:
        print(markdown_report(args.specs[0], args.specs[1], changes))
    return 1 if breaking else 0


if __name__ == "__main__":
    sys.exit(main())
