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

from malomo_contract.spec_contract import document, operations, resolve

SUITE_DIR = Path(__file__).resolve().parent / "suite"

GENERATED = "test_generated_requests.py::test_operation_keeps_the_contract"
STATEFUL = "test_stateful_links.py::test_linked_operations_keep_the_contract"
INVALID_CREATE = "test_errors_and_auth.py::test_create_refuses_invalid_body_with_400"
INVALID_UPDATE = "test_errors_and_auth.py::test_update_refuses_invalid_body_with_400"
LENGTHS = "test_boundaries.py::test_length_limit_is_kept_at_its_edge"
EMAILS = "test_boundaries.py::test_email_grammar_is_kept"
ROUND_TRIP = "test_customer_lifecycle.py::test_created_customer_reads_back_exactly_as_sent"
UPDATE_FIELD = "test_customer_lifecycle.py::test_update_applies_the_field_keeps_the_others_and_is_logged"
WALK_ORDER = "test_pagination_walks.py::test_next_walk_ends_without_repeats_in_order"
WALK_ALL = "test_pagination_walks.py::test_next_walk_finds_every_record_that_existed_before_it"
WALK_ENDS = "test_pagination_walks.py::test_first_and_last_pages_have_only_their_links"
WALK_BACK = "test_pagination_walks.py::test_prev_walk_back_mirrors_the_next_walk"
NO_KEY = "test_errors_and_auth.py::test_operation_refuses_request_without_valid_key"
NOT_FOUND = "test_errors_and_auth.py::test_unknown_customer_is_not_found"
VERSION_406 = "test_errors_and_auth.py::test_operation_refuses_another_api_version_with_406"
NO_VERSION = "test_errors_and_auth.py::test_request_naming_no_version_is_served_as_the_spec_version"
BAD_CURSOR = "test_errors_and_auth.py::test_list_refuses_a_cursor_it_did_not_issue_with_400"
NOT_JSON = "test_errors_and_auth.py::test_body_that_is_not_json_is_refused_with_415"
BODY_LIMIT = "test_boundaries.py::test_body_size_limit_is_kept_at_its_edge"
DELETED = "test_customer_lifecycle.py::test_deleted_customer_is_not_found_by_any_operation"
SUCCEEDS = "test_every_operation_succeeded.py::test_every_operation_was_answered_with_success"

