"""The spec diff's outputs for people: a Markdown report for pull requests and a changelog draft."""

from __future__ import annotations

import datetime

from tools.spec_diff.changes import LEVELS, Change

LEVEL_MEANING = {
    "breaking": "a client, or code calling the generated client, written against OLD can fail with NEW",
    "compatible": "additive: what worked with OLD keeps working",
    "docs": "descriptions, summaries and examples only",
}


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


def changelog_entry(version: str, changes: list[Change]) -> str | None:
    """A Keep a Changelog entry drafted from the changes, breaking ones marked; None when there is
    nothing to write."""
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
    if not any(sections.values()):
        return None
    lines = [f"## [{version}] - {datetime.date.today().isoformat()}", ""]
    for title, entries in sections.items():
        if entries:
            lines += [f"### {title}", *entries, ""]
    return "\n".join(lines)
