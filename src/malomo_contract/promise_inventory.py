"""Every normative statement of the spec with the tests that enforce it: generated from `malomo.yaml` (each
schema constraint, each documented status and required header, each description sentence that says what a
server does) plus the small hand-kept mapping below from statements to tests.

`tests/contract/test_contract_promise_inventory.py` fails when a statement has no test, when a mapping entry
matches no statement, or when it names a test that does not exist. The coverage report shows the inventory.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from malomo_contract.promise_mapping import (
    CONSTRAINT_TESTS,
    FIELD_CLAUSES,
    FIELD_SENTENCE,
    INFORMATIVE,
    SENTENCES,
    STATUS_TESTS,
)
from malomo_contract.spec_contract import document, operations, resolve, spec

SUITE_DIR = Path(__file__).resolve().parent / "suite"
__all__ = [
    "CONSTRAINT_TESTS",
    "INFORMATIVE",
    "SENTENCES",
    "STATUS_TESTS",
    "Promise",
    "inventory",
    "normative",
]
CONSTRAINT_KEYS = (
    "type",
    "format",
    "required",
    "nullable",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "pattern",
    "enum",
    "additionalProperties",
)


@dataclass(frozen=True)
class Promise:
    """One statement of the spec: what kind, where, its text, and the tests that enforce it."""

    kind: str  # constraint, status, header or sentence
    where: str
    text: str
    tests: tuple[str, ...]
    normative: bool = True


def _sentences(text: str) -> list[str]:
    """The sentences of a description: markdown headings dropped, list items apart, then split after `.`."""
    found = []
    text = re.sub(r"^\s*#+ .*$", "\n", text, flags=re.MULTILINE)
    for block in re.split(r"\n\s*\n|\n(?=\s*- )", text):
        block = re.sub(r"^\s*- ", "", re.sub(r"\s+", " ", block)).strip()
        parts = re.split(r"(?<!e\.g\.)(?<=[.])\s+(?=[A-Z`(*\-])", block)
        found += [part.strip() for part in parts if part.strip()]
    return found


def _descriptions(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield where, value
            elif key not in ("example", "examples"):
                yield from _descriptions(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _descriptions(value, f"{where}/{index}")


# (JSON pointer of a schema, keyword, place) -> the tests of that keyword's constraints on that schema.
KeywordTests = Mapping[tuple[str, str, str], tuple[str, ...]]


def _field_sentence_tests(sentence: str, where: str, keyword_tests: KeywordTests) -> tuple[str, ...]:
    """The tests of a schema's own description shaped like a field's (see FIELD_CLAUSES), else none."""
    shape = FIELD_SENTENCE.fullmatch(sentence)
    if shape is None or shape["clause"] not in FIELD_CLAUSES:
        return ()
    keyword, places = FIELD_CLAUSES[shape["clause"]]
    return tuple(test for place in places for test in keyword_tests.get((where, keyword, place), ()))


def _sentence_promises(spec: Mapping[str, Any], keyword_tests: KeywordTests) -> list[Promise]:
    promises = []
    for where, text in _descriptions(spec, "#"):
        for sentence in _sentences(text):
            tests = tuple(test for phrase, tests in SENTENCES.items() if phrase in sentence for test in tests)
            tests += _field_sentence_tests(sentence, where, keyword_tests)
            informative = any(phrase in sentence for phrase in INFORMATIVE)
            promises.append(
                Promise(
                    "sentence", where, sentence, tuple(dict.fromkeys(tests)), not informative or bool(tests)
                )
            )
    return promises


# A constraint with the place it stands (request, response, parameter, header) and its schema's JSON pointer
# ("" when the schema is written inline where no pointer is followed).
Placed = tuple[str, str, Promise]


def _followed(schema: Any, pointer: str) -> tuple[Any, str]:
    """`schema` with its `$ref`s followed (malomo_spec's resolution: a cycle is a SpecError), and the JSON
    pointer of the schema it ends at (`pointer` when it is no `$ref`)."""
    target = spec().resolve(schema)
    while schema is not target:
        pointer = schema["$ref"]
        schema = spec().pointer(pointer)
    return target, pointer


def _schema_constraints(
    schema: Any, where: str, place: str, seen: set[int], pointer: str = ""
) -> Iterator[Placed]:
    schema, pointer = _followed(schema, pointer)
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen = seen | {id(schema)}
    tests = CONSTRAINT_TESTS.get((place, "*"), ())
    for key in CONSTRAINT_KEYS:
        if key not in schema or (key == "nullable" and not schema[key]):
            continue
        value = schema[key]
        if key == "required" and isinstance(value, list):
            for name in value:
                yield (
                    place,
                    pointer,
                    Promise(
                        "constraint", where, f"`{name}` is required", tests or CONSTRAINT_TESTS[(place, key)]
                    ),
                )
            continue
        if key == "additionalProperties" and value is not False:
            continue
        promise = Promise(
            "constraint", where, f"{key}: {value}", tests or CONSTRAINT_TESTS.get((place, key), ())
        )
        yield place, pointer, promise
    for name, prop in schema.get("properties", {}).items():
        inner = f"{pointer}/properties/{name}" if pointer else ""
        yield from _schema_constraints(prop, f"{where}/{name}", place, seen, inner)
    if "items" in schema:
        yield from _schema_constraints(
            schema["items"], f"{where}[]", place, seen, pointer and f"{pointer}/items"
        )


def _json_body_schema(holder: Any) -> Any:
    """The (unresolved) `application/json` schema of a request body or response, or None."""
    content = (resolve(holder) or {}).get("content", {}).get("application/json")
    return content.get("schema") if isinstance(content, dict) else None


def _operation_promises() -> Iterator[Placed]:
    for call in operations():
        body = _json_body_schema(call.raw.get("requestBody"))
        if body is not None:
            yield from _schema_constraints(body, f"{call.operation_id} request body", "request", set())
        for parameter in call.raw.get("parameters", []):
            parameter = resolve(parameter)
            where = f"{call.operation_id} parameter {parameter['name']}"
            yield from _schema_constraints(parameter.get("schema", {}), where, "parameter", set())
        for status in call.documented_statuses:
            tests = STATUS_TESTS.get("2" if status.startswith("2") else status, ())
            yield "status", "", Promise("status", call.operation_id, f"answers {status}", tests)
            response = resolve(call.raw["responses"][status])
            for name, header in response.get("headers", {}).items():
                header = resolve(header)
                if header.get("required"):
                    yield (
                        "header",
                        "",
                        Promise(
                            "header",
                            f"{call.operation_id} {status}",
                            f"`{name}` is required",
                            CONSTRAINT_TESTS[("header", "*")],
                        ),
                    )
            for content in response.get("content", {}).values():
                where = f"{call.operation_id} {status} body"
                yield from _schema_constraints(content.get("schema", {}), where, "response", set())
    for name, item in document().get("paths", {}).items():
        for parameter in item.get("parameters", []):
            parameter = resolve(parameter)
            yield from _schema_constraints(
                parameter.get("schema", {}), f"{name} parameter {parameter['name']}", "parameter", set()
            )


def inventory(spec: Mapping[str, Any] | None = None) -> list[Promise]:
    """Every statement of the spec, normative or not, each with its tests (none for informative ones).
    `spec` replaces the packaged spec's descriptions (for the inventory's own tests)."""
    placed = list(_operation_promises())
    keyword_tests: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for place, pointer, promise in placed:
        if pointer and promise.kind == "constraint":
            key = (pointer, promise.text.split(":")[0], place)
            keyword_tests[key] = tuple(dict.fromkeys(keyword_tests.get(key, ()) + promise.tests))
    sentences = _sentence_promises(spec if spec is not None else document(), keyword_tests)
    return [promise for _, _, promise in placed] + sentences


def normative(promises: list[Promise] | None = None) -> list[Promise]:
    return [promise for promise in (promises if promises is not None else inventory()) if promise.normative]


def test_names() -> set[str]:
    """`module.py::function` of every test function of the suite."""
    names = set()
    for path in SUITE_DIR.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {
            f"{path.name}::{node.name}"
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        }
    return names


def mapped_tests() -> Mapping[str, tuple[str, ...]]:
    """Every test the hand-kept mapping names, by where it is named."""
    named: dict[str, tuple[str, ...]] = {f"sentence {phrase!r}": tests for phrase, tests in SENTENCES.items()}
    named.update({f"constraint {place} {key}": tests for (place, key), tests in CONSTRAINT_TESTS.items()})
    named.update({f"status {status}": tests for status, tests in STATUS_TESTS.items()})
    return named
