"""Reference server: the spec's markers are served with no code of their own. A query parameter marked
`x-malomo-filter` filters its list (and its `Link` targets keep it); a property marked renamed answers the
old name's data from an old `--db` file; a handler whose operation was removed from the spec is named at
start-up."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import malomo_spec
from malomo_mock import create_app, running
from malomo_mock.openapi_contract import DEFAULT_SPEC
from support.customer_bodies import new_customer
from support.spec_deletes import CUSTOMER_DELETE
from support.spec_edits import remove_delete

KEY = "sk_test_spec_markers"
SPEC: dict[str, Any] = malomo_spec.parse_yaml(DEFAULT_SPEC.read_text(encoding="utf-8"))


def edited(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    spec = copy.deepcopy(SPEC)
    edit(spec)
    path = tmp_path / f"{edit.__name__}.yaml"
    path.write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    return path


def email_filter(spec: dict[str, Any]) -> None:
    """The maintainer's edit: an exact-match `email` filter on the customer list."""
    parameter = {
        "name": "email",
        "in": "query",
        "required": False,
        "description": "Only the customers with exactly this email address.",
        "schema": {"type": "string"},
        "x-malomo-filter": {"field": "email", "match": "exact"},
    }
    spec["paths"]["/customers"]["get"]["parameters"].append(parameter)


def _renamed_field() -> str:
    """An optional field of create, update and the customer: the one the rename edit renames."""
    schemas = SPEC["components"]["schemas"]
    create = schemas["CustomerCreate"]
    shared = [name for name in create["properties"] if name in schemas["CustomerUpdate"]["properties"]]
    customer = schemas["Customer"]["properties"]
    return str(next(name for name in shared if name not in create.get("required", []) and name in customer))


OLD_NAME = _renamed_field()
NEW_NAME = f"{OLD_NAME}_renamed"


def field_renamed(spec: dict[str, Any]) -> None:
    """That field renamed in every schema, marked as the spec says."""
    schemas = spec["components"]["schemas"]
    for name in ("CustomerCreate", "CustomerUpdate"):
        schemas[name]["properties"][NEW_NAME] = schemas[name]["properties"].pop(OLD_NAME)
        schemas[name]["x-renamed-properties"] = {NEW_NAME: OLD_NAME}
    customer = schemas["Customer"]
    customer["properties"][NEW_NAME] = {**customer["properties"].pop(OLD_NAME), "x-renamed-from": OLD_NAME}
    customer["required"] = [NEW_NAME if name == OLD_NAME else name for name in customer.get("required", [])]


def test_a_filter_parameter_filters_the_list_and_every_link_keeps_it(tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with (
        running(KEY, spec=edited(tmp_path, email_filter), page_size=1) as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as api,
    ):
        for email in ("wanted@filter.test", "other@filter.test", "wanted@filter.test", "WANTED@filter.test"):
            assert api.post("/customers", json=new_customer(email=email)).status_code == 200
        pages, response = [], api.get("/customers", params={"email": "wanted@filter.test"})
        while True:
            assert response.status_code == 200, response.text
            pages.append(response.json())
            if "next" not in response.links:
                break
            assert "email=wanted%40filter.test" in response.links["next"]["url"]
            response = api.get(response.links["next"]["url"])
        assert [[c["email"] for c in page] for page in pages] == [["wanted@filter.test"]] * 2
        assert "email=wanted%40filter.test" in response.links["prev"]["url"]
        assert len(api.get("/customers", params={"email": "nobody@filter.test"}).json()) == 0


def test_a_marked_rename_answers_the_old_fields_data_from_an_old_db_file(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    headers = {"Authorization": f"Bearer {KEY}"}
    with running(KEY, db=db) as server:
        sent = new_customer(**{"email": "renamed@field.test", OLD_NAME: "Kept"})
        customer = httpx.post(f"{server.base_url}/customers", json=sent, headers=headers).json()
    with (
        running(KEY, db=db, spec=edited(tmp_path, field_renamed)) as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as api,
    ):
        read = api.get(f"/customers/{customer['id']}").json()
        assert read[NEW_NAME] == "Kept" and OLD_NAME not in read
        assert [c.get(NEW_NAME) for c in api.get("/customers").json()] == ["Kept"]
        updated = api.put(f"/customers/{customer['id']}", json={"email": "still@field.test"}).json()
        assert updated[NEW_NAME] == "Kept"


def test_a_handler_whose_operation_was_removed_is_named_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The shipped spec as it is when it already lacks the delete, else with the maintainer's removal.
    spec = edited(tmp_path, remove_delete) if CUSTOMER_DELETE is not None else None
    with caplog.at_level(logging.WARNING, logger="malomo_mock"):
        app = create_app(KEY, spec=spec)
    app.state.store.close()
    assert app.state.orphaned == ["deleteCustomer"]
    assert "deleteCustomer" in caplog.text and "spec does not have" in caplog.text
