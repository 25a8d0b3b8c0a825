"""The hand-written code (every .py under src/ and tools/) types no fact of the spec: each is read from
openapi/malomo.yaml through malomo_spec, so that the spec stays the single source of truth.

What the scan (`ast`, docstrings left out) reports, every fact read from the spec:
- a string equal to a property name of a component schema, a parameter name, a path
  template or one of its literal parts (`/customers`, `/customers/`, `/events`), a response header name the
  spec declares (compared without case, as HTTP does; bytes too; not `Link` and `WWW-Authenticate`, which
  RFC 8288 and RFC 9110 define), or a value of an `info.x-malomo-*`;
- an integer equal to a length or size limit (`maxLength`, `minLength`, `maxItems`, `minItems`, an integer
  `x-malomo-*`), also when written as a product or power of constants (`1024 * 1024`); 0 and 1 are left out,
  they are every loop's bounds; one below 1000 (64, 255: cache sizes, bit masks, truncations) only where it
  is compared or is the value of a constant named for a limit (`MAX_NAME_LENGTH = 255`);
- a set, tuple or list literal holding two or more different statuses the spec documents (one status alone
  is HTTP, which every server speaks; `(204, 204)` is a range of one), or two or more operationIds (one
  operationId alone is how code asks the spec for an operation: `operation("createCustomer")`; a list of
  them states which operations share something, which the spec should say).

Decisions for precision: only strings that are exactly a fact are reported. A name that is also OpenAPI
vocabulary (`type`, `properties`) is not reported at all: code reading a schema says it. Names common in
any code (`id`, `status`, `code`, `message`, `label`, `timestamp`, `next`, `prev`, and a `format` the spec
uses, such as `email`, which code checking formats names) are reported only where
they are used as a record's key: a dict literal's key, a subscript, or the first argument of `.get`, `.pop`
or `.setdefault`. What is left is either read from the spec instead, or listed in `ALLOWED` with the reason
it is not the spec's fact.
"""

from __future__ import annotations

import ast
import operator
import re
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

# (file relative to the checkout, literal: a string's text, a number or collection as written): why it is not
# the spec's fact there. One entry covers every line of that file.
_STORE_KEY = "the store's key column, answered as this field (RecordKind.of refuses a spec without it)"
_SERVER_ERROR = "a key of the Error body the server builds (the spec's example of its own answer)"
_SERVER_REQUEST_ID = "the request-id header the server sends on every answer (the spec requires it on errors)"
_PROSE_FIELD = (
    "a field only a sentence of the spec names (checked against the schema on import): a phrase holding the "
    "name (listed in record_fields.py) ties its checks to that sentence in promise_mapping.SENTENCES, so a "
    "rename in the spec fails tests/contract/test_contract_promise_inventory.py"
)
ALLOWED: dict[tuple[str, str], str] = {
    (
        "src/malomo_contract/contract_checks.py",
        "('createCustomer', 'getCustomer', 'updateCustomer', 'deleteCustomer', 'listCustomerEvents')",
    ): "five lookups, not a set: each operation's label for failure messages, read from the spec by its id",
    ("src/malomo_contract/report/html_report.py", "status"): "the coverage report's own span record (its "
    "HTTP status column), not the Error body's field",
    ("src/malomo_contract/traffic/har_files.py", "status"): "HAR 1.2's `response.status`, the HAR "
    "format's field",
    ("src/malomo_contract/record_fields.py", "created_at"): _PROSE_FIELD,
    ("src/malomo_contract/record_fields.py", "updated_at"): _PROSE_FIELD,
    ("src/malomo_contract/record_fields.py", "request_id"): _PROSE_FIELD,
    ("src/malomo_mock/legacy_store_rows.py", "first_name"): "the frozen 0.2.x row layout kept for bench/, by "
    "design not today's spec",
    ("src/malomo_mock/legacy_store_rows.py", "last_name"): "the frozen 0.2.x row layout (see first_name)",
    ("src/malomo_mock/legacy_store_rows.py", "phone_number"): "the frozen 0.2.x row layout (see first_name)",
    ("src/malomo_mock/store_records.py", "id"): _STORE_KEY,
    ("src/malomo_mock/store_records.py", "created_at"): _STORE_KEY,
    ("src/malomo_mock/store_records.py", "updated_at"): _STORE_KEY,
    ("src/malomo_mock/customers_store.py", "id"): "the store's key column in SQL rows and records",
    ("src/malomo_mock/seed_file.py", "id"): "the store's key column of a record built from a seed",
    ("src/malomo_mock/customers_store.py", "link_back_url"): "a field of an event the server logs itself "
    "(its own wording; a field the spec's Event lacks is dropped by the answer's shape)",
    ("src/malomo_mock/value_rules.py", "64"): "RFC 5321's limit of an address's local part (the spec's Email "
    "states it in prose), not PhoneNumber's maxLength",
    ("src/malomo_mock/value_rules.py", "email"): "the OpenAPI format name keying the format checks",
    ("src/malomo_mock/request_bodies.py", "1 << 20"): "the bytes of a MiB, to write a size as a person "
    "reads it (size_text), not the body limit",
    ("src/malomo_mock/error_answers.py", "x-request-id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/http_guard.py", "x-request-id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/fake_faults.py", "x-request-id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/fake_faults.py", "X-Request-Id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/fake_faults.py", "code"): _SERVER_ERROR,
    ("src/malomo_mock/fake_faults.py", "message"): _SERVER_ERROR,
    (
        "src/malomo_mock/fake.py",
        "message",
    ): "the Error body the fake's own server built, shown in its exception",
}


@dataclass(frozen=True)
class SpecFacts:
    """What the scan looks for, each with what it is in the spec."""

    strings: Mapping[str, str]
    common: frozenset[str]  # reported only as a record's key
    operation_ids: frozenset[str]  # reported only two or more in one literal
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


def _limit_sites(tree: ast.AST) -> set[int]:
    """The ids of the expressions used as a limit: compared, or the value of a constant named for one."""
    sites: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sites.update(id(operand) for operand in (node.left, *node.comparators))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and LIMIT_NAME.search(t.id) for t in targets):
                sites.add(id(node.value))
    return sites


def _limit_fact(node: ast.AST, facts: SpecFacts, sites: set[int]) -> str | None:
    value = _folded(node) if isinstance(node, ast.expr) else None
    if value is None or value not in facts.limits:
        return None
    return facts.limits[value] if value >= DISTINCT_LIMIT or id(node) in sites else None


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
        'HANDLED = ("createCustomer", "getCustomer")\n'
        "MAX_NAME_LENGTH = 255\n"
        "cache = lru_cache(maxsize=255)\n"
    )
    found = [(finding.line, finding.literal) for finding in literals_in(source, _facts())]
    assert found == [
        (2, "first_name"),
        (3, "{400, 404}"),
        (4, "1024 * 1024"),
        (5, "id"),
        (7, "('createCustomer', 'getCustomer')"),
        (8, "255"),
    ]


def test_allowed_literals_are_still_there() -> None:
    """An allow-list entry whose literal is gone is removed, so the list stays short and true."""
    facts = _facts()
    present = {
        (finding.path, finding.literal)
        for file in _hand_written_files()
        for finding in literals_in(file.read_text(encoding="utf-8"), facts, str(file.relative_to(ROOT)))
    }
    assert not set(ALLOWED) - present, sorted(set(ALLOWED) - present)
