"""The keywords of the resource methods (`client.customers.create(phone_number=...)`), which griffe does not
report removed because the methods also take `**options`; and a property the spec marks renamed, reported as
one rename of its keyword and model attribute instead of removals and additions across the client."""

from __future__ import annotations

import re
from collections import defaultdict

import griffe

from tools.spec_diff.changes import Change, Renames
from tools.spec_diff.rules import change, rule

KEYWORD_REMOVED = rule(
    "client-keyword-removed",
    "breaking",
    "client",
    "a keyword of a resource method (`client.customers.create(x=...)`) removed: calls that pass it fail",
)
KEYWORD_RENAMED = rule(
    "client-keyword-renamed",
    "breaking",
    "client",
    "a keyword and model attribute renamed with a property the spec marks renamed",
)
# The variants of one resource class: sync and async, each also `with_raw_response`.
_VARIANT = re.compile(r"^Async|WithRawResponse$")
_REMOVED_TEXT = "keyword `{name}=` removed: calls that pass it fail"


def removed_keywords(old: griffe.Function, new: griffe.Function) -> list[Change]:
    """The named parameters of `old` that `new` lacks, when `new` takes `**` (griffe then reports none)."""
    if not any(p.kind is griffe.ParameterKind.var_keyword for p in new.parameters):
        return []
    kept = {parameter.name for parameter in new.parameters}
    return [
        change(KEYWORD_REMOVED, new.path, _REMOVED_TEXT.format(name=parameter.name))
        for parameter in old.parameters
        if parameter.name not in kept and parameter.kind is not griffe.ParameterKind.var_keyword
    ]


def client_method(path: str) -> str:
    """`malomo_client.resources.AsyncCustomersEventsWithRawResponse.list` -> `client.customers.events.list`
    (the sync and async variants, and their `with_raw_response`, are one method to a caller)."""
    owner, _, method = path.rpartition(".")
    resource = _VARIANT.sub("", _VARIANT.sub("", owner.rpartition(".")[2]))
    words = re.findall(r"[A-Z][a-z0-9]*", resource)
    return ".".join(["client", *(word.lower() for word in words), method])


def _keyword_of(found: Change) -> str | None:
    match = re.fullmatch(r"keyword `(\w+)=` removed.*", found.what)
    return match[1] if match and found.rule == KEYWORD_REMOVED else None


def one_line_per_keyword(changes: list[Change]) -> list[Change]:
    """A removed keyword of the four variants of a resource method as one line."""
    grouped: dict[tuple[str, str], int] = defaultdict(int)
    kept = []
    for found in changes:
        name = _keyword_of(found)
        if name is None:
            kept.append(found)
        else:
            grouped[(client_method(found.where), name)] += 1
    for (method, name), _ in sorted(grouped.items()):
        kept.append(change(KEYWORD_REMOVED, method, _REMOVED_TEXT.format(name=name)))
    return kept


def _renamed_part(found: Change, renames: Renames) -> tuple[str, str] | None:
    """(old name, place) when `found` is one side of a marked rename: the old keyword or attribute gone,
    the new one added."""
    new_names = {new: old for old, new in renames.properties.items()}
    keyword = _keyword_of(found)
    if keyword in renames.properties:
        return keyword, client_method(found.where)
    owner, _, attribute = found.where.rpartition(".")
    if found.rule == "client-object-removed" and attribute in renames.properties:
        return attribute, owner.rpartition(".")[2]
    added = re.fullmatch(r"(.*)\((\w+)=\.\.\.\)", found.where)
    if added and added[2] in new_names and found.rule.startswith("client-model-"):
        return new_names[added[2]], added[1].rpartition(".")[2]
    parameter = re.fullmatch(r"new optional parameter `(\w+)`", found.what)
    if parameter and parameter[1] in new_names:
        return new_names[parameter[1]], client_method(found.where)
    return None


def fold_renames(changes: list[Change], renames: Renames) -> list[Change]:
    """The changes with each marked property rename's removals and additions as one rename line."""
    places: dict[str, set[str]] = defaultdict(set)
    kept = []
    for found in changes:
        part = _renamed_part(found, renames)
        if part is None:
            kept.append(found)
        else:
            places[part[0]].add(part[1])
    for old, where in sorted(places.items()):
        new = renames.properties[old]
        used = ", ".join(sorted(where))
        what = f"`{old}=` is now `{new}=` (and `.{old}` is `.{new}`): renamed in the spec; in {used}"
        kept.append(change(KEYWORD_RENAMED, f"{old}= → {new}=", what))
    return one_line_per_keyword(kept)
