"""Reference server: compatible edits of a copy of the spec are served with no code change, an old `--db`
file opens after a field is added, and an operation without a handler answers 501 and is listed at start-up.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import MockProcess

import malomo_spec
from malomo_mock import create_app, running
from malomo_mock.openapi_contract import DEFAULT_SPEC, SpecError
from malomo_mock.seed_file import SeedError
from support.customer_bodies import new_customer

KEY = "sk_test_spec_edits"
SPEC: dict[str, Any] = malomo_spec.parse_yaml(DEFAULT_SPEC.read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
OPERATION_IDS = [
    operation["operationId"]
    for item in SPEC["paths"].values()
    for operation in item.values()
    if isinstance(operation, dict) and "operationId" in operation
]


def unused(stem: str, names: Iterable[str]) -> str:
    """`stem` with the first number that makes it a name the spec does not use: each edit adds something."""
    return next(f"{stem}{n}" for n in range(1, 1000) if f"{stem}{n}" not in set(names))


NEW_FIELD = unused(
    "added_field_", [*SCHEMAS["Customer"]["properties"], *SCHEMAS["CustomerCreate"]["properties"]]
)
NEW_OPERATION = unused("listNotes", OPERATION_IDS)
NEW_PATCH = unused("patchCustomer", OPERATION_IDS)
NEW_PARAMETER = unused(
    "added_param_", [p.get("name") for p in SPEC["components"].get("parameters", {}).values()]
)
NEW_FIELD_MAX_LENGTH = 8


def edited(tmp_path: Path, *edits: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the spec with `edits` applied, written to `tmp_path`."""
    spec = copy.deepcopy(SPEC)
    for edit in edits:
        edit(spec)
    path = tmp_path / "edited.yaml"
    path.write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    return path


def add_customer_field(spec: dict[str, Any]) -> None:
    """An optional nullable string in create, update and the customer, as a maintainer would add it."""
    field = {"type": "string", "nullable": True, "maxLength": NEW_FIELD_MAX_LENGTH, "description": "Added."}
    for schema in ("CustomerCreate", "CustomerUpdate", "Customer"):
        spec["components"]["schemas"][schema]["properties"][NEW_FIELD] = dict(field)


# Fields of other kinds a spec may add: (schema, a value it accepts, values it refuses).
KINDS: dict[str, tuple[dict[str, Any], Any, list[Any]]] = {
    "enum": ({"type": "string", "enum": ["gold", "silver"]}, "gold", ["bronze", 1]),
    "pattern": ({"type": "string", "pattern": "^[A-Z]{2}$"}, "FR", ["fr", "FRA"]),
    "int32": ({"type": "integer", "format": "int32", "minimum": 0}, 7, [-1, 2**31, 1.5, True, "7"]),
    "array": (
        {"type": "array", "maxItems": 2, "items": {"type": "string"}},
        ["a"],
        [["a", "b", "c"], [1], "a"],
    ),
    "object": (
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["city"],
            "properties": {"city": {"type": "string", "maxLength": 5}},
        },
        {"city": "Paris"},
        [{}, {"city": "Lyon", "zip": "1"}, {"city": "Marseille"}, []],
    ),
}
KIND_FIELDS = {kind: unused(f"added_{kind}_", SCHEMAS["Customer"]["properties"]) for kind in KINDS}


def add_fields_of_other_kinds(spec: dict[str, Any]) -> None:
    for kind, (schema, _, _) in KINDS.items():
        for name in ("CustomerCreate", "CustomerUpdate", "Customer"):
            spec["components"]["schemas"][name]["properties"][KIND_FIELDS[kind]] = copy.deepcopy(schema)


def add_list_parameter(spec: dict[str, Any]) -> None:
    """An optional integer query parameter (1 to 10) on the customer list."""
    parameter = {
        "name": NEW_PARAMETER,
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 10},
    }
    spec["paths"]["/customers"]["get"].setdefault("parameters", []).append(parameter)


def add_operation_without_handler(spec: dict[str, Any]) -> None:
    """A new read of a sub-resource, and PATCH on the customer: no server code exists for either."""
    answer = {"responses": {"200": {"description": "OK"}}}
    spec["paths"]["/customers/{id}/notes"] = {"get": {"operationId": NEW_OPERATION, **answer}}
    # A body of a shape the server cannot check does not matter when no handler reads it.
    body = {"content": {"application/json": {"schema": {"oneOf": [{"type": "object"}]}}}}
    spec["paths"]["/customers/{id}"]["patch"] = {"operationId": NEW_PATCH, "requestBody": body, **answer}


