"""malomo_spec.references: the check the validators, Spectral and Redocly do not make. The shipped spec names
only what it has; an operation removed with its link left behind, a field renamed with an example left
behind, or two operations claiming one client method are each reported, and the command exits 1."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import malomo_spec
from malomo_spec.references import dangling_references, main
from support import SPEC_PATH
from support.spec_document import SPEC


def _linked(spec: dict[str, Any]) -> tuple[str, str, str]:
    """(path, method, operationId) of an operation some link of the spec names."""
    walk = malomo_spec.Document(spec).walk()
    named = {str(node.get("operationId")) for at, node in walk if len(at) > 1 and at[-2] == "links"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") in named:
                return path, method, operation["operationId"]
    raise AssertionError("no link names an operation")


def without_a_linked_operation(spec: dict[str, Any]) -> None:
    path, method, _ = _linked(spec)
    del spec["paths"][path][method]


def renamed_with_example_left(spec: dict[str, Any]) -> None:
    """A property of the first schema with an example renamed, the example left as it was."""
    example = spec["components"]["examples"]["Johnny"]["value"]
    schema = spec["components"]["schemas"]["Customer"]
    name = next(name for name in example if name in schema["properties"])
    schema["properties"][f"{name}_renamed"] = schema["properties"].pop(name)
    schema["required"] = [f"{n}_renamed" if n == name else n for n in schema.get("required", [])]
    spec["x-test-renamed"] = name


def link_reading_a_missing_field(spec: dict[str, Any]) -> None:
    links = spec["paths"]["/customers"]["post"]["responses"]["200"]["links"]
    links["GetCustomer"]["parameters"] = {"id": "$response.body#/customer_id"}


def one_method_twice(spec: dict[str, Any]) -> None:
    spec["paths"]["/customers"]["get"]["x-malomo-method"] = "customers.all"
    spec["paths"]["/customers"]["post"]["x-malomo-method"] = "customers.all"


def test_the_shipped_spec_names_only_what_it_has() -> None:
    assert dangling_references(malomo_spec.load(SPEC_PATH)) == []
    assert main([str(SPEC_PATH)]) == 0


@pytest.mark.parametrize(
    ("edit", "reported"),
    [
        (without_a_linked_operation, "names operation {operation!r}, which the document lacks"),
        (renamed_with_example_left, "example field {field!r}, which the schema does not have"),
        (link_reading_a_missing_field, "reads field 'customer_id', which the answer does not have"),
        (one_method_twice, "x-malomo-method 'customers.all' is listCustomers's already"),
    ],
    ids=[
        "operation removed, link left",
        "field renamed, example left",
        "link reads no field",
        "one method twice",
    ],
)
def test_what_names_a_missing_operation_field_or_method_is_reported(
    edit: Callable[[dict[str, Any]], None], reported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy.deepcopy(SPEC)
    operation = _linked(spec)[2]
    edit(spec)
    field = spec.pop("x-test-renamed", None)
    reported = reported.format(operation=operation, field=field)
    path = tmp_path / "edited.yaml"
    path.write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    assert main([str(path)]) == 1
    assert reported in capsys.readouterr().err
