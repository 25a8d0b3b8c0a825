"""Every normative statement of the spec with the tests that enforce it: generated from `malomo.yaml` (each
schema keyword met, where it stands, each documented status and required header, each list filter, each
description sentence that says what a server does) plus the hand-kept mapping of promise_mapping.py and the
claims the suite's tests declare (`@exercises`, promise_claims.py): a keyword the mapping does not name, or
one inside array items, is credited only to a test that declares it.

`tests/contract/test_contract_promise_inventory.py` fails when a statement has no test, when a mapping entry
matches no statement, or when it names a test that does not exist. The coverage report shows the inventory.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import malomo_spec
from malomo_contract import spec_contract
from malomo_contract.promise_claims import SUITE_DIR, suite_tests
from malomo_contract.promise_mapping import (
    CONSTRAINT_TESTS,
    FIELD_CLAUSES,
    FIELD_SENTENCE,
    INFORMATIVE,
    SENTENCES,
    SERVER_ACTION,
    STATUS_TESTS,
)
from malomo_spec import Document
from malomo_spec.markers import FILTER

__all__ = [
    "CONSTRAINT_TESTS",
    "INFORMATIVE",
    "SENTENCES",
    "STATUS_TESTS",
    "Promise",
    "inventory",
    "normative",
]
# Schema keys that only describe, or hold other schemas (walked on their own): every other key met is a
# promise, so a keyword the spec starts using (`maxItems`, `default`, ...) is one with no test until a test
# declares it.
NOT_PROMISES: Final = frozenset(
    {"description", "title", "example", "examples", "deprecated", "readOnly", "writeOnly", "externalDocs"}
    | {"xml", "properties", "items", "discriminator"}
)
# Keywords a response's generic check (its schema validated by the generated requests) does not verify.
NOT_IN_RESPONSE_CHECKS: Final = frozenset({"default"})


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


def _descriptions(node: Any, where: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(where, description, the node it describes) of every description in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield where, value, node
            elif key not in ("example", "examples"):
                yield from _descriptions(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _descriptions(value, f"{where}/{index}")


# (JSON pointer of a schema, keyword, place) -> the tests of that keyword's constraints on that schema.
KeywordTests = Mapping[tuple[str, str, str], tuple[str, ...]]


def _field_clause(sentence: str) -> tuple[str, tuple[str, ...]] | None:
    """(keyword, places) a field-shaped sentence's clause restates (see FIELD_CLAUSES), else None."""
    shape = FIELD_SENTENCE.fullmatch(sentence)
    if shape is None:
        return None
    return next(
        (meaning for clause, meaning in FIELD_CLAUSES.items() if re.fullmatch(clause, shape["clause"])), None
    )


def _field_sentence_tests(sentence: str, where: str, keyword_tests: KeywordTests) -> tuple[str, ...]:
    """The tests of a schema's own description shaped like a field's (see FIELD_CLAUSES), else none."""
    clause = _field_clause(sentence)
    if clause is None:
        return ()
    keyword, places = clause
    return tuple(test for place in places for test in keyword_tests.get((where, keyword, place), ()))


def _is_field_description(spec: Mapping[str, Any], where: str) -> bool:
    """Whether `where` is a property's schema, or a component schema of a single value."""
    if "/properties/" in where:
        return True
    parts = where.split("/")
    if parts[1:3] != ["components", "schemas"] or len(parts) != 4:
        return False
    return spec.get("components", {}).get("schemas", {}).get(parts[3], {}).get("type") not in ("object", None)


# A success answer's description that only names its body: "The event that was created.", "One page of the
# customer's events." ({noun}: the name, in words, of the schema the body is or is an array of).
BODY_NAME: Final = r"(?:The|A|An|One)(?: page of(?: the \w+'s)?)? {noun}s?(?: that (?:was|were|is) \w+ed)?\."


