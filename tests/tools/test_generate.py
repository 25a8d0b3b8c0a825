"""Tests of tools/codegen/generate.py: drift is detected, generation needs nothing from PATH, and the
template overrides generate what they promise.

That the committed `generated/` passes the check is `tox -e drift`'s job.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import malomo_spec
from support import ROOT
from tools.codegen import generate


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the parts of the repository that generation reads and writes."""
    for folder in ("openapi", "tools", "generated"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def run_generate(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A PATH without the venv: the pinned ruff must be found without it, or the
    # generator would silently skip formatting and the output would differ.
    return subprocess.run(
        [sys.executable, "-m", "tools.codegen", *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )


@pytest.mark.slow
def test_check_fails_and_names_files_after_a_spec_description_edit(checkout: Path) -> None:
    spec = checkout / "openapi" / "malomo.yaml"
    text = spec.read_text()
    edited = text.replace("Retrieves one customer by id.", "Retrieves exactly one customer by its id.")
    assert edited != text
    spec.write_text(edited)
    result = run_generate(checkout, "--check")
    assert result.returncode == 1
    assert "generated/malomo_client/api/customers/get_customer.py" in result.stdout


def test_check_fails_on_a_hand_edit_of_generated_code(checkout: Path) -> None:
    target = checkout / "generated" / "malomo_client" / "client.py"
    target.write_text(target.read_text() + "# hand edit\n")
    result = run_generate(checkout, "--check")
    assert result.returncode == 1
    assert "generated/malomo_client/client.py" in result.stdout


@pytest.mark.slow
def test_regenerating_makes_check_pass_again(checkout: Path) -> None:
    spec = checkout / "openapi" / "malomo.yaml"
    spec.write_text(spec.read_text().replace("Retrieves one customer by id.", "Fetches one customer."))
    assert run_generate(checkout).returncode == 0
    assert (
        "Fetches one customer."
        in (checkout / "generated" / "malomo_client" / "api" / "customers" / "get_customer.py").read_text()
    )
    result = run_generate(checkout, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list((checkout / "generated").rglob(".ruff_cache"))


def test_overrides_cast_a_nullable_name_and_leave_a_nullable_timestamp_to_upstream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No union of the spec has a member that needs converting; make one, to exercise that branch.
    spec = malomo_spec.parse_yaml(generate.SPEC.read_text())
    spec["components"]["schemas"]["Customer"]["properties"]["updated_at"]["nullable"] = True
    spec_file, config = tmp_path / "spec.yaml", tmp_path / "config.yaml"
    spec_file.write_text(malomo_spec.dump_yaml(spec))
    config.write_text("package_name_override: probe_client\nproject_name_override: probe\n")
    generate.generate(tmp_path / "probe_client", spec_file, config, formatted=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    customer_class = importlib.import_module("probe_client.models.customer").Customer
    # The spec's own example, so that a field added to the spec (and its example) needs no edit here.
    example = {
        **spec["components"]["examples"]["Johnny"]["value"],
        "first_name": None,
        "updated_at": "2019-01-30T13:45:00Z",
    }
    customer = customer_class.from_dict(example)
    assert customer.updated_at == datetime.datetime(2019, 1, 30, 13, 45, tzinfo=datetime.UTC)
    assert (customer.first_name, customer.last_name) == (None, "Rose")
    assert customer.to_dict() == example  # UTC written back as "Z"
    assert customer_class.from_dict({**example, "updated_at": None}).updated_at is None


def generate_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any], name: str) -> Any:
    """Generate `spec` as the package `name` (unformatted, for speed) and import its resources module."""
    spec_file, config = tmp_path / f"{name}.yaml", tmp_path / f"{name}_config.yaml"
    spec_file.write_text(malomo_spec.dump_yaml(spec))
    config.write_text(f"package_name_override: {name}\nproject_name_override: {name}\n")
    generate.generate(tmp_path / name, spec_file, config, formatted=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(f"{name}.resources")


def test_an_operation_or_a_field_added_to_the_spec_becomes_a_method_or_an_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = malomo_spec.parse_yaml(generate.SPEC.read_text())
    event_schema = {"$ref": "#/components/schemas/Event"}
    one_event = {
        "operationId": "getCustomerEvent",
        "summary": "Retrieve one event",
        "tags": ["customers"],
        "parameters": [
            {"name": "customer_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {"description": "The event.", "content": {"application/json": {"schema": event_schema}}}
        },
    }
    spec["paths"]["/customers/{customer_id}/events/{id}"] = {"get": one_event}
    # The naming rule's override: the rule would call this `create` on customers.events too.
    spec["paths"]["/customers/{customer_id}/events/{id}"]["post"] = {
        **one_event,
        "operationId": "replayCustomerEvent",
        "x-malomo-method": "customers.events.replay",
    }
    # A compatible edit: a new optional, nullable field of the create body becomes a keyword argument.
    added = "_".join(["added", *sorted(spec["components"]["schemas"]["CustomerCreate"]["properties"])])
    spec["components"]["schemas"]["CustomerCreate"]["properties"][added] = {
        "type": "string",
        "nullable": True,
    }
    resources = generate_copy(tmp_path, monkeypatch, spec, "grown_client")
    assert (
        inspect.signature(resources.Customers.create).parameters[added].kind is inspect.Parameter.KEYWORD_ONLY
    )
    retrieve = inspect.signature(resources.CustomersEvents.retrieve)
    assert list(retrieve.parameters)[:3] == ["self", "customer_id", "id"]
    assert "Event" in str(retrieve.return_annotation)
    assert callable(resources.AsyncCustomersEventsWithRawResponse.replay)
    assert not hasattr(resources.CustomersEvents, "create")


def test_two_operations_with_one_method_name_are_refused_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = malomo_spec.parse_yaml(generate.SPEC.read_text())
    spec["paths"]["/customers"]["post"]["x-malomo-method"] = "customers.list"
    with pytest.raises(
        generate.GenerationError, match=r"POST /customers and GET /customers are both customers\.list"
    ):
        generate_copy(tmp_path, monkeypatch, spec, "clashing_client")
