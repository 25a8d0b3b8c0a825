"""The docs layer of the spec diff: descriptions, summaries, examples, titles, tags and the API's
version, reported once where they are written (a shared component: once)."""

from __future__ import annotations

from typing import Any

from malomo_spec import HTTP_METHODS
from tools.spec_diff.rules import rule
from tools.spec_diff.wire.context import DOC_KEYS, WireDiff, shown

DESCRIPTION_CHANGED = rule("description-changed", "docs", "docs", "a description added, removed or reworded")
SUMMARY_CHANGED = rule("summary-changed", "docs", "docs", "a summary added, removed or reworded")
EXAMPLE_CHANGED = rule("example-changed", "docs", "docs", "an example added, removed or changed")
DOCS_CHANGED = rule(
    "docs-changed", "docs", "docs", "a title, externalDocs, the document's tags or `info` changed"
)
API_VERSION_CHANGED = rule("api-version-changed", "docs", "docs", "`info.version`, the Malomo API's version")
OPERATION_TAGS_CHANGED = rule(
    "operation-tags-changed", "docs", "docs", "an operation's tags (the client layer shows what moved)"
)
DOC_KEY_RULES = {
    "description": DESCRIPTION_CHANGED,
    "summary": SUMMARY_CHANGED,
    "example": EXAMPLE_CHANGED,
    "examples": EXAMPLE_CHANGED,
}
# Keys whose value maps names (not keywords) to objects: a property called `description` is data.
NAME_MAPS = frozenset(
    {
        *("properties", "paths", "schemas", "responses", "parameters", "headers", "content", "links"),
        *("securitySchemes", "requestBodies", "callbacks", "variables", "mapping", "encoding"),
    }
)


def compare_docs(diff: WireDiff, old: Any, new: Any, trail: list[str]) -> None:
    """Docs-only differences below `trail`."""
    if isinstance(old, list) and isinstance(new, list):
        for key, (a, b) in _pair_list(old, new).items():
            compare_docs(diff, a, b, [*trail, key])
        return
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return
    names = bool(trail) and trail[-1] in NAME_MAPS and not _is_named_object(trail)
    for key in sorted(old.keys() | new.keys(), key=str):
        if key not in old or key not in new:
            if not names and key in DOC_KEYS:
                state = "added" if key in new else "removed"
                diff.add(DOC_KEY_RULES.get(key, DOCS_CHANGED), _doc_where(trail), f"{key} {state}")
            continue
        if old[key] == new[key]:
            continue
        if trail == ["info"] and key == "version":
            diff.add(API_VERSION_CHANGED, "info.version", f"API version {old[key]} → {new[key]}")
        elif names:
            compare_docs(diff, old[key], new[key], [*trail, str(key)])
        elif key in DOC_KEYS or (trail == [] and key == "tags") or trail == ["info"]:
            diff.add(DOC_KEY_RULES.get(key, DOCS_CHANGED), _doc_where([*trail, str(key)]), f"{key} changed")
        elif key == "tags" and len(trail) >= 3 and trail[0] == "paths":
            what = f"tags {shown(old[key])} → {shown(new[key])} (the client layer shows what moved)"
            diff.add(OPERATION_TAGS_CHANGED, _doc_where(trail), what)
        else:
            compare_docs(diff, old[key], new[key], [*trail, str(key)])


def _is_named_object(trail: list[str]) -> bool:
    """True where the last key is itself a name inside a name map (a property called `properties`)."""
    return len(trail) >= 2 and trail[-2] in NAME_MAPS and not _is_named_object(trail[:-1])


def _pair_list(old: list[Any], new: list[Any]) -> dict[str, tuple[Any, Any]]:
    """Pair list items by (in, name) for parameters, else by position."""

    def key(item: Any, index: int) -> str:
        if isinstance(item, dict) and "name" in item and "in" in item:
            return f"{item['in']}:{item['name']}"
        if isinstance(item, dict) and "$ref" in item:
            return str(item["$ref"])
        return str(index)

    left = {key(item, i): item for i, item in enumerate(old)}
    right = {key(item, i): item for i, item in enumerate(new)}
    return {k: (left[k], right[k]) for k in left.keys() & right.keys()}


def _doc_where(trail: list[str]) -> str:
    if len(trail) >= 3 and trail[0] == "paths" and trail[2] in HTTP_METHODS:
        return " ".join([trail[2].upper(), trail[1], *trail[3:]])
    if len(trail) >= 3 and trail[0] == "components":
        kinds = {"schemas": "schema", "responses": "response", "parameters": "parameter"}
        return " ".join([kinds.get(trail[1], trail[1]), ".".join(t for t in trail[2:] if t != "properties")])
    return ".".join(trail) or "document"