@contextmanager
def serving(**running_arguments: Any) -> Iterator[httpx.Client]:
    """`running(KEY, ...)`: the server on a loopback port; an httpx client on it that sends the key."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with (
        running(KEY, **running_arguments) as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The server built from a copy of the spec with a new customer field and a new list parameter."""
    spec = edited(
        tmp_path_factory.mktemp("spec"), add_customer_field, add_fields_of_other_kinds, add_list_parameter
    )
    with serving(spec=spec) as client:
        yield client


def test_a_new_optional_nullable_field_is_accepted_stored_echoed_kept_and_cleared(api: httpx.Client) -> None:
    created = api.post("/customers", json=new_customer(**{"email": "new@field.test", NEW_FIELD: "given"}))
    assert created.status_code == 200, created.text
    customer = created.json()
    assert customer[NEW_FIELD] == "given"
    assert api.get(f"/customers/{customer['id']}").json() == customer
    kept = api.put(f"/customers/{customer['id']}", json={"email": "other@field.test"}).json()
    assert kept[NEW_FIELD] == "given"
    cleared = api.put(f"/customers/{customer['id']}", json={NEW_FIELD: None}).json()
    assert cleared[NEW_FIELD] is None
    assert api.get(f"/customers/{customer['id']}").json() == cleared
    without = api.post("/customers", json=new_customer(email="without@field.test")).json()
    assert without[NEW_FIELD] is None


@pytest.mark.parametrize("value", ["x" * (NEW_FIELD_MAX_LENGTH + 1), 5, ["x"]])
def test_a_new_field_is_checked_against_its_schema_and_named_in_the_error(
    api: httpx.Client, value: Any
) -> None:
    response = api.post("/customers", json=new_customer(**{"email": "bad@field.test", NEW_FIELD: value}))
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{NEW_FIELD}:")


@pytest.mark.parametrize("kind", KINDS)
def test_new_fields_of_other_kinds_follow_their_schemas(api: httpx.Client, kind: str) -> None:
    name = KIND_FIELDS[kind]
    _, good, bad_values = KINDS[kind]
    created = api.post("/customers", json=new_customer(**{"email": f"{kind}@kinds.test", name: good}))
    assert created.status_code == 200, created.text
    assert created.json()[name] == good
    for bad in bad_values:
        response = api.post("/customers", json=new_customer(**{"email": f"{kind}@kinds.test", name: bad}))
        assert response.status_code == 400, bad
        assert response.json()["message"].startswith(name), response.json()["message"]


def test_a_new_optional_query_parameter_is_accepted_and_checked_against_its_schema(api: httpx.Client) -> None:
    assert api.get("/customers", params={NEW_PARAMETER: "3"}).status_code == 200
    for bad in ("abc", "0", "11"):
        response = api.get("/customers", params={NEW_PARAMETER: bad})
        assert response.status_code == 400, bad
        assert response.json()["message"].startswith(f"{NEW_PARAMETER}:")


def test_a_required_query_parameter_is_required(tmp_path: Path) -> None:
    def required_parameter(spec: dict[str, Any]) -> None:
        add_list_parameter(spec)
        spec["paths"]["/customers"]["get"]["parameters"][-1]["required"] = True

    with serving(spec=edited(tmp_path, required_parameter)) as api:
        response = api.get("/customers")
        assert response.status_code == 400
        assert response.json()["message"] == f"{NEW_PARAMETER}: is required."
        assert api.get("/customers", params={NEW_PARAMETER: "1"}).status_code == 200


def test_a_seed_file_takes_a_new_field_with_its_rules(tmp_path: Path) -> None:
    spec = edited(tmp_path, add_customer_field)
    seed = tmp_path / "seed.json"
    customer = new_customer(**{"id": OLD_ID, "email": "seeded@field.test", NEW_FIELD: "seeded"})
    seed.write_text(json.dumps({"customers": [customer]}), encoding="utf-8")
    with serving(spec=spec, seed=seed) as api:
        assert api.get(f"/customers/{OLD_ID}").json()[NEW_FIELD] == "seeded"
    seed.write_text(json.dumps({"customers": [{**customer, NEW_FIELD: "x" * 99}]}), encoding="utf-8")
    with pytest.raises(SeedError, match=rf"customers\[0\]\.{NEW_FIELD}: "):
        create_app(KEY, spec=spec, seed=seed)


# The layout of --db files written before 0.3.0, pinned because such files exist and must keep opening.
OLD_LAYOUT = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT NOT NULL, first_name TEXT, last_name TEXT,
    phone_number TEXT, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);
