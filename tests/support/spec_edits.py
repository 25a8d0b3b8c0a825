"""The spec-edit corpus in tests/tools/spec_edits/: each file a JSON Patch (RFC 6902) of openapi/malomo.yaml,
optionally on top of a `base_patch` (for an edit that needs something the spec does not have, such as a
pattern to remove), with the levels the edit must get and rules that must be among the findings.

Names the edits add are written `{unused:NAME}`: NAME, or NAME_2, NAME_3... whichever the current spec
does not use, so an edit keeps adding something new after the spec gains a field of that name. A value
written `{copy:POINTER}` is a copy of the spec's node at that JSON Pointer."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

import malomo_spec
from support import ROOT

EDITS = sorted((ROOT / "tests" / "tools" / "spec_edits").glob("*.yaml"))
_UNUSED = re.compile(r"\{unused:([^}]+)\}")
_COPY = re.compile(r"\{copy:([^}]+)\}")


def names_in(node: Any) -> set[str]:
    """Every key, and every `name` or `operationId` value, anywhere in `node`."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(str(key))
            if key in ("name", "operationId") and isinstance(value, str):
                found.add(value)
            found |= names_in(value)
    elif isinstance(node, list):
        for item in node:
            found |= names_in(item)
    return found


def _filled(node: Any, document: Mapping[str, Any], chosen: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {_filled(k, document, chosen): _filled(v, document, chosen) for k, v in node.items()}
    if isinstance(node, list):
        return [_filled(item, document, chosen) for item in node]
    if not isinstance(node, str):
        return node
    whole_copy = _COPY.fullmatch(node)
    if whole_copy:
        return copy.deepcopy(malomo_spec.Document(document).pointer("#" + whole_copy[1]))

    def unused(match: re.Match[str]) -> str:
        wanted = match[1]
        if wanted not in chosen:
            taken, name, number = names_in(document), wanted, 1
            while name in taken:
                number += 1
                name = f"{wanted}_{number}"
            chosen[wanted] = name
        return chosen[wanted]

    return _UNUSED.sub(unused, node)


def load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = malomo_spec.parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return case


def _lacked_operation(pointer: str, document: Mapping[str, Any]) -> str | None:
    """The operation `pointer` reaches into that `document` lacks (`DELETE /customers/{id}`, or the one a
    link named after it calls: `.../links/DeleteCustomer`), else None."""
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    paths = document.get("paths", {})
    operation = len(parts) >= 3 and parts[0] == "paths" and parts[2] in malomo_spec.HTTP_METHODS
    # An operation of a path the spec has, missing (a path the patch itself adds is no removal).
    if operation and parts[1] in paths and parts[2] not in paths[parts[1]]:
        return f"{parts[2].upper()} {parts[1]}"
    if "links" in parts[:-1]:
        name = parts[parts.index("links") + 1]
        operation_ids = {op.operation_id for op in malomo_spec.operations(malomo_spec.Document(document))}
        if name[:1].lower() + name[1:] not in operation_ids and not _has_link(document, name):
            return name[:1].lower() + name[1:]
    return None


def _has_link(document: Mapping[str, Any], name: str) -> bool:
    return any(
        isinstance(node, dict) and name in (node.get("links") or {})
        for _, node in malomo_spec.Document(document).walk()
    )


def skip_when_the_spec_lacks_what_it_edits(case: dict[str, Any], document: Mapping[str, Any]) -> None:
    """Skip the test of a corpus edit that changes an operation the spec no longer has (a removed delete)."""
    for change in [*case.get("base_patch", []), *case["patch"]]:
        # What an `add` adds need not exist yet: only where it goes.
        target = change["path"].rsplit("/", 1)[0] if change["op"] == "add" else change["path"]
        for pointer in (target, change.get("from", "")):
            lacked = _lacked_operation(pointer, document) if pointer else None
            if lacked:
                pytest.skip(f"the edit changes {lacked}, which the spec does not have")


def edited(case: dict[str, Any], document: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec before and after the edit: `document` with the base patch, then with the patch too (the
    test is skipped when the edit changes an operation the spec lacks)."""
    skip_when_the_spec_lacks_what_it_edits(case, document)
    chosen: dict[str, str] = {}
    before = jsonpatch.apply_patch(document, _filled(case.get("base_patch", []), document, chosen))
    after = jsonpatch.apply_patch(before, _filled(case["patch"], document, chosen))
    return before, after


# The edits of a spec maintainer that the kit must take with no hand edit outside the spec (issue 28's table),
# each a function of the parsed spec, applied to a copy. `edited_copy` writes one out.
TAGS_MAX_ITEMS, TAG_MAX_LENGTH = 20, 40
TIERS, DEFAULT_TIER = ["standard", "gold", "platinum"], "standard"
WRITTEN_SCHEMAS = ("CustomerCreate", "CustomerUpdate", "Customer")


def add_tags(spec: dict[str, Any]) -> None:
    """A nullable array of short strings, at most 20 of them."""
    field = {
        "type": "array",
        "nullable": True,
        "maxItems": TAGS_MAX_ITEMS,
        "items": {"type": "string", "maxLength": TAG_MAX_LENGTH},
        "description": "Labels of the customer, in the order given; null when none.",
    }
    for schema in WRITTEN_SCHEMAS:
        spec["components"]["schemas"][schema]["properties"]["tags"] = copy.deepcopy(field)


def add_tier(spec: dict[str, Any]) -> None:
    """An enum with a default, not nullable: create takes it (or the default), update may change it."""
    field = {"type": "string", "enum": list(TIERS), "description": "The customer's loyalty tier."}
    for schema in WRITTEN_SCHEMAS:
        with_default = {**field, "default": DEFAULT_TIER} if schema != "CustomerUpdate" else dict(field)
        spec["components"]["schemas"][schema]["properties"]["tier"] = copy.deepcopy(with_default)


def add_email_filter(spec: dict[str, Any]) -> None:
    """An exact-match `email` filter on the customer list."""
    parameter = {
        "name": "email",
        "in": "query",
        "required": False,
        "description": "Only the customers whose email address is exactly this one.",
        "schema": {"type": "string"},
        "x-malomo-filter": {"field": "email", "match": "exact"},
    }
    spec["paths"]["/customers"]["get"].setdefault("parameters", []).append(parameter)


def add_favourite_colour(spec: dict[str, Any]) -> None:
    """An optional field described the way a maintainer naturally would."""
    field = {
        "type": "string",
        "nullable": True,
        "maxLength": 30,
        "description": "The customer's favourite colour; null when none.",
    }
    for schema in WRITTEN_SCHEMAS:
        spec["components"]["schemas"][schema]["properties"]["favourite_colour"] = dict(field)


def rename_phone(spec: dict[str, Any]) -> None:
    """`phone_number` renamed `phone`, marked (the corpus edit property_renamed.yaml)."""
    renamed = edited(load(ROOT / "tests" / "tools" / "spec_edits" / "property_renamed.yaml"), spec)[1]
    spec.clear()
    spec.update(renamed)


def add_event_create(spec: dict[str, Any]) -> None:
    """A new operation: create an event in a customer's log."""
    events = spec["paths"]["/customers/{customer_id}/events"]
    listing = events["get"]
    body = {"type": "object", "required": ["label", "type"], "additionalProperties": False}
    body["properties"] = {
        "label": {"type": "string", "maxLength": 255},
        "type": {"type": "string", "maxLength": 64},
        "link_back_url": {"type": "string", "nullable": True, "maxLength": 2048},
    }
    spec["components"]["schemas"]["EventCreate"] = body
    events["post"] = {
        "operationId": "createCustomerEvent",
        "summary": "Create an event",
        "tags": listing["tags"],
        "parameters": [listing["parameters"][0]],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventCreate"}}},
        },
        "responses": {
            "200": {
                "description": "The event that was created.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
            },
            **{status: listing["responses"][status] for status in ("400", "401", "404", "406")},
        },
    }


def remove_delete(spec: dict[str, Any]) -> None:
    """deleteCustomer removed, and the link to it."""
    del spec["paths"]["/customers/{id}"]["delete"]
    del spec["paths"]["/customers"]["post"]["responses"]["200"]["links"]["DeleteCustomer"]


ROW_EDITS = {
    "tags": add_tags,
    "tier": add_tier,
    "email_filter": add_email_filter,
    "favourite_colour": add_favourite_colour,
}


def edited_copy(edit: Any, into: Path) -> Path:
    """The shipped spec with `edit` applied, written to `into`/edit name.yaml."""
    spec = copy.deepcopy(malomo_spec.load(ROOT / "openapi" / "malomo.yaml").tree)
    edit(spec)
    path = into / f"{edit.__name__}.yaml"
    path.write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    return path
