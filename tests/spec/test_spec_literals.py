"""The hand-written code (every .py under src/ and tools/) types no fact of the spec: each is read from
openapi/malomo.yaml through malomo_spec, so that the spec stays the single source of truth.

What the scan (`ast`, docstrings left out) reports, every fact read from the spec:
- a string equal to a property name of a component schema, an operationId, a parameter name, a path
  template or one of its literal parts (`/customers`, `/customers/`, `/events`), a response header name the
  spec declares (compared without case, as HTTP does; bytes too; not `Link` and `WWW-Authenticate`, which
  RFC 8288 and RFC 9110 define), or a value of an `info.x-malomo-*`;
- an integer equal to a length or size limit (`maxLength`, `minLength`, `maxItems`, `minItems`, an integer
  `x-malomo-*`), also when written as a product or power of constants (`1024 * 1024`); 0 and 1 are left out,
  they are every loop's bounds;
- a set, tuple or list literal holding two or more different statuses the spec documents (one status alone
  is HTTP, which every server speaks; `(204, 204)` is a range of one).

Decisions for precision: only strings that are exactly a fact are reported. A name that is also OpenAPI
vocabulary (`type`, `properties`) is not reported at all: code reading a schema says it. Names common in
any code (`id`, `status`, `code`, `message`, `label`, `timestamp`, `next`, `prev`) are reported only where
they are used as a record's key: a dict literal's key, a subscript, or the first argument of `.get`, `.pop`
or `.setdefault`. What is left is either read from the spec instead, or listed in `ALLOWED` with the reason
it is not the spec's fact.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import malomo_spec
from support import ROOT, SPEC_PATH

SCANNED_FOLDERS = ("src", "tools")
OPENAPI_VOCABULARY = frozenset({"type", "properties", "format", "required", "items", "description", "name"})
COMMON_NAMES = frozenset({"id", "status", "code", "message", "label", "timestamp", "next", "prev"})
# Headers HTTP itself defines: code that speaks HTTP names them as it names Content-Type.
HTTP_HEADERS = frozenset({"link", "www-authenticate"})  # RFC 8288, RFC 9110
LIMIT_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems")
RECORD_METHODS = frozenset({"get", "pop", "setdefault"})
_FOLDABLE: Mapping[type[ast.operator], Callable[[int, int], int]] = {
    ast.Mult: operator.mul,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.Add: operator.add,
}

# (file relative to the checkout, literal: a string's text, a number or collection as written): why it is not
# the spec's fact there. One entry covers every line of that file.
ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class SpecFacts:
    """What the scan looks for, each with what it is in the spec."""

    strings: Mapping[str, str]
    header_names: Mapping[str, str]  # lower case
    limits: Mapping[int, str]
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
        facts[op.operation_id] = "an operationId"
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


def _limits(document: malomo_spec.Document) -> dict[int, str]:
    limits: dict[int, str] = {}
    for path, node in document.walk():
        if path and path[-1] in LIMIT_KEYWORDS and isinstance(node, int):
            limits[node] = str(path[-1])
        elif (
            _is_integer(node)
            and len(path) == 2
            and path[0] == "info"
            and str(path[1]).startswith("x-malomo-")
        ):
            limits[node] = f"info.{path[1]}"
    return {value: fact for value, fact in limits.items() if value > 1}


def spec_facts(document: malomo_spec.Document) -> SpecFacts:
    """The facts of `document` the scan looks for."""
    statuses = {int(s) for op in malomo_spec.operations(document) for s in op.responses if s.isdigit()}
    return SpecFacts(_string_facts(document), _header_names(document), _limits(document), frozenset(statuses))


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
    if value in facts.strings and (as_key or value not in COMMON_NAMES):
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


def _status_collection(node: ast.AST, facts: SpecFacts) -> bool:
    if not isinstance(node, ast.Set | ast.Tuple | ast.List):
        return False
    values = {_folded(element) for element in node.elts}
    return len(values & facts.statuses) >= 2


def literals_in(source: str, facts: SpecFacts, path: str = "<source>") -> list[Finding]:
    """The spec's facts typed in `source`, in the order of their lines."""
    tree = ast.parse(source)
    keys = _record_keys(tree)
    found: list[Finding] = []
    for node in _scanned_nodes(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            fact = _string_fact(text, facts, id(node) in keys)
            if fact is not None:
                found.append(Finding(path, line, text, fact))
        elif isinstance(node, ast.expr) and (value := _folded(node)) is not None and value in facts.limits:
            found.append(Finding(path, line, ast.unparse(node), facts.limits[value]))
        elif _status_collection(node, facts):
            found.append(Finding(path, line, ast.unparse(node), "documented statuses"))
    return sorted(found, key=lambda finding: finding.line)


def _hand_written_files() -> Iterator[Path]:
    for folder in SCANNED_FOLDERS:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _facts() -> SpecFacts:
    return spec_facts(malomo_spec.load(SPEC_PATH))


def test_hand_written_code_types_no_spec_fact() -> None:
    facts = _facts()
    findings = [
        finding
        for file in _hand_written_files()
        for finding in literals_in(file.read_text(encoding="utf-8"), facts, str(file.relative_to(ROOT)))
        if (finding.path, finding.literal) not in ALLOWED
    ]
    assert not findings, "spec facts typed by hand (read them from the spec):\n" + "\n".join(
        map(str, findings)
    )


def test_the_scan_reports_a_field_a_status_set_and_a_limit() -> None:
    source = (
        '"""A docstring may say first_name."""\n'
        'FIELD = "first_name"\n'
        "ERROR_STATUSES = {400, 404}\n"
        "LIMIT = 1024 * 1024\n"
        'name = record.get("id")\n'
        'word = "id"\n'
    )
    found = [(finding.line, finding.literal) for finding in literals_in(source, _facts())]
    assert found == [(2, "first_name"), (3, "{400, 404}"), (4, "1024 * 1024"), (5, "id")]


def test_allowed_literals_are_still_there() -> None:
    """An allow-list entry whose literal is gone is removed, so the list stays short and true."""
    facts = _facts()
    present = {
        (finding.path, finding.literal)
        for file in _hand_written_files()
        for finding in literals_in(file.read_text(encoding="utf-8"), facts, str(file.relative_to(ROOT)))
    }
    assert not set(ALLOWED) - present, sorted(set(ALLOWED) - present)
