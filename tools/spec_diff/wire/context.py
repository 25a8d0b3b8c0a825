"""What every area of the wire diff shares: the two documents (their `$ref`s followed by malomo_spec), the
changes found so far, and the checks that apply anywhere (unknown keys, added or removed names, required)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from malomo_spec import Document
from tools.spec_diff.changes import Change, Renames
from tools.spec_diff.rules import change, rule

Direction = Literal["request", "response"]
How = Literal["narrowed", "widened", "changed"]

# Keywords that only document. `title` is here for the wire; the client layer sees it where the
# generator uses it for a class name.
DOC_KEYS = frozenset({"description", "summary", "example", "examples", "externalDocs", "title"})

EXTENSION_CHANGED = rule("extension-changed", "compatible", "wire", "an `x-` extension changed")
UNCLASSIFIED_CHANGE = rule(
    "unclassified-change", "breaking", "wire", "a difference no other rule knows: counted as breaking"
)


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return str(value)


def strip_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: strip_docs(v) for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [strip_docs(v) for v in node]
    return node


def safe_direction(direction: Direction, how: How) -> bool:
    """Requests may widen, responses may narrow; anything else breaks."""
    return how == ("widened" if direction == "request" else "narrowed")


@dataclass
class WireDiff:
    """The two documents being compared and the changes found so far."""

    old: Document
    new: Document
    changes: list[Change] = field(default_factory=list)
    # Schema pairs already compared at a place, so that recursive schemas end.
    seen: set[tuple[int, int, str, str]] = field(default_factory=set)
    # operationIds renamed at the same method and path, and properties the spec marks renamed, for the
    # client layer's report.
    renames: Renames = field(default_factory=Renames)

    def old_ref(self, node: Any) -> Any:
        """`node` of the old document with its `$ref`s followed (malomo_spec.SpecError when they do not)."""
        return self.old.resolve(node)

    def new_ref(self, node: Any) -> Any:
        """`node` of the new document with its `$ref`s followed."""
        return self.new.resolve(node)

    def add(self, rule_id: str, where: str, what: str) -> None:
        self.changes.append(change(rule_id, where, what))

    def others(self, where: str, old: Any, new: Any, known: Iterable[str]) -> None:
        """Keys no rule here knows: extensions are compatible, any other difference breaks."""
        for key in sorted((old.keys() | new.keys()) - set(known) - DOC_KEYS):
            if old.get(key) == new.get(key):
                continue
            if key.startswith("x-"):
                self.add(EXTENSION_CHANGED, where, f"extension `{key}` changed")
            else:
                what = f"`{key}` changed ({shown(old.get(key))} → {shown(new.get(key))}); no rule knows it"
                self.add(UNCLASSIFIED_CHANGE, where, what)

    def set_diff(
        self, where: str, old: Iterable[str], new: Iterable[str], noun: str, removed: str, added: str
    ) -> None:
        """Names (servers, media types) removed, with the rule `removed`, and added, with `added`."""
        for name in sorted(set(old) - set(new)):
            self.add(removed, where, f"{noun} {name} removed")
        for name in sorted(set(new) - set(old)):
            self.add(added, where, f"{noun} {name} added")

    def required(self, where: str, label: str, old: Any, new: Any, became: dict[bool, str]) -> None:
        """A parameter, body or header that became required (rule `became[True]`) or optional."""
        if bool(old.get("required")) != bool(new.get("required")):
            now = bool(new.get("required"))
            self.add(became[now], where, f"{label} became {'required' if now else 'optional'}")


def label(method: str, path: str, op: Any) -> str:
    operation_id = op.get("operationId") if isinstance(op, dict) else None
    return f"{operation_id} ({method.upper()} {path})" if operation_id else f"{method.upper()} {path}"