# Description sentences that say what a server does, by a phrase each contains, with their tests. A
# sentence matched by no phrase here and by no INFORMATIVE phrase fails the inventory test: decide which.
SENTENCES: dict[str, tuple[str, ...]] = {
    "are refused here with 401": (NO_KEY,),
    "Every request sends the secret API key": (NO_KEY,),
    "The API version is chosen with": (VERSION_406, NO_VERSION),
    "is served as version": (NO_VERSION,),
    "any other version is refused with 406": (VERSION_406,),
    "`status` equals the HTTP status": (NO_KEY, NOT_FOUND, INVALID_CREATE, GENERATED),
    "the items *after* a cursor": (WALK_ORDER, WALK_BACK),
    "cursors come back in an RFC 8288 `Link`": (WALK_ORDER, WALK_ENDS),
    "`email` is required on create": (INVALID_CREATE, ROUND_TRIP),
    "Fields left out of the body are kept": (UPDATE_FIELD,),
    "`email` cannot be cleared": (INVALID_UPDATE,),
    "moves `updated_at` forward": (UPDATE_FIELD,),
    "a body with an unknown field is refused with 400": (INVALID_CREATE, INVALID_UPDATE),
    "Create answers 200 with the new customer": (ROUND_TRIP, GENERATED),
    "Answers 200 (not 201)": (ROUND_TRIP, GENERATED),
    "Creates a customer": (ROUND_TRIP,),
    "The customer that was created": (ROUND_TRIP,),
    "of the new customer retrieves it": (ROUND_TRIP, STATEFUL),
    "of the new customer updates it": (UPDATE_FIELD, STATEFUL),
    "of the new customer deletes it": (DELETED, STATEFUL),
    "of the new customer lists its events": (UPDATE_FIELD, STATEFUL),
    "in ascending (`created_at`, `id`) order": (WALK_ORDER,),
    "Follow the `Link` header's": (WALK_ALL,),
    "A malformed id is answered with 404": (NOT_FOUND,),
    "Retrieves one customer by id": (ROUND_TRIP,),
    "Partial update:": (UPDATE_FIELD,),
    "The customer's event log records the update": (UPDATE_FIELD,),
    "The customer as it is after the update": (UPDATE_FIELD,),
    "The updated customer can be retrieved": (UPDATE_FIELD, STATEFUL),
    "Deletes a customer and its event log": (DELETED,),
    "The customer was deleted": (DELETED,),
    "paginated like the customer list": (WALK_ORDER, WALK_ALL, WALK_BACK, WALK_ENDS),
    "returns the items after it": (WALK_ALL,),
    "returns the items before it": (WALK_BACK,),
    '`rel="next"` is left out on the last page': (WALK_ENDS, WALK_BACK),
    "the same as the error body's `request_id`": (NO_KEY, NOT_FOUND, GENERATED),
    "The authentication scheme to use, `Bearer`": (NO_KEY,),
    "The request was malformed": (INVALID_CREATE, INVALID_UPDATE, BAD_CURSOR),
    "The API key is missing, unknown or a publishable key": (NO_KEY,),
    "asks for a version of the API other than": (VERSION_406,),
    "No customer has this id": (NOT_FOUND, DELETED),
    "The request body is larger than": (BODY_LIMIT,),
    "The request body is not `application/json`": (NOT_JSON,),
    "never before `created_at`": (ROUND_TRIP, UPDATE_FIELD),
    "`email` is required; unknown fields are refused": (INVALID_CREATE,),
    "`null` clears an optional field": (UPDATE_FIELD, INVALID_UPDATE),
    "the local part a dot-atom of at most": (EMAILS,),
    "The id of the request, also in the `X-Request-Id` header": (NO_KEY, NOT_FOUND),
    "The HTTP status of the answer": (NO_KEY, NOT_FOUND, GENERATED),
    "The body of every error answer": (NO_KEY, NOT_FOUND, INVALID_CREATE, GENERATED),
}
# Phrases of sentences that describe, explain or advise clients, and promise nothing a server could break.
INFORMATIVE = (
    "written by hand from",
    "single source of truth",
    "carry the vendor extension",
    "Tools that write traffic to disk",
    "No `default` response is declared",
    "Undeclared statuses",
    "The seed's customers table",
    "This document uses one meaning",
    "Cursors are opaque strings",
    "Send at most one of",
    "the names and the phone number are optional",
    "examples had syntax errors",
    "The event example's",
    "Malomo production API",
    "Customers of a Malomo store",
    "One page of customers",
    "Unique identifier",
    "Unique id of the customer",
    "The customer.",
    "One page of the customer's events",
    "The secret API key",
    "RFC 8288 links to the neighbouring pages",
    "A customer of a Malomo store",
    "When the customer was",
    "Customer's email address.",
    "The fields of a new customer",
    "The fields to change",
    "One entry in a customer's event log",
    "Human-readable",
    "Where the event can be seen",
    "Free-form details",
    "When the event",
    "The kind of event",
    "Machine-readable error code",
)
# A schema's own description shaped `<what the field is>; <clause>.` (e.g. "Customer's first name; null
# when unknown."): the first part names the field, the clause restates a keyword of the same schema, so the
# sentence is enforced by the tests of that keyword's constraints where an operation's body uses the schema
# (the every-field tests read each property from the spec). Clause -> (keyword, the places where the clause
# means that keyword). Another clause, or a keyword the schema does not state, leaves the sentence to
# SENTENCES and INFORMATIVE, so a new field described like the others needs no entry here.
FIELD_CLAUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "null when unknown": ("nullable", ("request", "response")),
    "null clears it": ("nullable", ("request",)),
}
FIELD_SENTENCE = re.compile(r"[^;.]+; (?P<clause>[^;]+)\.")
# Schema constraints by where they stand: request bodies, responses, parameters and headers.
CONSTRAINT_TESTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("request", "maxLength"): (LENGTHS,),
    ("request", "minLength"): (LENGTHS,),
    ("request", "format"): (EMAILS, INVALID_CREATE, INVALID_UPDATE),
    ("request", "type"): (INVALID_CREATE, INVALID_UPDATE, GENERATED),
    ("request", "required"): (INVALID_CREATE, GENERATED),
    ("request", "nullable"): (ROUND_TRIP, UPDATE_FIELD),
    ("request", "additionalProperties"): (INVALID_CREATE, INVALID_UPDATE),
    ("response", "*"): (GENERATED, STATEFUL),
    ("parameter", "*"): (GENERATED, NOT_FOUND, BAD_CURSOR),
    ("header", "*"): (GENERATED, NO_KEY),
}
STATUS_TESTS: dict[str, tuple[str, ...]] = {
    "2": (GENERATED, SUCCEEDS),
    "400": (INVALID_CREATE, INVALID_UPDATE, BAD_CURSOR),
    "401": (NO_KEY,),
    "404": (NOT_FOUND, DELETED),
    "406": (VERSION_406,),
    "413": (BODY_LIMIT,),
    "415": (NOT_JSON,),
}
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


def _schema_constraints(
    schema: Any, where: str, place: str, seen: set[int], pointer: str = ""
) -> Iterator[Placed]:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        pointer = schema["$ref"]
        schema = resolve({"$ref": pointer})
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