CREATE INDEX customers_by_position ON customers (created_us, id);
CREATE TABLE events (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, label TEXT NOT NULL, link_back_url TEXT,
    properties TEXT NOT NULL, timestamp INTEGER NOT NULL, type TEXT NOT NULL, created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL);
CREATE INDEX events_by_position ON events (customer_id, created_us, id);
INSERT INTO customers VALUES ('a0a877c6-4164-4e8a-8179-48f8d4752b4e', 'johnny@rosevideo.com', 'Johnny', NULL,
    '555-555-5555', 1548855000000000, 1548855000000000);
INSERT INTO events VALUES ('1a3c1090-efd1-11eb-9a03-0242ac130003', 'a0a877c6-4164-4e8a-8179-48f8d4752b4e',
    'Order #1000 fulfilled', NULL, '{"shopify_order": {"id": "5555555555555"}}', 1548855000,
    'ShopifyOrderFulfilled', 1548855000000000, 1548855000000000);
"""
OLD_ID = "a0a877c6-4164-4e8a-8179-48f8d4752b4e"


def test_an_old_db_file_opens_and_serves_after_a_field_is_added(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as old:
        old.executescript(OLD_LAYOUT)
    old.close()
    with serving(db=db, spec=edited(tmp_path, add_customer_field), page_size=1) as api:
        customer = api.get(f"/customers/{OLD_ID}").json()
        assert customer["email"] == "johnny@rosevideo.com" and customer["first_name"] == "Johnny"
        assert customer["last_name"] is None and customer[NEW_FIELD] is None
        assert customer["created_at"] == "2019-01-30T13:30:00Z"
        [event] = api.get(f"/customers/{OLD_ID}/events").json()
        assert event["properties"] == {"shopify_order": {"id": "5555555555555"}}
        assert (event["timestamp"], event["link_back_url"]) == (1548855000, None)
        assert api.put(f"/customers/{OLD_ID}", json={NEW_FIELD: "set"}).json()[NEW_FIELD] == "set"
        newer = api.post("/customers", json=new_customer(email="newer@field.test")).json()
        first = api.get("/customers")
        assert [c["id"] for c in first.json()] == [OLD_ID]
        assert [c["id"] for c in api.get(first.links["next"]["url"]).json()] == [newer["id"]]
    with serving(db=db) as api:  # and again, already upgraded, with the shipped spec
        assert api.get(f"/customers/{OLD_ID}").json()["first_name"] == "Johnny"


def test_an_operation_without_a_handler_answers_501_naming_it(tmp_path: Path) -> None:
    with serving(spec=edited(tmp_path, add_operation_without_handler)) as api:
        customer = api.post("/customers", json=new_customer(email="notes@field.test")).json()
        for response in (
            api.get(f"/customers/{customer['id']}/notes"),
            api.patch(f"/customers/{customer['id']}", json={}),
        ):
            assert response.status_code == 501
            body = response.json()
            assert body["code"] == "not_implemented" and body["status"] == 501
            assert body["request_id"] == response.headers["x-request-id"]
        assert NEW_OPERATION in api.get(f"/customers/{customer['id']}/notes").json()["message"]
        assert "PATCH" in api.post(f"/customers/{customer['id']}").headers["allow"].split(", ")
        anonymous = httpx.get(f"{api.base_url}/customers/{customer['id']}/notes")
        assert anonymous.status_code == 401


def test_malomo_mock_lists_the_operations_without_a_handler_at_start_up(
    tmp_path: Path, spawn: type[MockProcess]
) -> None:
    spec = edited(tmp_path, add_operation_without_handler)
    mock = spawn("--api-key", KEY, "--spec", str(spec))
    assert mock.stop() == 0
    total = len(OPERATION_IDS) + 2
    # The first such line (when the spec lacks an operation the server handles, it is logged again).
    line = next(line for line in mock.stderr.splitlines() if "not implemented" in line)
    assert f"serves {total - 2} of {total} operations; not implemented: " in line
    assert NEW_OPERATION in line and NEW_PATCH in line


def test_every_operation_of_the_shipped_spec_has_a_handler() -> None:
    app = create_app(KEY)
    assert app.state.unimplemented == []
    assert (app.state.coverage is None) == (app.state.orphaned == [])  # a handler with no operation is named
    app.state.store.close()


def test_a_spec_using_a_keyword_the_server_cannot_enforce_is_refused_at_start_up(tmp_path: Path) -> None:
    def one_of(spec: dict[str, Any]) -> None:
        spec["components"]["schemas"]["CustomerCreate"]["properties"][NEW_FIELD] = {
            "oneOf": [{"type": "string"}]
        }

    with pytest.raises(SpecError, match="oneOf"):
        create_app(KEY, spec=edited(tmp_path, one_of))
