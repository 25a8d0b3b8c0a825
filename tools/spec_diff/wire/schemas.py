"""The wire diff of schemas: the values a request accepts may widen, the values a response promises may
narrow; the reverse breaks. Types, nullability, formats, bounds, patterns, enums, properties, required,
additionalProperties, combinators, defaults and readOnly/writeOnly."""

from __future__ import annotations

from typing import Any

from malomo_spec.markers import MARKERS
from tools.spec_diff.rules import rule
from tools.spec_diff.wire.context import DOC_KEYS, Direction, How, WireDiff, safe_direction, shown, strip_docs
from tools.spec_diff.wire.renames import PROPERTY_RENAMED, marked_renames, rename_hint

UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum")
FLAGS = ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems")
BOUNDS = (*UPPER_BOUNDS, *LOWER_BOUNDS, "multipleOf", *FLAGS)
# Schema keywords that narrow or widen the values allowed, in the order they are reported.
VALUE_KEYWORDS = ("type", "nullable", "format", *BOUNDS, "pattern")
COMBINATORS = ("allOf", "anyOf", "not", "oneOf")
SCHEMA_KEYWORDS = DOC_KEYS | {
    *VALUE_KEYWORDS,
    *COMBINATORS,
    *("enum", "items", "properties", "required", "additionalProperties", "default"),
    *("deprecated", "readOnly", "writeOnly"),
    *MARKERS,
}

