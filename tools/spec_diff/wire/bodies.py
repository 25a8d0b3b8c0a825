"""The wire diff of request bodies and responses: media types, statuses, response headers and links
(the schemas inside are compared by schemas.py)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from malomo_spec import Document
from tools.spec_diff.rules import rule
from tools.spec_diff.wire.context import Direction, WireDiff, strip_docs
from tools.spec_diff.wire.schemas import compare_schema

NEW_REQUIRED_REQUEST_BODY = rule(
    "new-required-request-body", "breaking", "wire", "a request body every call must send"
)
NEW_OPTIONAL_REQUEST_BODY = rule(
    "new-optional-request-body", "compatible", "wire", "a new optional request body"
)
REQUEST_BODY_REMOVED = rule("request-body-removed", "breaking", "wire", "the request body removed")
REQUEST_BODY_BECAME = {
    True: rule("request-body-became-required", "breaking", "wire", "the request body must now be sent"),
    False: rule("request-body-became-optional", "compatible", "wire", "the request body may now be left out"),
}
MEDIA_TYPE_RULES: dict[Direction, tuple[str, str]] = {
    "request": (
        rule("request-media-type-removed", "breaking", "wire", "a request media type no longer accepted"),
        rule("request-media-type-added", "compatible", "wire", "a request media type now accepted"),
    ),
    "response": (
        rule("response-media-type-removed", "breaking", "wire", "a response media type no longer sent"),
        rule("response-media-type-added", "compatible", "wire", "a response media type added"),
    ),
}
SUCCESS_STATUS_CHANGED = rule(
    "response-success-status-changed", "breaking", "wire", "the one 2xx status is another"
)
SUCCESS_STATUS_REMOVED = rule("response-success-status-removed", "breaking", "wire", "a 2xx status removed")
SUCCESS_STATUS_ADDED = rule(
    "response-success-status-added", "breaking", "wire", "a 2xx status added that old clients do not expect"
)
ERROR_STATUS_REMOVED = rule(
    "response-non-success-status-removed", "compatible", "wire", "an error status no longer documented"
)
ERROR_STATUS_ADDED = rule(
    "response-non-success-status-added", "compatible", "wire", "an error status documented"
)
LINK_ADDED = rule("response-link-added", "compatible", "wire", "a response link added")
LINK_REMOVED = rule("response-link-removed", "compatible", "wire", "a response link removed")
LINK_CHANGED = rule("response-link-changed", "compatible", "wire", "a response link changed")
REQUIRED_HEADER_REMOVED = rule(
    "response-required-header-removed", "breaking", "wire", "a response header that was always sent removed"
)
FLOW_HEADER_REMOVED = rule(
    "response-flow-header-removed",
    "breaking",
    "wire",
    "a response header removed that a request of the API's flow takes a value from (a cursor's `Link`,"
    " a link's `$response.header`)",
)
OPTIONAL_HEADER_REMOVED = rule(
    "response-optional-header-removed", "compatible", "wire", "a response header that was optional removed"
)
HEADER_ADDED = rule("response-header-added", "compatible", "wire", "a response header added")
HEADER_BECAME = {
    True: rule(
        "response-header-became-required", "compatible", "wire", "a response header is now always sent"
    ),
    False: rule(
        "response-header-became-optional", "breaking", "wire", "a response header may now be missing"
    ),
}


def compare_request_body(diff: WireDiff, where: str, old_raw: Any, new_raw: Any) -> None:
    old, new = diff.old_ref(old_raw), diff.new_ref(new_raw)
    if old is None and new is None:
        return
    if old is None:
        required = bool(new.get("required"))
        what = f"{'required' if required else 'optional'} request body added"
        diff.add(NEW_REQUIRED_REQUEST_BODY if required else NEW_OPTIONAL_REQUEST_BODY, where, what)
        return
    if new is None:
        diff.add(REQUEST_BODY_REMOVED, where, "request body removed")
        return
    diff.required(where, "request body", old, new, REQUEST_BODY_BECAME)
    _content(diff, f"{where} request body", old.get("content") or {}, new.get("content") or {}, "request")
    diff.others(f"{where} request body", old, new, {"required", "content"})


def _content(
    diff: WireDiff, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
) -> None:
    diff.set_diff(where, old, new, "media type", *MEDIA_TYPE_RULES[direction])
    for media in sorted(old.keys() & new.keys()):
        o, n = diff.old_ref(old[media]) or {}, diff.new_ref(new[media]) or {}
        compare_schema(diff, where, o.get("schema"), n.get("schema"), direction)
        diff.others(f"{where} {media}", o, n, {"schema"})


def flow_headers(document: Document, item: Mapping[str, Any], operation: Mapping[str, Any]) -> frozenset[str]:
    """The response headers (lower case) of an operation that the API's flow reads: one a link of its
    answers takes a value from (`$response.header.NAME`), or one its description or a parameter's names
    (`` `Link` ``, as the cursor parameters say where their value comes from)."""
    texts = [str(operation.get("description", ""))]
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        texts.append(str(document.resolve(raw).get("description", "")))
    named = {name.lower() for text in texts for name in re.findall(r"`([A-Za-z0-9-]+)`", text)}
    for response in (operation.get("responses") or {}).values():
        for link in (document.resolve(response).get("links") or {}).values():
            expressions = re.findall(r"\$response\.header\.([A-Za-z0-9-]+)", repr(document.resolve(link)))
            named |= {name.lower() for name in expressions}
    return frozenset(named)


def compare_responses(
    diff: WireDiff, where: str, old: dict[str, Any], new: dict[str, Any], flow: Collection[str] = ()
) -> None:
    gone, came = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
    gone_ok, came_ok = [c for c in gone if c.startswith("2")], [c for c in came if c.startswith("2")]
    if len(gone_ok) == 1 and len(came_ok) == 1:
        diff.add(SUCCESS_STATUS_CHANGED, where, f"success status {gone_ok[0]} → {came_ok[0]}")
    else:
        for code in gone_ok:
            diff.add(SUCCESS_STATUS_REMOVED, where, f"success status {code} removed")
        for code in came_ok:
            what = f"success status {code} added: a client written against OLD does not expect it"
            diff.add(SUCCESS_STATUS_ADDED, where, what)
    for code in gone:
        if not code.startswith("2"):
            diff.add(ERROR_STATUS_REMOVED, where, f"error status {code} no longer documented")
    for code in came:
        if not code.startswith("2"):
            diff.add(ERROR_STATUS_ADDED, where, f"error status {code} documented")
    for code in sorted(old.keys() & new.keys()):
        _response(diff, f"{where} response {code}", diff.old_ref(old[code]), diff.new_ref(new[code]), flow)


def _response(diff: WireDiff, where: str, old: Any, new: Any, flow: Collection[str]) -> None:
    _content(diff, f"{where} body", old.get("content") or {}, new.get("content") or {}, "response")
    _headers(diff, where, old.get("headers") or {}, new.get("headers") or {}, flow)
    old_links, new_links = set(old.get("links") or {}), set(new.get("links") or {})
    for name in sorted(old_links - new_links):
        diff.add(LINK_REMOVED, where, f"link {name} removed")
    for name in sorted(new_links - old_links):
        diff.add(LINK_ADDED, where, f"link {name} added")
    for name in sorted(old_links & new_links):
        o, n = diff.old_ref(old["links"][name]), diff.new_ref(new["links"][name])
        if strip_docs(o) != strip_docs(n):
            diff.add(LINK_CHANGED, where, f"link {name} changed")
    diff.others(where, old, new, {"content", "headers", "links"})


def _headers(
    diff: WireDiff, where: str, old: dict[str, Any], new: dict[str, Any], flow: Collection[str]
) -> None:
    old = {k.lower(): diff.old_ref(v) for k, v in old.items()}
    new = {k.lower(): diff.new_ref(v) for k, v in new.items()}
    for name in sorted(old.keys() - new.keys()):
        if name in flow:
            what = (
                f"response header `{name}` removed: the operation's parameters or links take values from it"
            )
            diff.add(FLOW_HEADER_REMOVED, where, what)
            continue
        removed = REQUIRED_HEADER_REMOVED if old[name].get("required") else OPTIONAL_HEADER_REMOVED
        diff.add(removed, where, f"response header `{name}` removed")
    for name in sorted(new.keys() - old.keys()):
        diff.add(HEADER_ADDED, where, f"response header `{name}` added")
    for name in sorted(old.keys() & new.keys()):
        o, n = old[name], new[name]
        diff.required(where, f"response header `{name}`", o, n, HEADER_BECAME)
        compare_schema(diff, f"{where} header `{name}`", o.get("schema"), n.get("schema"), "response")
        diff.others(f"{where} header `{name}`", o, n, {"required", "schema"})
