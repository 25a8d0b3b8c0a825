"""The wire layer of scripts/spec_diff.py: what a spec change does to the HTTP contract.

Rules are client-centric, as oasdiff's are: a change is `breaking` when a client written against
OLD can fail against a server that follows NEW. Requests may widen (accept more) and responses may
narrow (promise more); the reverse breaks. Descriptions, summaries and examples are `docs`. A
difference no rule knows is reported as breaking, so that nothing is left out silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal

from scripts.changes import Change, Level

Direction = Literal["request", "response"]
How = Literal["narrowed", "widened", "changed"]
Resolve = Callable[[Any], Any]  # a node, its `$ref`s followed

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords that only document. `title` is here for the wire; the client layer sees it where the
# generator uses it for a class name.
DOC_KEYS = frozenset({"description", "summary", "example", "examples", "externalDocs", "title"})
# Keys whose value maps names (not keywords) to objects: a property called `description` is data.
NAME_MAPS = frozenset(
    {
        "properties",
        "paths",
        "schemas",
        "responses",
        "parameters",
        "headers",
        "content",
        "links",
        "securitySchemes",
        "requestBodies",
        "callbacks",
        "variables",
        "mapping",
        "encoding",
    }
)
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum")
BOUNDS = (*UPPER_BOUNDS, *LOWER_BOUNDS, "multipleOf")
FLAGS = ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems")
# Schema keywords that narrow or widen the values allowed, in the order they are reported.
VALUE_KEYWORDS = ("type", "nullable", "format", *BOUNDS, *FLAGS, "pattern")
COMBINATORS = ("allOf", "anyOf", "not", "oneOf")
SCHEMA_KEYWORDS = DOC_KEYS | {
    *VALUE_KEYWORDS,
    *COMBINATORS,
    "enum",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
}


class SpecError(Exception):
    """The document cannot be compared (a `$ref` that does not resolve, an external `$ref`)."""


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """`node` with its local `$ref`s into `document` followed."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SpecError(f"only local $refs are supported, found {ref!r}")
        if ref in seen:
            raise SpecError(f"$ref cycle at {ref!r}")
        seen.add(ref)
        node = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise SpecError(f"$ref {ref!r} does not resolve")
            node = node[part]
    return node


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


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