_MORE, _LESS = "requests accept more values", "requests accept fewer (or other) values"
_NARROWER, _WIDER = "responses promise narrower values", "responses may hold values they could not"
# (keyword family, direction, safe?) → rule. Safe: a request widens or a response narrows.
VALUE_RULES = {
    ("type", "request", True): rule("request-type-widened", "compatible", "wire", f"type: {_MORE}"),
    ("type", "request", False): rule("request-type-changed", "breaking", "wire", f"type: {_LESS}"),
    ("type", "response", True): rule("response-type-narrowed", "compatible", "wire", f"type: {_NARROWER}"),
    ("type", "response", False): rule("response-type-changed", "breaking", "wire", f"type: {_WIDER}"),
    ("nullable", "request", True): rule(
        "request-became-nullable", "compatible", "wire", "a request value may be null"
    ),
    ("nullable", "request", False): rule(
        "request-became-not-nullable", "breaking", "wire", "a request value may no longer be null"
    ),
    ("nullable", "response", True): rule(
        "response-became-not-nullable", "compatible", "wire", "a response value is never null any more"
    ),
    ("nullable", "response", False): rule(
        "response-became-nullable", "breaking", "wire", "a response value may be null"
    ),
    ("format", "request", True): rule("request-format-widened", "compatible", "wire", f"format: {_MORE}"),
    ("format", "request", False): rule("request-format-changed", "breaking", "wire", f"format: {_LESS}"),
    ("format", "response", True): rule(
        "response-format-narrowed", "compatible", "wire", f"format: {_NARROWER}"
    ),
    ("format", "response", False): rule("response-format-changed", "breaking", "wire", f"format: {_WIDER}"),
    ("bound", "request", True): rule(
        "request-bound-widened", "compatible", "wire", f"a length, size or range bound: {_MORE}"
    ),
    ("bound", "request", False): rule(
        "request-bound-narrowed", "breaking", "wire", f"a length, size or range bound: {_LESS}"
    ),
    ("bound", "response", True): rule(
        "response-bound-narrowed",
        "compatible",
        "wire",
        f"a length, size or range bound: {_NARROWER}",
    ),
    ("bound", "response", False): rule(
        "response-bound-widened", "breaking", "wire", f"a length, size or range bound: {_WIDER}"
    ),
    ("pattern", "request", True): rule("request-pattern-widened", "compatible", "wire", f"pattern: {_MORE}"),
    ("pattern", "request", False): rule("request-pattern-changed", "breaking", "wire", f"pattern: {_LESS}"),
    ("pattern", "response", True): rule(
        "response-pattern-narrowed", "compatible", "wire", f"pattern: {_NARROWER}"
    ),
    ("pattern", "response", False): rule(
        "response-pattern-changed", "breaking", "wire", f"pattern: {_WIDER}"
    ),
    ("enum", "request", True): rule("request-enum-widened", "compatible", "wire", f"enum: {_MORE}"),
    ("enum", "request", False): rule("request-enum-changed", "breaking", "wire", f"enum: {_LESS}"),
    ("enum", "response", True): rule("response-enum-narrowed", "compatible", "wire", f"enum: {_NARROWER}"),
    ("enum", "response", False): rule("response-enum-changed", "breaking", "wire", f"enum: {_WIDER}"),
    ("additionalProperties", "request", True): rule(
        "request-additional-properties-widened",
        "compatible",
        "wire",
        "a request object accepts more properties",
    ),
    ("additionalProperties", "request", False): rule(
        "request-additional-properties-narrowed",
        "breaking",
        "wire",
        "a request object refuses properties it took",
    ),
    ("additionalProperties", "response", True): rule(
        "response-additional-properties-narrowed",
        "compatible",
        "wire",
        "a response object holds fewer kinds of property",
    ),
    ("additionalProperties", "response", False): rule(
        "response-additional-properties-widened",
        "breaking",
        "wire",
        "a response object may hold more kinds of property",
    ),
    ("required", "request", True): rule(
        "request-property-became-optional", "compatible", "wire", "a request property may be left out"
    ),
    ("required", "request", False): rule(
        "request-property-became-required", "breaking", "wire", "a request property must be sent"
    ),
    ("required", "response", True): rule(
        "response-property-became-required", "compatible", "wire", "a response property is always there"
    ),
    ("required", "response", False): rule(
        "response-property-became-optional", "breaking", "wire", "a response property may be missing"
    ),
}
ENUM_REORDERED = rule("enum-reordered", "compatible", "wire", "the same enum values in another order")
PROPERTY_DEPRECATED = rule(
    "property-deprecated", "compatible", "wire", "a schema's `deprecated` flag changed"
)
REQUEST_DEFAULT_CHANGED = rule(
    "request-default-changed", "breaking", "wire", "what the server assumes for a value left out changed"
)
RESPONSE_DEFAULT_CHANGED = rule(
    "response-default-changed", "compatible", "wire", "a response schema's default changed"
)
REQUEST_BECAME_READ_ONLY = rule(
    "request-became-read-only", "breaking", "wire", "a request property became readOnly: it may not be sent"
)
RESPONSE_BECAME_WRITE_ONLY = rule(
    "response-became-write-only",
    "breaking",
    "wire",
    "a response property became writeOnly: it is not returned",
)
READ_WRITE_ONLY_CHANGED = rule(
    "read-write-only-changed", "compatible", "wire", "readOnly/writeOnly changed where it takes nothing away"
)
REQUEST_PROPERTY_REMOVED = rule("request-property-removed", "breaking", "wire", "a request property removed")
RESPONSE_PROPERTY_REMOVED = rule(
    "response-property-removed", "breaking", "wire", "a response property removed"
)
NEW_REQUIRED_REQUEST_PROPERTY = rule(
    "new-required-request-property", "breaking", "wire", "a new property every request must send"
)
NEW_REQUEST_PROPERTY = rule("new-request-property", "compatible", "wire", "a new optional request property")
NEW_RESPONSE_PROPERTY = rule("new-response-property", "compatible", "wire", "a new response property")
COMBINATOR_CHANGED = rule(
    "schema-combinator-changed", "breaking", "wire", "allOf/anyOf/oneOf/not gained or lost a branch"
)
COMBINATOR_KEEPS_VALUES = rule(
    "combinator-keeps-old-values",
    "compatible",
    "wire",
    "a request value became anyOf/oneOf, one branch of which takes every value it took"
    " (or a response value narrowed to one branch)",
)


def _how(key: str, old: Any, new: Any) -> How:
    """How a changed value keyword moves the set of values a schema allows."""
    if key == "type":
        if (old == "integer" and new == "number") or new is None:
            return "widened"
        return "narrowed" if (old == "number" and new == "integer") or old is None else "changed"
    if key == "nullable":
        return "widened" if new else "narrowed"
    if key in FLAGS:
        return "narrowed" if new else "widened"
    if key in UPPER_BOUNDS:
        return "narrowed" if old is None or (new is not None and new < old) else "widened"
    if key in LOWER_BOUNDS:
        return "narrowed" if old is None or (new is not None and new > old) else "widened"
    # format, pattern, multipleOf: a new one narrows, dropping one widens, another one changes.
    return "narrowed" if old is None else "widened" if new is None else "changed"


