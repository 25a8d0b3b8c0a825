"""The wire diff of an operation's parameters (path, query, header, cookie): removed, added, required,
deprecated, and their schemas. Path parameters are matched by position, so a rename is no wire change."""

from __future__ import annotations

import re
from typing import Any

from malomo_spec import Document
from tools.spec_diff.rules import rule
from tools.spec_diff.wire.context import WireDiff
from tools.spec_diff.wire.schemas import compare_schema

REQUEST_PARAMETER_REMOVED = rule("request-parameter-removed", "breaking", "wire", "a parameter removed")
NEW_REQUIRED_REQUEST_PARAMETER = rule(
    "new-required-request-parameter", "breaking", "wire", "a new parameter every request must send"
)
NEW_OPTIONAL_REQUEST_PARAMETER = rule(
    "new-optional-request-parameter", "compatible", "wire", "a new optional parameter"
)
REQUEST_PARAMETER_BECAME = {
    True: rule("request-parameter-became-required", "breaking", "wire", "a parameter must now be sent"),
    False: rule("request-parameter-became-optional", "compatible", "wire", "a parameter may now be left out"),
}
REQUEST_PARAMETER_DEPRECATED = rule(
    "request-parameter-deprecated", "compatible", "wire", "a parameter's `deprecated` flag changed"
)


def parameters_of(document: Document, entry: Any) -> dict[tuple[str, str], Any]:
    """Effective parameters keyed by location; path parameters by position, so a rename is no change."""
    path, item, op = entry
    placeholders = re.findall(r"\{([^}]*)\}", path)
    merged: dict[tuple[str, str], Any] = {}
    for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = document.resolve(raw, f"{path} parameters")
        where, name = param.get("in", ""), str(param.get("name", ""))
        if where == "path" and name in placeholders:
            key = ("path", f"#{placeholders.index(name)}")
        else:
            key = (where, name.lower() if where == "header" else name)
        merged[key] = param
    return merged


def compare_parameters(diff: WireDiff, where: str, old_entry: Any, new_entry: Any) -> None:
    old_params, new_params = parameters_of(diff.old, old_entry), parameters_of(diff.new, new_entry)
    for key in sorted(old_params.keys() - new_params.keys()):
        param = old_params[key]
        diff.add(
            REQUEST_PARAMETER_REMOVED, where, f"{param.get('in')} parameter `{param.get('name')}` removed"
        )
    for key in sorted(new_params.keys() - old_params.keys()):
        param = new_params[key]
        required = bool(param.get("required"))
        kind = "required" if required else "optional"
        what = f"{kind} {param.get('in')} parameter `{param.get('name')}` added"
        diff.add(NEW_REQUIRED_REQUEST_PARAMETER if required else NEW_OPTIONAL_REQUEST_PARAMETER, where, what)
    for key in sorted(old_params.keys() & new_params.keys()):
        o, n = old_params[key], new_params[key]
        label = f"{n.get('in')} parameter `{n.get('name')}`"
        diff.required(where, label, o, n, REQUEST_PARAMETER_BECAME)
        if o.get("deprecated", False) != n.get("deprecated", False):
            diff.add(REQUEST_PARAMETER_DEPRECATED, where, f"{label} deprecated changed")
        compare_schema(diff, f"{where} {label}", o.get("schema"), n.get("schema"), "request")
        diff.others(f"{where} {label}", o, n, {"name", "in", "required", "deprecated", "schema"})
