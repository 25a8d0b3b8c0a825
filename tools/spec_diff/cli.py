"""What a change of openapi/malomo.yaml breaks, for the wire and for the generated client's Python API.

    python -m tools.spec_diff OLD NEW [--json] [--changelog VERSION]
    python -m tools.spec_diff --changelog VERSION     # a draft against the last release
    python -m tools.spec_diff --check-version [BASE]  # BASE: git:REF, default the last release
    python -m tools.spec_diff --rules                 # every rule: id, level, layer, what it finds

OLD, NEW and BASE are file paths or `git:REF` (the spec, generator config and templates at that
commit). The last release is the newest `vX.Y.Z` tag, else the last commit that changed the package
version; it is compared with the work tree, committed or not. Exit 0: nothing breaking (or the
version moved enough); 1: something breaks (or it did not, or a draft would be empty); 2: bad input,
with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import NoReturn

from tools.codegen.generate import check_pins
from tools.release import git_history
from tools.release.releases import check_version
from tools.spec_diff.changes import InputError
from tools.spec_diff.reports import changelog_entry, markdown_report
from tools.spec_diff.rules import rules_table
from tools.spec_diff.spec_comparison import SPEC_IN_REPO, compare, spec_source


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"spec_diff: {message}\n")


def _last_release_and_work_tree() -> tuple[str, str]:
    release = git_history.last_release()
    if release is None:
        raise InputError("no commit has a pyproject.toml version yet; give OLD and NEW")
    return f"git:{release.ref}", str(git_history.ROOT / SPEC_IN_REPO)


def main(argv: list[str] | None = None) -> int:
    parser = _OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", metavar="OLD NEW", help="two specs: paths or git:REF")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of Markdown")
    parser.add_argument(
        "--changelog", metavar="VERSION", help="print a CHANGELOG.md entry for VERSION instead"
    )
    parser.add_argument(
        "--check-version",
        nargs="?",
        const="",
        metavar="BASE",
        help="check the version bump against BASE (git:REF), by default against the last release",
    )
    parser.add_argument("--rules", action="store_true", help="print the table of rules and exit")
    args = parser.parse_args(argv)
    if args.rules:
        print(rules_table(), end="")
        return 0
    if args.check_version is None and len(args.specs) not in (0, 2):
        parser.error("give OLD and NEW (paths or git:REF), or --check-version [BASE]")
    if args.check_version is None and not args.specs and not args.changelog:
        parser.error("give OLD and NEW (paths or git:REF), or --changelog VERSION, or --check-version")
    try:
        check_pins()
        if args.check_version is not None:
            return check_version(args.check_version or None)
        old_label, new_label = args.specs or _last_release_and_work_tree()
        with spec_source(old_label) as old, spec_source(new_label) as new:
            changes = compare(old, new)
    except InputError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    breaking = any(c.level == "breaking" for c in changes)
    if args.changelog:
        entry = changelog_entry(args.changelog, changes)
        if entry is None:
            why = f"no spec change from {old_label} to {new_label}: nothing to draft"
            print(f"spec_diff: {why}", file=sys.stderr)
            return 1
        print(entry)
        return 0
    if args.json:
        print(json.dumps({"breaking": breaking, "changes": [asdict(c) for c in changes]}, indent=2))
    else:
        print(markdown_report(old_label, new_label, changes))
    return 1 if breaking else 0
