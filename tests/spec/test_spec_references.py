"""malomo_spec.references: the check the validators, Spectral and Redocly do not make. The shipped spec names
only what it has; an operation removed with its link left behind, a field renamed with an example left
behind, or two operations claiming one client method are each reported, and the command exits 1."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import malomo_spec
from malomo_spec.references import dangling_references, main
from support import SPEC_PATH
from support.spec_document import SPEC


def without_delete(spec: dict[str, Any]) -> None:
    del spec["paths"]["/customers/{id}"]["delete"]


def renamed_with_example_left(spec: dict[str, Any]) -> None:
    properties = spec["components"]["schemas"]["Customer"]["properties"]
    properties["phone"] = properties.pop("phone_number")
    spec["components"]["schemas"]["Customer"]["required"].remove("phone_number")


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
        (without_delete, "createCustomer 200 link DeleteCustomer: names operation 'deleteCustomer'"),
        (renamed_with_example_left, "example field 'phone_number', which the schema does not have"),
        (link_reading_a_missing_field, "reads field 'customer_id', which the answer does not have"),
        (one_method_twice, "x-malomo-method 'customers.all' is listCustomers's already"),
    ],
)
def test_what_names_a_missing_operation_field_or_method_is_reported(
    edit: Callable[[dict[str, Any]], None], reported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy.deepcopy(SPEC)
    edit(spec)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert main([str(path)]) == 1
    assert reported in capsys.readouterr().err