def _value_rule(family: str, direction: Direction, how: How) -> str:
    return VALUE_RULES[(family, direction, safe_direction(direction, how))]


def compare_schema(diff: WireDiff, where: str, old_raw: Any, new_raw: Any, direction: Direction) -> None:
    old, new = diff.old_ref(old_raw), diff.new_ref(new_raw)
    if old is None and new is None:
        return
    if old is None or new is None:
        # No schema allows any value: adding one narrows as a type does, removing one widens.
        how: How = "narrowed" if old is None else "widened"
        diff.add(
            _value_rule("type", direction, how), where, f"schema {'added' if old is None else 'removed'}"
        )
        return
    token = (id(old), id(new), direction, where)
    if token in diff.seen:
        return
    diff.seen.add(token)
    _values(diff, where, old, new, direction)
    _object(diff, where, old, new, direction)
    if "items" in old or "items" in new:
        compare_schema(diff, f"{where}[]", old.get("items"), new.get("items"), direction)
    if old.get("default") != new.get("default"):
        what = f"default {shown(old.get('default'))} → {shown(new.get('default'))}"
        diff.add(REQUEST_DEFAULT_CHANGED if direction == "request" else RESPONSE_DEFAULT_CHANGED, where, what)
    if old.get("deprecated", False) != new.get("deprecated", False):
        diff.add(
            PROPERTY_DEPRECATED, where, "deprecated" if new.get("deprecated") else "no longer deprecated"
        )
    # readOnly: never in requests; writeOnly: never in responses. Gaining the one that concerns
    # this direction takes the property away from it.
    concern = "readOnly" if direction == "request" else "writeOnly"
    for key in ("readOnly", "writeOnly"):
        before, after = bool(old.get(key)), bool(new.get(key))
        if before != after:
            taken = REQUEST_BECAME_READ_ONLY if direction == "request" else RESPONSE_BECAME_WRITE_ONLY
            diff.add(
                taken if key == concern and after else READ_WRITE_ONLY_CHANGED,
                where,
                f"{key} {shown(before)} → {shown(after)}",
            )
    diff.others(where, old, new, SCHEMA_KEYWORDS)


def _values(diff: WireDiff, where: str, old: Any, new: Any, direction: Direction) -> None:
    """Type, bounds, formats and enums: the values a schema allows."""
    for key in VALUE_KEYWORDS:
        o, n = old.get(key), new.get(key)
        if key in FLAGS or key == "nullable":
            o, n = bool(o), bool(n)
        if o == n:
            continue
        how = _how(key, o, n)
        what = (
            f"{key} {o} → {n}" if key in ("type", "format", "pattern") else f"{key} {shown(o)} → {shown(n)}"
        )
        if key == "nullable":
            what = "became nullable" if n else "no longer nullable"
        diff.add(_value_rule("bound" if key in BOUNDS else key, direction, how), where, what)
    o_enum, n_enum = old.get("enum"), new.get("enum")
    if o_enum == n_enum:
        return
    if o_enum is None or n_enum is None:
        how = "narrowed" if o_enum is None else "widened"
        what = "enum added" if o_enum is None else "enum removed"
    else:
        removed = [v for v in o_enum if v not in n_enum]
        added = [v for v in n_enum if v not in o_enum]
        if not removed and not added:
            diff.add(ENUM_REORDERED, where, "enum values reordered")
            return
        how = "changed" if removed and added else "narrowed" if removed else "widened"
        parts = [f"enum values removed {shown(removed)}"] if removed else []
        what = "; ".join(parts + ([f"enum values added {shown(added)}"] if added else []))
    diff.add(_value_rule("enum", direction, how), where, what)