def _names_the_body(where: str, described: Mapping[str, Any], sentence: str) -> bool:
    """Whether `sentence`, the description of a 2xx response, only names what its body is: it says nothing a
    server does beyond the body's schema (which the schema's own promises cover)."""
    if not re.search(r"/responses/2\d\d$", where):
        return False
    for media in (described.get("content") or {}).values():
        schema = (media or {}).get("schema") or {}
        ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
        words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", str(ref or "").rsplit("/", 1)[-1])
        noun = " ".join(word.lower() for word in words)
        if noun and re.fullmatch(BODY_NAME.format(noun=re.escape(noun)), sentence):
            return True
    return False


def _normative(spec: Mapping[str, Any], where: str, sentence: str, tests: tuple[str, ...]) -> bool:
    """A sentence is normative unless a phrase of INFORMATIVE says otherwise; a field's description is
    informative unless its clause restates a keyword (FIELD_CLAUSES) or it says what a server does."""
    if tests:
        return True
    if any(phrase in sentence for phrase in INFORMATIVE):
        return False
    if _is_field_description(spec, where):
        return _field_clause(sentence) is not None or SERVER_ACTION.search(sentence) is not None
    return True


def _sentence_promises(spec: Mapping[str, Any], keyword_tests: KeywordTests) -> list[Promise]:
    promises = []
    for where, text, described in _descriptions(spec, "#"):
        # A filter parameter's description says what its marker states: the filter's tests enforce it.
        marked = _declaring(f"parameter {FILTER}") if FILTER in described else ()
        for sentence in _sentences(text):
            tests = tuple(test for phrase, tests in SENTENCES.items() if phrase in sentence for test in tests)
            tests += _field_sentence_tests(sentence, where, keyword_tests) + marked
            tests = tuple(dict.fromkeys(tests))
            normative = _normative(spec, where, sentence, tests)
            if normative and not tests and _names_the_body(where, described, sentence):
                normative = False
            promises.append(Promise("sentence", where, sentence, tests, normative))
    return promises


# A constraint with the place it stands (request, response, parameter, header) and its schema's JSON pointer
# ("" when the schema is written inline where no pointer is followed).
Placed = tuple[str, str, Promise]


def _followed(doc: Document, schema: Any, pointer: str) -> tuple[Any, str]:
    """`schema` with its `$ref`s followed (malomo_spec's resolution: a cycle is a SpecError), and the JSON
    pointer of the schema it ends at (`pointer` when it is no `$ref`)."""
    target = doc.resolve(schema)
    while schema is not target:
        pointer = schema["$ref"]
        schema = doc.pointer(pointer)
    return target, pointer


def _schema_constraints(
    doc: Document, schema: Any, where: str, place: str, seen: set[int], pointer: str = ""
) -> Iterator[Placed]:
    schema, pointer = _followed(doc, schema, pointer)
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen = seen | {id(schema)}
    for key, value in schema.items():
        if key in NOT_PROMISES or key.startswith("x-") or (key == "nullable" and not value):
            continue
        if key == "additionalProperties" and value is not False:
            continue
        tests = keyword_tests(place, key)
        if key == "required" and isinstance(value, list):
            for name in value:
                yield place, pointer, Promise("constraint", where, f"`{name}` is required", tests)
            continue
        yield place, pointer, Promise("constraint", where, f"{key}: {value}", tests)
    for name, prop in schema.get("properties", {}).items():
        inner = f"{pointer}/properties/{name}" if pointer else ""
        yield from _schema_constraints(doc, prop, f"{where}/{name}", place, seen, inner)
    if "items" in schema:
        # A list body's items are records, as one record's answer is; an array field's items are items.
        whole_body = where.endswith(" body")
        items_place = place if whole_body or place.endswith(" items") else f"{place} items"
        inner = pointer and f"{pointer}/items"
        yield from _schema_constraints(doc, schema["items"], f"{where}[]", items_place, seen, inner)


def keyword_tests(place: str, key: str) -> tuple[str, ...]:
    """The tests of `key` where it stands: the mapping's for the place (or its catch-all, but for keywords the
    catch-all's check does not verify), and every test that declares `<place> <key>`."""
    where = place.split()[0]
    mapped = CONSTRAINT_TESTS.get((place, key), ())
    if not mapped and (where != "response" or key not in NOT_IN_RESPONSE_CHECKS):
        mapped = CONSTRAINT_TESTS.get((where, "*"), ())
    return tuple(dict.fromkeys(mapped + _declaring(f"{place} {key}")))


