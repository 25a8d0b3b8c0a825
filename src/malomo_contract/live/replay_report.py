"""The replay's report: the differences by operation, each with the recorded answer (its ids mapped to the new
run's) beside the new one. One self-contained HTML file, or Markdown for any other suffix."""

from __future__ import annotations

import html
from itertools import groupby
from pathlib import Path

from malomo_contract.live.replay import Difference, ReplayRun

STYLE = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}"
    "pre{margin:0;white-space:pre-wrap;font-size:.85em}.ok{color:#070}.bad{color:#a00}"
)


def _by_operation(run: ReplayRun) -> list[tuple[str, list[Difference]]]:
    ordered = sorted(run.differences, key=lambda difference: difference.operation)
    return [(label, list(group)) for label, group in groupby(ordered, key=lambda d: d.operation)]


def _summary(run: ReplayRun) -> str:
    parts = [f"{run.replayed} exchanges of {run.source} replayed against {run.target} in {run.seconds:.2f} s"]
    if run.skipped:
        parts.append(f"{len(run.skipped)} writes skipped (--read-only): {', '.join(run.skipped)}")
    if run.unmatched:
        parts.append(f"{len(run.unmatched)} matching no operation of the spec left out")
    parts.append(f"{len(run.differences)} answers differ from the recording")
    return "; ".join(parts)


def render_html(run: ReplayRun) -> str:
    verdict = "bad" if run.differences else "ok"
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>malomo-contract replay</title>',
        f"<style>{STYLE}</style></head><body>",
        "<h1>malomo-contract replay</h1>",
        f'<p class="{verdict}" data-differences="{len(run.differences)}">{html.escape(_summary(run))}</p>',
    ]
    for label, found in _by_operation(run):
        lines.append(f'<h2 data-operation="{html.escape(label)}">{html.escape(label)}: {len(found)}</h2>')
        lines.append("<table><tr><th>exchange</th><th>recorded</th><th>now</th></tr>")
        for difference in found:
            what = "<br>".join(html.escape(item) for item in difference.what)
            lines.append(
                f"<tr><td>{html.escape(difference.label)}<br>{what}</td>"
                f"<td><pre>{html.escape(difference.recorded)}</pre></td>"
                f"<td><pre>{html.escape(difference.new)}</pre></td></tr>"
            )
        lines.append("</table>")
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


def render_markdown(run: ReplayRun) -> str:
    lines = ["# malomo-contract replay", "", _summary(run), ""]
    for label, found in _by_operation(run):
        lines += [f"## {label}: {len(found)}", ""]
        for difference in found:
            lines += [f"### {difference.label}", "", *[f"- {item}" for item in difference.what], ""]
            lines += [
                "Recorded:",
                "",
                "```",
                difference.recorded,
                "```",
                "",
                "Now:",
                "",
                "```",
                difference.new,
                "```",
                "",
            ]
    return "\n".join(lines)


def write_report(run: ReplayRun, path: Path) -> None:
    render = render_html if path.suffix.lower() in (".html", ".htm") else render_markdown
    path.write_text(render(run), encoding="utf-8")
