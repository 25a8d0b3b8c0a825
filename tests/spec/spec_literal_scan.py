"""The scan of tests/spec/test_spec_literals.py (its docstring says what it reports and why): the facts of a
spec, and the literals of a Python source that type one of them."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import malomo_spec

OPENAPI_VOCABULARY = frozenset(
    {"type", "properties", "format", "required", "items", "description", "name", "tags", "default", "enum"}
    | {"summary", "parameters", "responses", "content", "schema", "links", "headers", "example", "examples"}
    | {"deprecated", "security", "servers", "paths", "components", "nullable", "pattern", "title"}
)
# Words of a spec path that name no field: where a limit stands, not what it limits.
_PLACE_WORDS = frozenset({"components", "schemas", "properties", "paths", "parameters", "schema", "items"})
_PLACE_WORDS |= frozenset({"info", "content", "application", "json", "responses", "headers", "max", "min"})
_PLACE_WORDS |= frozenset({"malomo", "get", "put", "post", "patch", "delete", "request", "body", "length"})
COMMON_NAMES = frozenset({"id", "status", "code", "message", "label", "timestamp", "next", "prev"})
# Headers HTTP itself defines: code that speaks HTTP names them as it names Content-Type.
HTTP_HEADERS = frozenset({"link", "www-authenticate"})  # RFC 8288, RFC 9110
# A limit below this is a common number (64, 255): reported only where it is compared or names a limit.
DISTINCT_LIMIT = 1000
LIMIT_NAME = re.compile(r"LENGTH|LIMIT|MAX|MIN|SIZE|BYTES", re.IGNORECASE)
LIMIT_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems")
RECORD_METHODS = frozenset({"get", "pop", "setdefault"})
_FOLDABLE: Mapping[type[ast.operator], Callable[[int, int], int]] = {
    ast.Mult: operator.mul,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.Add: operator.add,
}


@dataclass(frozen=True)
class SpecFacts:
    """What the scan looks for, each with what it is in the spec."""

    strings: Mapping[str, str]
    common: frozenset[str]  # reported only as a record's key
    operation_ids: frozenset[str]  # reported only two or more in one literal
    header_names: Mapping[str, str]  # lower case
    limits: Mapping[int, tuple[str, frozenset[str]]]  # value -> (keyword, words of what it limits)
    statuses: frozenset[int]


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    literal: str
    fact: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.literal!r}  ({self.fact})"


def _path_parts(template: str) -> Iterator[str]:
    """A path template, and its literal parts between parameters (with and without a trailing `/`)."""
    yield template
    for part in template.replace("}", "{").split("{")[::2]:
        if len(part) > 1:
            yield part
            yield part.rstrip("/")


def _string_facts(document: malomo_spec.Document) -> dict[str, str]:
    facts: dict[str, str] = {}
    for schema_name in document.schemas():
        for name in document.schema(schema_name).get("properties", {}):
            facts.setdefault(str(name), f"a property of {schema_name}")
    for op in malomo_spec.operations(document):
        facts.update(dict.fromkeys(_path_parts(op.path), f"the path {op.path}"))
        for parameter in op.parameters:
            facts.setdefault(str(parameter["name"]), f"a parameter of {op.operation_id}")
    info = document.tree.get("info", {})
    for key, value in info.items():
        if str(key).startswith("x-malomo-") and isinstance(value, str):
            facts[value] = f"info.{key}"
    return {name: fact for name, fact in facts.items() if name not in OPENAPI_VOCABULARY}


def _header_names(document: malomo_spec.Document) -> dict[str, str]:
    """Every response header name the document declares, lower case."""
    return {
        str(name).lower(): "a response header"
        for path, node in document.walk()
        if path and path[-1] == "headers" and isinstance(node, Mapping)
        for name in node
        if str(name).lower() not in HTTP_HEADERS
    }


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _words(path: tuple[str | int, ...]) -> frozenset[str]:
    """The words of what a limit at `path` limits (`Name`, `phone_number`, `tags`), lower case."""
    parts = [str(part) for part in path[:-1] if isinstance(part, str)]
    words = {word.lower() for part in parts for word in re.findall(r"[A-Z]?[a-z]+", part)}
    return frozenset(word for word in words if len(word) > 2 and word not in _PLACE_WORDS)


def _limits(document: malomo_spec.Document) -> dict[int, tuple[str, frozenset[str]]]:
    limits: dict[int, tuple[str, frozenset[str]]] = {}
    for path, node in document.walk():
        if path and path[-1] in LIMIT_KEYWORDS and isinstance(node, int):
            fact = str(path[-1])
        elif (
            _is_integer(node)
            and len(path) == 2
            and path[0] == "info"
            and str(path[1]).startswith("x-malomo-")
        ):
            fact = f"info.{path[1]}"
        else:
            continue
        words = _words(path) | _words((*path, "")) if fact.startswith("info.") else _words(path)
        before = limits.get(node, (fact, frozenset()))
        limits[node] = (before[0], before[1] | words)
    return {value: fact for value, fact in limits.items() if value > 1}


def spec_facts(document: malomo_spec.Document) -> SpecFacts:
    """The facts of `document` the scan looks for."""
    operations = malomo_spec.operations(document)
    statuses = {int(s) for op in operations for s in op.responses if s.isdigit()}
    formats = {str(node) for path, node in document.walk() if path and path[-1] == "format"}
    return SpecFacts(
        _string_facts(document),
        COMMON_NAMES | formats,
        frozenset(op.operation_id for op in operations),
        _header_names(document),
        _limits(document),
        frozenset(statuses),
    )


def _folded(node: ast.expr) -> int | None:
    """The value of an integer constant, or of a product, power, shift or sum of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and _is_integer(node.value):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLDABLE:
        left, right = _folded(node.left), _folded(node.right)
        small_power = not isinstance(node.op, ast.Pow | ast.LShift) or (right is not None and 0 <= right < 64)
        if left is not None and right is not None and small_power:
            return _FOLDABLE[type(node.op)](left, right)
    return None