@functools.cache
def _claims() -> dict[str, tuple[str, ...]]:
    return suite_tests(SUITE_DIR)


def _declaring(claim: str) -> tuple[str, ...]:
    return tuple(name for name, claims in _claims().items() if claim in claims)


def _json_body_schema(doc: Document, holder: Any) -> Any:
    """The (unresolved) `application/json` schema of a request body or response, or None."""
    content = (doc.resolve(holder) or {}).get("content", {}).get("application/json")
    return content.get("schema") if isinstance(content, dict) else None


def _operation_promises(doc: Document) -> Iterator[Placed]:
    for call in malomo_spec.operations(doc):
        body = _json_body_schema(doc, call.node.get("requestBody"))
        if body is not None:
            yield from _schema_constraints(doc, body, f"{call.operation_id} request body", "request", set())
        for parameter in call.node.get("parameters", []):
            parameter = doc.resolve(parameter)
            where = f"{call.operation_id} parameter {parameter['name']}"
            yield from _schema_constraints(doc, parameter.get("schema", {}), where, "parameter", set())
            if FILTER in parameter:
                text = f"{FILTER}: {parameter[FILTER]}"
                yield "parameter", "", Promise("constraint", where, text, _declaring(f"parameter {FILTER}"))
        for status in (str(status) for status in call.responses):
            tests = STATUS_TESTS.get("2" if status.startswith("2") else status, ())
            yield "status", "", Promise("status", call.operation_id, f"answers {status}", tests)
            response = doc.resolve(call.responses[status])
            for name, header in response.get("headers", {}).items():
                header = doc.resolve(header)
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
                yield from _schema_constraints(doc, content.get("schema", {}), where, "response", set())
    for name, item in doc.tree.get("paths", {}).items():
        for parameter in item.get("parameters", []):
            parameter = doc.resolve(parameter)
            yield from _schema_constraints(
                doc, parameter.get("schema", {}), f"{name} parameter {parameter['name']}", "parameter", set()
            )


def inventory(spec: Mapping[str, Any] | None = None) -> list[Promise]:
    """Every statement of the spec, normative or not, each with its tests (none for informative ones).
    `spec`: the tree of another document (an edited copy) instead of the spec the suite tests."""
    doc = spec_contract.spec() if spec is None else Document(spec, "the edited spec")
    placed = list(_operation_promises(doc))
    keyword_tests: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for place, pointer, promise in placed:
        if pointer and promise.kind == "constraint":
            key = (pointer, promise.text.split(":")[0], place)
            keyword_tests[key] = tuple(dict.fromkeys(keyword_tests.get(key, ()) + promise.tests))
    sentences = _sentence_promises(doc.tree, keyword_tests)
    return [promise for _, _, promise in placed] + sentences


def stale_phrases(spec: Mapping[str, Any] | None = None) -> list[str]:
    """The phrases of the mapping (SENTENCES, INFORMATIVE) that match no sentence of the spec: a typo, or a
    sentence that went with what the spec removed. They credit nothing; the list says what to tidy."""
    sentences = [p.text for p in inventory(spec) if p.kind == "sentence"]
    return [phrase for phrase in [*SENTENCES, *INFORMATIVE] if not any(phrase in text for text in sentences)]


def normative(promises: list[Promise] | None = None) -> list[Promise]:
    return [promise for promise in (promises if promises is not None else inventory()) if promise.normative]


def test_names() -> set[str]:
    """`module.py::function` of every test function of the suite."""
    return set(_claims())


def mapped_tests() -> Mapping[str, tuple[str, ...]]:
    """Every test the hand-kept mapping names, by where it is named."""
    named: dict[str, tuple[str, ...]] = {f"sentence {phrase!r}": tests for phrase, tests in SENTENCES.items()}
    named.update({f"constraint {place} {key}": tests for (place, key), tests in CONSTRAINT_TESTS.items()})
    named.update({f"status {status}": tests for status, tests in STATUS_TESTS.items()})
    return named
