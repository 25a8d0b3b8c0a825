"""The wire layer of tools/spec_diff/cli.py: what a spec change does to the HTTP contract.

Rules are client-centric, as oasdiff's are: a change is `breaking` when a client written against
OLD can fail against a server that follows NEW. Requests may widen (accept more) and responses may
narrow (promise more); the reverse breaks. Descriptions, summaries and examples are `docs`. A
difference no rule knows is reported as breaking, so that nothing is left out silently. This module
walks the operations; parameters.py, bodies.py, schemas.py, security.py and docs.py hold the
checks of each area, each with its rules.
"""

from __future__ import annotations

import re
from typing import Any

from malomo_spec import HTTP_METHODS, Document
from tools.spec_diff.changes import Change, Renames
from tools.spec_diff.rules import rule
from tools.spec_diff.wire.bodies import compare_request_body, compare_responses, flow_headers
from tools.spec_diff.wire.context import WireDiff, label
from tools.spec_diff.wire.docs import compare_docs
from tools.spec_diff.wire.parameters import compare_parameters
from tools.spec_diff.wire.renames import one_line_per_rename
from tools.spec_diff.wire.security import compare_security

OPENAPI_VERSION_CHANGED = rule(
    "openapi-version-changed", "compatible", "wire", "the document's `openapi` version"
)
SERVER_REMOVED = rule("server-removed", "breaking", "wire", "a server URL removed")
SERVER_ADDED = rule("server-added", "compatible", "wire", "a server URL added")
ENDPOINT_REMOVED = rule("endpoint-removed", "breaking", "wire", "an operation removed")
ENDPOINT_ADDED = rule("endpoint-added", "compatible", "wire", "an operation added")
OPERATION_ID_CHANGED = rule(
    "operation-id-changed",
    "compatible",
    "wire",
    "an operationId renamed: nothing on the wire (see the client layer)",
)
OPERATION_DEPRECATED = rule(
    "operation-deprecated", "compatible", "wire", "an operation's `deprecated` flag changed"
)
OPERATION_KEYS = {"operationId", "deprecated", "parameters", "requestBody", "responses", "security", "tags"}


def _operations_of(document: Document) -> dict[tuple[str, str], Any]:
    """(method, path with its parameters unnamed) → (path, path item, operation). Not malomo_spec's
    operations(): the diff also compares operations that have no operationId."""
    found = {}
    for path, raw_item in (document.tree.get("paths") or {}).items():
        item = document.resolve(raw_item, path)
        shape = re.sub(r"\{[^}]*\}", "{}", path)
        for method in HTTP_METHODS:
            if method in item:
                found[(method, shape)] = (
                    path,
                    item,
                    document.resolve(item[method], f"{method.upper()} {path}"),
                )
    return found


def _operation(diff: WireDiff, method: str, old_entry: Any, new_entry: Any) -> None:
    old, new = old_entry[2], new_entry[2]
    where = label(method, new_entry[0], new)
    old_id, new_id = old.get("operationId"), new.get("operationId")
    if old_id != new_id:
        diff.renames.operations[str(old_id)] = str(new_id)
        what = f"operationId {old_id} → {new_id}; the wire is unchanged (see the client layer)"
        diff.add(OPERATION_ID_CHANGED, where, what)
    if old.get("deprecated", False) != new.get("deprecated", False):
        diff.add(
            OPERATION_DEPRECATED,
            where,
            f"operation {'deprecated' if new.get('deprecated') else 'no longer deprecated'}",
        )
    compare_parameters(diff, where, old_entry, new_entry)
    compare_request_body(diff, where, old.get("requestBody"), new.get("requestBody"))
    flow = flow_headers(diff.old, old_entry[1], old)
    compare_responses(diff, where, old.get("responses") or {}, new.get("responses") or {}, flow)
    compare_security(diff, where, old, new)
    diff.others(where, old, new, OPERATION_KEYS)


def wire_changes(old_document: Document, new_document: Document) -> tuple[list[Change], Renames]:
    """The wire and docs changes from `old` to `new`, and what was renamed in place (operationIds, marked
    properties); a `$ref` that does not resolve is a malomo_spec.SpecError."""
    diff = WireDiff(old_document, new_document)
    old, new = old_document.tree, new_document.tree
    if old.get("openapi") != new.get("openapi"):
        diff.add(
            OPENAPI_VERSION_CHANGED,
            "document",
            f"OpenAPI version {old.get('openapi')} → {new.get('openapi')}",
        )
    old_urls = [s.get("url") for s in old.get("servers", [])]
    new_urls = [s.get("url") for s in new.get("servers", [])]
    diff.set_diff("servers", old_urls, new_urls, "server", SERVER_REMOVED, SERVER_ADDED)
    old_ops, new_ops = _operations_of(old_document), _operations_of(new_document)
    for key in sorted(old_ops.keys() - new_ops.keys()):
        path, _, op = old_ops[key]
        diff.add(ENDPOINT_REMOVED, label(key[0], path, op), "operation removed")
    for key in sorted(new_ops.keys() - old_ops.keys()):
        path, _, op = new_ops[key]
        diff.add(ENDPOINT_ADDED, label(key[0], path, op), "operation added")
    for key in sorted(old_ops.keys() & new_ops.keys()):
        _operation(diff, key[0], old_ops[key], new_ops[key])
    compare_docs(diff, old, new, [])
    return one_line_per_rename(diff.changes), diff.renames