def _is_record_lookup(call: ast.Call) -> bool:
    """`x.get(KEY, ...)`, `x.pop(KEY)`, `x.setdefault(KEY, ...)`."""
    return isinstance(call.func, ast.Attribute) and call.func.attr in RECORD_METHODS and bool(call.args)


def _record_keys(tree: ast.AST) -> set[int]:
    """The ids of the constants used as a record's key: dict keys, subscripts, `.get(KEY)` and the like."""
    keys: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys.update(id(key) for key in node.keys if key is not None)
        elif isinstance(node, ast.Subscript):
            keys.add(id(node.slice))
        elif isinstance(node, ast.Call) and _is_record_lookup(node):
            keys.add(id(node.args[0]))
    return keys


def _string_fact(value: str, facts: SpecFacts, as_key: bool) -> str | None:
    if value in facts.strings and (as_key or value not in facts.common):
        return facts.strings[value]
    return facts.header_names.get(value.lower())


def _scanned_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but docstrings (a string as a statement) and the parts of a folded integer expression."""
    skipped = {
        id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and _folded(node) is not None:
            skipped.update(id(part) for part in ast.walk(node) if part is not node)
        if id(node) not in skipped:
            yield node


def _collection_fact(node: ast.AST, facts: SpecFacts) -> str | None:
    """What a set, tuple or list literal of two or more documented statuses or operationIds lists."""
    if not isinstance(node, ast.Set | ast.Tuple | ast.List):
        return None
    if len({_folded(element) for element in node.elts} & facts.statuses) >= 2:
        return "documented statuses"
    texts = {element.value for element in node.elts if isinstance(element, ast.Constant)}
    return "operationIds" if len(texts & facts.operation_ids) >= 2 else None


def _limit_sites(tree: ast.AST) -> dict[int, str]:
    """The ids of the expressions used as a limit, each with the text around it (lower case): compared (the
    comparison), or the value of a constant named for a limit (the constant's name). The value of a constant
    whose name says it is something else (`LISTEN_BACKLOG = 2048`) is there with no text: not a limit."""
    sites: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sites.update(
                {id(operand): ast.unparse(node).lower() for operand in (node.left, *node.comparators)}
            )
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = [t.id for t in targets if isinstance(t, ast.Name)]
            names = [name for name in named if LIMIT_NAME.search(name)]
            if named:
                sites[id(node.value)] = " ".join(names).lower()
    return sites


def _limit_fact(node: ast.AST, facts: SpecFacts, sites: Mapping[int, str]) -> str | None:
    value = _folded(node) if isinstance(node, ast.expr) else None
    if value is None or value not in facts.limits:
        return None
    fact, words = facts.limits[value]
    around = sites.get(id(node))
    if value >= DISTINCT_LIMIT:
        return None if around == "" else fact
    return fact if around is not None and any(word in around for word in words) else None


def literals_in(source: str, facts: SpecFacts, path: str = "<source>") -> list[Finding]:
    """The spec's facts typed in `source`, in the order of their lines."""
    tree = ast.parse(source)
    keys, sites = _record_keys(tree), _limit_sites(tree)
    found: list[Finding] = []
    for node in _scanned_nodes(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            fact = _string_fact(text, facts, id(node) in keys)
            if fact is not None:
                found.append(Finding(path, line, text, fact))
        elif (fact := _limit_fact(node, facts, sites) or _collection_fact(node, facts)) is not None:
            found.append(Finding(path, line, ast.unparse(node), fact))
    return sorted(found, key=lambda finding: finding.line)