class WireDiff:
    """Collects the wire and docs changes between two parsed OpenAPI 3.0 documents."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.old_ref, self.new_ref = functools.partial(_resolve, old), functools.partial(_resolve, new)
        self.changes: list[Change] = []
        self._seen: set[tuple[int, int, str, str]] = set()
        # operationId renames at the same method and path, for the client layer's report.
        self.renamed_operations: dict[str, str] = {}

    def run(self) -> list[Change]:
        if self.old.get("openapi") != self.new.get("openapi"):
            what = f"OpenAPI version {self.old.get('openapi')} → {self.new.get('openapi')}"
            self._add("compatible", "document", what, "openapi-version-changed")
        old_urls = [s.get("url") for s in self.old.get("servers", [])]
        new_urls = [s.get("url") for s in self.new.get("servers", [])]
        self._set_diff("servers", old_urls, new_urls, "server", "server")
        self._operations()
        self._documentation(self.old, self.new, [])
        return self.changes

    # -- reporting ---------------------------------------------------------------------------------

    def _add(self, level: Level, where: str, what: str, rule: str) -> None:
        self.changes.append(Change(level, where, what, rule, "docs" if level == "docs" else "wire"))

    def _shift(self, direction: Direction, how: How) -> Level:
        """Requests may widen, responses may narrow; anything else breaks."""
        if how == "changed":
            return "breaking"
        safe = "widened" if direction == "request" else "narrowed"
        return "compatible" if how == safe else "breaking"

    def _others(self, where: str, old: Any, new: Any, known: Iterable[str]) -> None:
        """Keys no rule here knows: extensions are compatible, any other difference breaks."""
        for key in sorted((old.keys() | new.keys()) - set(known) - DOC_KEYS):
            if old.get(key) == new.get(key):
                continue
            if key.startswith("x-"):
                self._add("compatible", where, f"extension `{key}` changed", "extension-changed")
            else:
                shown = f"{_fmt(old.get(key))} → {_fmt(new.get(key))}"
                what = f"`{key}` changed ({shown}); no rule knows it, so it counts as breaking"
                self._add("breaking", where, what, "unclassified-change")

    def _set_diff(self, where: str, old: Iterable[str], new: Iterable[str], noun: str, rule: str) -> None:
        """Losing a server or media type breaks; gaining one does not."""
        for name in sorted(set(old) - set(new)):
            self._add("breaking", where, f"{noun} {name} removed", f"{rule}-removed")
        for name in sorted(set(new) - set(old)):
            self._add("compatible", where, f"{noun} {name} added", f"{rule}-added")

    def _required(self, where: str, label: str, old: Any, new: Any, rule: str, direction: Direction) -> None:
        """A parameter, body or header that became required narrows; one that became optional widens."""
        if bool(old.get("required")) != bool(new.get("required")):
            became = "required" if new.get("required") else "optional"
            level = self._shift(direction, "narrowed" if new.get("required") else "widened")
            self._add(level, where, f"{label} became {became}", f"{rule}-became-{became}")

    # -- operations and parameters -----------------------------------------------------------------

    @staticmethod
    def _operations_of(document: dict[str, Any], resolve: Resolve) -> dict[tuple[str, str], Any]:
        found = {}
        for path, item in (document.get("paths") or {}).items():
            item = resolve(item)
            shape = re.sub(r"\{[^}]*\}", "{}", path)
            for method in METHODS:
                if method in item:
                    found[(method, shape)] = (path, item, resolve(item[method]))
        return found

    def _operations(self) -> None:
        old_ops = self._operations_of(self.old, self.old_ref)
        new_ops = self._operations_of(self.new, self.new_ref)
        for key in sorted(old_ops.keys() - new_ops.keys()):
            path, _, op = old_ops[key]
            self._add("breaking", _label(key[0], path, op), "operation removed", "endpoint-removed")
        for key in sorted(new_ops.keys() - old_ops.keys()):
            path, _, op = new_ops[key]
            self._add("compatible", _label(key[0], path, op), "operation added", "endpoint-added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self._operation(key[0], old_ops[key], new_ops[key])

    def _operation(self, method: str, old_entry: Any, new_entry: Any) -> None:
        old, new = old_entry[2], new_entry[2]
        where = _label(method, new_entry[0], new)
        old_id, new_id = old.get("operationId"), new.get("operationId")
        if old_id != new_id:
            self.renamed_operations[str(old_id)] = str(new_id)
            what = f"operationId {old_id} → {new_id}; the wire is unchanged (see the client layer)"
            self._add("compatible", where, what, "operation-id-changed")
        if old.get("deprecated", False) != new.get("deprecated", False):
            state = "deprecated" if new.get("deprecated") else "no longer deprecated"
            self._add("compatible", where, f"operation {state}", "operation-deprecated")
        self._parameters(where, old_entry, new_entry)
        self._request_body(where, old.get("requestBody"), new.get("requestBody"))
        self._responses(where, old.get("responses") or {}, new.get("responses") or {})
        self._security(where, old, new)
        known = {"operationId", "deprecated", "parameters", "requestBody", "responses", "security", "tags"}
        self._others(where, old, new, known)

    @staticmethod
    def _parameters_of(entry: Any, resolve: Resolve) -> dict[tuple[str, str], Any]:
        """Effective parameters keyed by location; path parameters by position, so a rename is no change."""
        path, item, op = entry
        placeholders = re.findall(r"\{([^}]*)\}", path)
        merged: dict[tuple[str, str], Any] = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = resolve(raw)
            where, name = param.get("in", ""), str(param.get("name", ""))
            if where == "path" and name in placeholders:
                key = ("path", f"#{placeholders.index(name)}")
            else:
                key = (where, name.lower() if where == "header" else name)
            merged[key] = param
        return merged

    def _parameters(self, where: str, old_entry: Any, new_entry: Any) -> None:
        old_params = self._parameters_of(old_entry, self.old_ref)
        new_params = self._parameters_of(new_entry, self.new_ref)
        for key in sorted(old_params.keys() - new_params.keys()):
            param = old_params[key]
            what = f"{param.get('in')} parameter `{param.get('name')}` removed"
            self._add("breaking", where, what, "request-parameter-removed")
        for key in sorted(new_params.keys() - old_params.keys()):
            param = new_params[key]
            kind = "required" if param.get("required") else "optional"
            what = f"{kind} {param.get('in')} parameter `{param.get('name')}` added"
            level: Level = "breaking" if param.get("required") else "compatible"
            self._add(level, where, what, f"new-{kind}-request-parameter")
        for key in sorted(old_params.keys() & new_params.keys()):
            o, n = old_params[key], new_params[key]
            label = f"{n.get('in')} parameter `{n.get('name')}`"
            self._required(where, label, o, n, "request-parameter", "request")
            if o.get("deprecated", False) != n.get("deprecated", False):
                self._add("compatible", where, f"{label} deprecated changed", "request-parameter-deprecated")
            self._schema(f"{where} {label}", o.get("schema"), n.get("schema"), "request")
            self._others(f"{where} {label}", o, n, {"name", "in", "required", "deprecated", "schema"})

    # -- bodies, responses, headers ------------------------------------------------------------------

    def _request_body(self, where: str, old_raw: Any, new_raw: Any) -> None:
        old, new = self.old_ref(old_raw), self.new_ref(new_raw)
        if old is None and new is None:
            return
        if old is None:
            kind = "required" if new.get("required") else "optional"
            level: Level = "breaking" if new.get("required") else "compatible"
            self._add(level, where, f"{kind} request body added", "request-body-added")
            return
        if new is None:
            self._add("breaking", where, "request body removed", "request-body-removed")
            return
        self._required(where, "request body", old, new, "request-body", "request")
        self._content(f"{where} request body", old.get("content") or {}, new.get("content") or {}, "request")
        self._others(f"{where} request body", old, new, {"required", "content"})

    def _content(self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction) -> None:
        self._set_diff(where, old, new, "media type", f"{direction}-media-type")
        for media in sorted(old.keys() & new.keys()):
            o, n = self.old_ref(old[media]) or {}, self.new_ref(new[media]) or {}
            self._schema(where, o.get("schema"), n.get("schema"), direction)
            self._others(f"{where} {media}", o, n, {"schema"})

    def _responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        gone, came = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
        gone_ok, came_ok = [c for c in gone if c.startswith("2")], [c for c in came if c.startswith("2")]
        if len(gone_ok) == 1 and len(came_ok) == 1:
            what = f"success status {gone_ok[0]} → {came_ok[0]}"
            self._add("breaking", where, what, "response-success-status-changed")
        else:
            for code in gone_ok:
                what = f"success status {code} removed"
                self._add("breaking", where, what, "response-success-status-removed")
            for code in came_ok:
                what = f"success status {code} added: a client written against OLD does not expect it"
                self._add("breaking", where, what, "response-success-status-added")
        for code in gone:
            if not code.startswith("2"):
                what = f"error status {code} no longer documented"
                self._add("compatible", where, what, "response-non-success-status-removed")
        for code in came:
            if not code.startswith("2"):
                what = f"error status {code} documented"
                self._add("compatible", where, what, "response-non-success-status-added")
        for code in sorted(old.keys() & new.keys()):
            self._response(f"{where} response {code}", self.old_ref(old[code]), self.new_ref(new[code]))

    def _response(self, where: str, old: Any, new: Any) -> None:
        self._content(f"{where} body", old.get("content") or {}, new.get("content") or {}, "response")
        self._headers(where, old.get("headers") or {}, new.get("headers") or {})
        old_links, new_links = set(old.get("links") or {}), set(new.get("links") or {})
        for name in sorted(old_links ^ new_links):
            state = "added" if name in new_links else "removed"
            self._add("compatible", where, f"link {name} {state}", f"response-link-{state}")
        for name in sorted(old_links & new_links):
            o, n = self.old_ref(old["links"][name]), self.new_ref(new["links"][name])
            if _strip_docs(o) != _strip_docs(n):
                self._add("compatible", where, f"link {name} changed", "response-link-changed")
        self._others(where, old, new, {"content", "headers", "links"})

    def _headers(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        old = {k.lower(): self.old_ref(v) for k, v in old.items()}
        new = {k.lower(): self.new_ref(v) for k, v in new.items()}
        for name in sorted(old.keys() - new.keys()):
            level: Level = "breaking" if old[name].get("required") else "compatible"
            self._add(level, where, f"response header `{name}` removed", "response-header-removed")
        for name in sorted(new.keys() - old.keys()):
            self._add("compatible", where, f"response header `{name}` added", "response-header-added")
        for name in sorted(old.keys() & new.keys()):
            o, n = old[name], new[name]
            self._required(where, f"response header `{name}`", o, n, "response-header", "response")
            self._schema(f"{where} header `{name}`", o.get("schema"), n.get("schema"), "response")
            self._others(f"{where} header `{name}`", o, n, {"required", "schema"})

    # -- security ----------------------------------------------------------------------------------

    def _security_of(self, document: dict[str, Any], op: Any) -> set[frozenset[tuple[str, ...]]]:
        requirements = op.get("security", document.get("security", []))
        schemes = (document.get("components") or {}).get("securitySchemes") or {}
        resolve = self.old_ref if document is self.old else self.new_ref
        options = set()
        for requirement in requirements or []:
            parts = []
            for name, scopes in requirement.items():
                scheme = _strip_docs(resolve(schemes.get(name, {})))
                facts = tuple(f"{k}={scheme[k]}" for k in sorted(scheme))
                parts.append((*facts, "scopes=" + ",".join(sorted(scopes or []))))
            options.add(frozenset(parts))
        return options

    def _security(self, where: str, old: Any, new: Any) -> None:
        old_options, new_options = self._security_of(self.old, old), self._security_of(self.new, new)
        if old_options == new_options:
            return
        if not new_options or frozenset() in new_options or old_options <= new_options:
            what = "security relaxed (a new way to authenticate, or none needed)"
            self._add("compatible", where, what, "security-relaxed")
        else:
            what = f"security changed: {_show_security(old_options)} → {_show_security(new_options)}"
            self._add("breaking", where, what, "security-changed")

    # -- schemas -----------------------------------------------------------------------------------

    def _schema(self, where: str, old_raw: Any, new_raw: Any, direction: Direction) -> None:
        old, new = self.old_ref(old_raw), self.new_ref(new_raw)
        if old is None and new is None:
            return
        if old is None or new is None:
            state = "added" if old is None else "removed"
            how: How = "narrowed" if old is None else "widened"
            self._add(self._shift(direction, how), where, f"schema {state}", f"{direction}-schema-{state}")
            return
        token = (id(old), id(new), direction, where)
        if token in self._seen:
            return
        self._seen.add(token)
        self._schema_values(where, old, new, direction)
        self._schema_object(where, old, new, direction)
        if "items" in old or "items" in new:
            self._schema(f"{where}[]", old.get("items"), new.get("items"), direction)
        if old.get("default") != new.get("default"):
            what = f"default {_fmt(old.get('default'))} → {_fmt(new.get('default'))}"
            if direction == "request":
                what += ": what the server assumes when it is left out changed"
            level: Level = "breaking" if direction == "request" else "compatible"
            self._add(level, where, what, f"{direction}-default-changed")
        if old.get("deprecated", False) != new.get("deprecated", False):
            state = "deprecated" if new.get("deprecated") else "no longer deprecated"
            self._add("compatible", where, state, f"{direction}-property-deprecated")
        # readOnly: never in requests; writeOnly: never in responses. Gaining the one that concerns
        # this direction takes the property away from it.
        concern = "readOnly" if direction == "request" else "writeOnly"
        for key in ("readOnly", "writeOnly"):
            before, after = bool(old.get(key)), bool(new.get(key))
            if before != after:
                taken: Level = "breaking" if key == concern and after else "compatible"
                self._add(taken, where, f"{key} {_fmt(before)} → {_fmt(after)}", f"{direction}-{key}-changed")
        self._others(where, old, new, SCHEMA_KEYWORDS)

    def _schema_values(self, where: str, old: Any, new: Any, direction: Direction) -> None:
        """Type, bounds, formats and enums: the values a schema allows."""
        for key in VALUE_KEYWORDS:
            o, n = old.get(key), new.get(key)
            if key in FLAGS or key == "nullable":
                o, n = bool(o), bool(n)
            if o == n:
                continue
            how = _how(key, o, n)
            shown = f"{o} → {n}" if key in ("type", "format", "pattern") else f"{_fmt(o)} → {_fmt(n)}"
            what, rule = f"{key} {shown}", f"{direction}-{key}-changed"
            if key == "nullable":
                what = "became nullable" if n else "no longer nullable"
                rule = f"{direction}-{'became-nullable' if n else 'became-not-nullable'}"
            elif key in BOUNDS:
                # A bound's rule id says which way it moved; one multipleOf for another counts as widened.
                rule = f"{direction}-{key}-{'narrowed' if how == 'narrowed' else 'widened'}"
            self._add(self._shift(direction, how), where, what, rule)
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
                self._add("compatible", where, "enum values reordered", f"{direction}-enum-reordered")
                return
            how = "changed" if removed and added else "narrowed" if removed else "widened"
            parts = [f"enum values removed {_fmt(removed)}"] if removed else []
            what = "; ".join(parts + ([f"enum values added {_fmt(added)}"] if added else []))
        self._add(self._shift(direction, how), where, what, f"{direction}-enum-changed")

    def _schema_object(self, where: str, old: Any, new: Any, direction: Direction) -> None:
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(old_props.keys() - new_props.keys()):
            self._add("breaking", f"{where}.{name}", "property removed", f"{direction}-property-removed")
        for name in sorted(new_props.keys() - old_props.keys()):
            if direction == "request" and name in new_req:
                what, rule = "required property added", "new-required-request-property"
                self._add("breaking", f"{where}.{name}", what, rule)
            else:
                what = f"{'required' if name in new_req else 'optional'} property added"
                self._add("compatible", f"{where}.{name}", what, f"new-{direction}-property")
        for name in sorted(old_props.keys() & new_props.keys()):
            self._schema(f"{where}.{name}", old_props[name], new_props[name], direction)
        # Properties added or removed were reported above; these kept their place but not their status.
        for name in sorted((old_req ^ new_req) - (old_props.keys() ^ new_props.keys())):
            became = "required" if name in new_req else "optional"
            listed = "" if name in old_props else " (not among the properties)"
            level = self._shift(direction, "narrowed" if name in new_req else "widened")
            what = f"became {became}{listed}"
            self._add(level, f"{where}.{name}", what, f"{direction}-property-became-{became}")
        o_add, n_add = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if isinstance(o_add, dict) and isinstance(n_add, dict):
            self._schema(f"{where}.*", o_add, n_add, direction)
        elif o_add != n_add:
            closed = n_add is False or (isinstance(n_add, dict) and o_add is True)
            what = "unknown properties now refused" if n_add is False else "additionalProperties changed"
            if o_add is False:
                what = "unknown properties now allowed"
            level = self._shift(direction, "narrowed" if closed else "widened")
            self._add(level, where, what, f"{direction}-additional-properties-changed")
        for key in sorted(set(COMBINATORS) & (old.keys() | new.keys())):
            o, n = old.get(key), new.get(key)
            if isinstance(o, list) and isinstance(n, list) and len(o) == len(n):
                for index, (a, b) in enumerate(zip(o, n, strict=True)):
                    self._schema(f"{where}({key}[{index}])", a, b, direction)
            elif key == "not" and o is not None and n is not None:
                self._schema(f"{where}(not)", o, n, "response" if direction == "request" else "request")
            elif _strip_docs(o) != _strip_docs(n):
                self._add("breaking", where, f"`{key}` changed", f"{direction}-{key}-changed")

    # -- documentation -----------------------------------------------------------------------------

    def _documentation(self, old: Any, new: Any, trail: list[str]) -> None:
        """Docs-only differences, once each where they are written (a shared component: once)."""
        if isinstance(old, list) and isinstance(new, list):
            for key, (a, b) in _pair_list(old, new).items():
                self._documentation(a, b, [*trail, key])
            return
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return
        names = bool(trail) and trail[-1] in NAME_MAPS and not _is_named_object(trail)
        for key in sorted(old.keys() | new.keys(), key=str):
            if key not in old or key not in new:
                if not names and key in DOC_KEYS:
                    state = "added" if key in new else "removed"
                    self._add("docs", _doc_where(trail), f"{key} {state}", f"{key}-{state}")
                continue
            if old[key] == new[key]:
                continue
            if trail == ["info"] and key == "version":
                what = f"API version {old[key]} → {new[key]}"
                self._add("docs", "info.version", what, "api-version-changed")
            elif names:
                self._documentation(old[key], new[key], [*trail, str(key)])
            elif key in DOC_KEYS or (trail == [] and key == "tags") or trail == ["info"]:
                self._add("docs", _doc_where([*trail, str(key)]), f"{key} changed", f"{key}-changed")
            elif key == "tags" and len(trail) >= 3 and trail[0] == "paths":
                what = f"tags {_fmt(old[key])} → {_fmt(new[key])} (the client layer shows what moved)"
                self._add("docs", _doc_where(trail), what, "operation-tags-changed")
            else:
                self._documentation(old[key], new[key], [*trail, str(key)])


def _show_security(options: set[frozenset[tuple[str, ...]]]) -> str:
    return " or ".join(sorted("+".join(" ".join(p) for p in sorted(o)) or "none" for o in options)) or "none"


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
    if len(trail) >= 3 and trail[0] == "paths" and trail[2] in METHODS:
        return " ".join([trail[2].upper(), trail[1], *trail[3:]])
    if len(trail) >= 3 and trail[0] == "components":
        kinds = {"schemas": "schema", "responses": "response", "parameters": "parameter"}
        return " ".join([kinds.get(trail[1], trail[1]), ".".join(t for t in trail[2:] if t != "properties")])
    return ".".join(trail) or "document"


def _strip_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_docs(v) for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [_strip_docs(v) for v in node]
    return node


def _label(method: str, path: str, op: Any) -> str:
    operation_id = op.get("operationId") if isinstance(op, dict) else None
    return f"{operation_id} ({method.upper()} {path})" if operation_id else f"{method.upper()} {path}"


def wire_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[Change], dict[str, str]]:
    """The wire and docs changes from `old` to `new`, and the operationIds renamed in place."""
    diff = WireDiff(old, new)
    return diff.run(), diff.renamed_operations
