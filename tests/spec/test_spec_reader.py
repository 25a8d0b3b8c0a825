"""malomo_spec, the one reader of the spec's plumbing: `$ref`s followed one way (a cycle, an external or a
dangling one is a SpecError, never a loop), one parse per text, and the one request-to-operation match."""

from __future__ import annotations

from pathlib import Path

import pytest

import malomo_spec

SMALL = """
openapi: 3.0.3
info: {title: t, version: "7", x-malomo-media-type: application/vnd.t+json}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200": {description: ok, headers: {X-Trace: {$ref: "#/components/headers/Trace"}}}
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      parameters:
        - {$ref: "#/components/parameters/Id"}
      responses: {"200": {description: ok}}
  /things/search:
    get: {operationId: searchThings, responses: {"200": {description: ok}}}
components:
  headers:
    Trace: {schema: {type: string}}
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string, format: uuid}}
  schemas:
    A: {$ref: "#/components/schemas/B"}
    B: {$ref: "#/components/schemas/A"}
    Out: {$ref: "other.yaml#/Thing"}
    Gone: {$ref: "#/components/schemas/Nowhere"}
    Named: {allOf: [{$ref: "#/components/schemas/Base"}, {properties: {b: {type: string}}}]}
    Base: {properties: {a: {type: integer}}, required: [a]}
"""


@pytest.fixture
def document() -> malomo_spec.Document:
    return malomo_spec.parse(SMALL, "small.yaml")


def test_a_ref_cycle_is_a_spec_error_naming_the_chain(document: malomo_spec.Document) -> None:
    with pytest.raises(malomo_spec.SpecError, match=r"\$ref cycle #/components/schemas/B -> .*/A -> .*/B"):
        document.resolve(document.schemas()["A"])


@pytest.mark.parametrize(("schema", "says"), [("Out", "only local"), ("Gone", "points nowhere")])
def test_external_and_dangling_refs_are_spec_errors(
    document: malomo_spec.Document, schema: str, says: str
) -> None:
    with pytest.raises(malomo_spec.SpecError, match=says):
        document.resolve(document.schemas()[schema], schema)


def test_merged_folds_refs_and_all_of_later_keys_winning(document: malomo_spec.Document) -> None:
    assert document.schema("Named") == {"properties": {"b": {"type": "string"}}, "required": ["a"]}


def test_a_literal_segment_beats_a_parameter_and_parameters_are_resolved(
    document: malomo_spec.Document,
) -> None:
    found = malomo_spec.operation_for(document, "GET", "/things/search")
    assert found is not None and found[0].operation_id == "searchThings"
    found = malomo_spec.operation_for(document, "get", "/things/42")
    assert found is not None and found[0].operation_id == "getThing" and found[1] == {"id": "42"}
    # The operation's own `id` (a $ref) wins over the path item's.
    assert [p["schema"].get("format") for p in found[0].parameters] == ["uuid"]
    assert malomo_spec.operation_for(document, "DELETE", "/things/42") is None
    assert malomo_spec.operation_for(document, "GET", "/things/42/more") is None


def test_one_parse_per_text_and_a_fresh_one_for_an_edit() -> None:
    assert malomo_spec.parse(SMALL, "a") is malomo_spec.parse(SMALL, "a")
    assert malomo_spec.parse(SMALL + "\n# edited\n", "a") is not malomo_spec.parse(SMALL, "a")


def test_document_facts_of_info_and_headers(document: malomo_spec.Document) -> None:
    assert document.api_version == "7"
    assert document.extension("x-malomo-media-type") == "application/vnd.t+json"
    assert document.header_name("#/components/headers/Trace") == "X-Trace"
    with pytest.raises(malomo_spec.SpecError, match="no response declares"):
        document.header_name("#/components/headers/Missing")


@pytest.mark.parametrize(
    ("text", "says"),
    [("paths: [unclosed", "not valid YAML"), ("openapi: 3.0.3\n", "not an OpenAPI document")],
)
def test_a_file_that_is_no_spec_is_one_line(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(malomo_spec.SpecError, match=says) as caught:
        malomo_spec.load(path)
    assert "\n" not in str(caught.value)
