"""Properties renamed in place: the spec marks them (`x-renamed-properties` on the object, `x-renamed-from`
on an inline property, malomo_spec.markers), and the diff reports each rename once instead of a removal
and an addition at every place the schema is used. An unmarked removal beside an addition of the same
schema gets a hint that it may be a rename."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from malomo_spec import renamed_properties
from malomo_spec.markers import MARKERS
from tools.spec_diff.changes import Change
from tools.spec_diff.rules import change, rule
from tools.spec_diff.wire.context import WireDiff, strip_docs

PROPERTY_RENAMED = rule(
    "property-renamed",
    "breaking",
    "wire",
    "a property renamed (the spec marks it): bodies and answers use the new name only",
)


def marked_renames(diff: WireDiff, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str]:
    """{old name: new name} of the properties `new` marks renamed from one `old` had and has no more."""
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    return {
        old_name: new_name
        for new_name, old_name in renamed_properties(diff.new, new).items()
        if old_name in old_props and old_name not in new_props and new_name not in old_props
        if new_name in new_props
    }


def _plain(schema: Any) -> Any:
    """A schema without what documents it or marks it: what a value must be."""
    stripped = strip_docs(schema)
    return {k: v for k, v in stripped.items() if k not in MARKERS} if isinstance(stripped, dict) else stripped


def rename_hint(diff: WireDiff, old_schema: Any, added: Mapping[str, Any]) -> str:
    """For a property removed: the added properties of the very same schema, as a hint of a rename."""
    same = [
        name
        for name, schema in added.items()
        if _plain(diff.new_ref(schema)) == _plain(diff.old_ref(old_schema))
    ]
    if not same:
        return ""
    names = ", ".join(f"`{name}`" for name in sorted(same))
    return f"; {names} was added with the same schema: if it is a rename, mark it (x-renamed-properties)"


def one_line_per_rename(changes: list[Change]) -> list[Change]:
    """The changes with every `property-renamed` finding of one rename merged into one line."""
    places: dict[str, list[str]] = defaultdict(list)
    kept = []
    for found in changes:
        if found.rule == PROPERTY_RENAMED:
            places[found.what].append(found.where.rsplit(".", 1)[0])
        else:
            kept.append(found)
    for what, wheres in places.items():
        old_name, new_name = what.split(" → ")
        listed = ", ".join(sorted(set(wheres)))
        text = f"renamed `{old_name}` → `{new_name}` (marked in the spec), in: {listed}"
        kept.append(change(PROPERTY_RENAMED, f"{old_name} → {new_name}", text))
    return kept