def _object(diff: WireDiff, where: str, old: Any, new: Any, direction: Direction) -> None:
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
    removed = REQUEST_PROPERTY_REMOVED if direction == "request" else RESPONSE_PROPERTY_REMOVED
    renamed = marked_renames(diff, old, new)
    for old_name, new_name in sorted(renamed.items()):
        diff.add(PROPERTY_RENAMED, f"{where}.{old_name}", f"{old_name} → {new_name}")
        diff.renames.properties[old_name] = new_name
        compare_schema(diff, f"{where}.{new_name}", old_props[old_name], new_props[new_name], direction)
        if (old_name in old_req) != (new_name in new_req):
            how_required: How = "narrowed" if new_name in new_req else "widened"
            became = "required" if new_name in new_req else "optional"
            diff.add(
                _value_rule("required", direction, how_required), f"{where}.{new_name}", f"became {became}"
            )
    additions = {
        name: new_props[name] for name in new_props.keys() - old_props.keys() - set(renamed.values())
    }
    for name in sorted(old_props.keys() - new_props.keys() - renamed.keys()):
        hint = rename_hint(diff, old_props[name], additions)
        diff.add(removed, f"{where}.{name}", "property removed" + hint)
    for name in sorted(additions):
        kind = "required" if name in new_req else "optional"
        if direction == "request":
            added = NEW_REQUIRED_REQUEST_PROPERTY if name in new_req else NEW_REQUEST_PROPERTY
        else:
            added = NEW_RESPONSE_PROPERTY
        diff.add(added, f"{where}.{name}", f"{kind} property added")
    for name in sorted(old_props.keys() & new_props.keys()):
        compare_schema(diff, f"{where}.{name}", old_props[name], new_props[name], direction)
    # Properties added or removed were reported above; these kept their place but not their status.
    for name in sorted((old_req ^ new_req) - (old_props.keys() ^ new_props.keys())):
        became = "required" if name in new_req else "optional"
        listed = "" if name in old_props else " (not among the properties)"
        how: How = "narrowed" if name in new_req else "widened"
        diff.add(_value_rule("required", direction, how), f"{where}.{name}", f"became {became}{listed}")
    o_add, n_add = old.get("additionalProperties", True), new.get("additionalProperties", True)
    if isinstance(o_add, dict) and isinstance(n_add, dict):
        compare_schema(diff, f"{where}.*", o_add, n_add, direction)
    elif o_add != n_add:
        closed = n_add is False or (isinstance(n_add, dict) and o_add is True)
        what = "unknown properties now refused" if n_add is False else "additionalProperties changed"
        if o_add is False:
            what = "unknown properties now allowed"
        diff.add(
            _value_rule("additionalProperties", direction, "narrowed" if closed else "widened"), where, what
        )
    for key in sorted(set(COMBINATORS) & (old.keys() | new.keys())):
        o, n = old.get(key), new.get(key)
        if isinstance(o, list) and isinstance(n, list) and len(o) == len(n):
            for index, (a, b) in enumerate(zip(o, n, strict=True)):
                compare_schema(diff, f"{where}({key}[{index}])", a, b, direction)
        elif key == "not" and o is not None and n is not None:
            compare_schema(diff, f"{where}(not)", o, n, "response" if direction == "request" else "request")
        elif _one_branch_keeps_values(diff, where, old, new, key, direction):
            diff.add(COMBINATOR_KEEPS_VALUES, where, f"`{key}` of {len(new.get(key) or old[key])} branches")
        elif strip_docs(o) != strip_docs(n):
            diff.add(COMBINATOR_CHANGED, where, f"`{key}` changed")


def _one_branch_keeps_values(
    diff: WireDiff, where: str, old: Any, new: Any, key: str, direction: Direction
) -> bool:
    """A request schema that became `anyOf`/`oneOf` (a response one that stopped being one) where one
    branch, with the keywords beside the combinator, allows every value the single schema allowed; for
    `oneOf` the other branches must take none of them (another type)."""
    wide, narrow = (new, old) if direction == "request" else (old, new)
    branches = wide.get(key)
    if key not in ("anyOf", "oneOf") or not isinstance(branches, list) or narrow.get(key) is not None:
        return False
    wide_ref = diff.new_ref if direction == "request" else diff.old_ref
    beside = {k: v for k, v in wide.items() if k not in COMBINATORS}
    single = {k: v for k, v in narrow.items() if k not in COMBINATORS}
    for index, branch in enumerate(branches):
        effective = {**beside, **wide_ref(branch)}
        trial = WireDiff(diff.old, diff.new)
        pair = (single, effective) if direction == "request" else (effective, single)
        compare_schema(trial, f"{where}({key}[{index}])", *pair, direction)
        if any(found.level == "breaking" for found in trial.changes):
            continue
        others = [wide_ref(b).get("type") for i, b in enumerate(branches) if i != index]
        if key == "anyOf" or (single.get("type") is not None and single.get("type") not in others):
            return True
    return False
