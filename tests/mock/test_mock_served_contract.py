"""Reference server: what it serves comes from the spec: a handler for every operation and no handler for an
operation the spec lacks, and the serving facts of the spec's `info` (vendor media type, body limit) and its
cursor parameters applied as an edited spec states them."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import malomo_spec
from malomo_mock import create_app, running
from malomo_mock.customer_handlers import CustomersApi
from malomo_mock.customers_store import CustomersStore
from malomo_mock.openapi_contract import MAX_BODY_EXTENSION, MEDIA_TYPE_EXTENSION, load_contract
from malomo_mock.request_bodies import size_text
from support.customer_bodies import new_customer
from support.spec_document import DOCUMENT, SPEC

KEY = "sk_test_served_contract"
SPEC_OPERATIONS = {operation.operation_id for operation in malomo_spec.operations(DOCUMENT)}


def test_every_operation_of_the_spec_has_a_handler_and_a_handler_naming_none_is_warned_about() -> None:
    """A handler whose operation the spec dropped is no failure (removing an operation needs no code edit),
    but the server names it at start-up (`app.state.orphaned`)."""
    contract = load_contract()
    store = CustomersStore(":memory:", contract)
    try:
        handled = set(CustomersApi(store, 25, contract).handlers())
    finally:
        store.close()
    assert SPEC_OPERATIONS - handled == set(), "operations of the spec without a handler (they answer 501)"
    app = create_app("sk_test_orphans")
    app.state.store.close()
    assert app.state.orphaned == sorted(handled - SPEC_OPERATIONS)


@pytest.mark.parametrize(
    ("size", "text"),
    [(1048576, "1 MiB"), (2048, "2 KiB"), (3 << 30, "3 GiB"), (1000, "1000 bytes"), (1, "1 byte")],
)
def test_a_body_limit_is_worded_from_its_byte_count(size: int, text: str) -> None:
    assert size_text(size) == text


def edited(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    spec = copy.deepcopy(SPEC)
    edit(spec)
    path = tmp_path / "edited.yaml"
    path.write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    return path


@contextmanager
def serving(spec: Path, page_size: int = 25) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with (
        running(KEY, spec=spec, page_size=page_size) as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client,
    ):
        yield client


def test_the_body_limit_and_its_413_message_follow_the_spec(tmp_path: Path) -> None:
    limit = 2048

    def smaller_limit(spec: dict[str, Any]) -> None:
        spec["info"][MAX_BODY_EXTENSION] = limit

    with serving(edited(tmp_path, smaller_limit)) as api:
        head = b'{"email": "limit@body.test", "first_name": "'
        over = head + b"x" * (limit - len(head)) + b'"}'
        response = api.post("/customers", content=over, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json()["message"] == "The request body is larger than 2 KiB."
        assert api.post("/customers", json=new_customer(email="small@body.test")).status_code == 200


def test_the_version_is_read_from_the_media_type_the_spec_names(tmp_path: Path) -> None:
    shipped = SPEC["info"][MEDIA_TYPE_EXTENSION]
    renamed = "application/vnd.renamed+json"

    def rename(spec: dict[str, Any]) -> None:
        spec["info"][MEDIA_TYPE_EXTENSION] = renamed

    with serving(edited(tmp_path, rename)) as api:
        assert api.get("/customers", headers={"Accept": f"{renamed}; version=1"}).status_code == 406
        assert api.get("/customers", headers={"Accept": f"{shipped}; version=1"}).status_code == 200


def test_the_cursor_parameters_are_the_ones_the_spec_declares(tmp_path: Path) -> None:
    def rename_cursors(spec: dict[str, Any]) -> None:
        parameters = spec["components"]["parameters"]
        for parameter in parameters.values():
            parameter["name"] = f"{parameter['name']}_cursor"

    with serving(edited(tmp_path, rename_cursors), page_size=1) as api:
        for email in ("one@cursor.test", "two@cursor.test"):
            assert api.post("/customers", json=new_customer(email=email)).status_code == 200
        first = api.get("/customers")
        following = first.links["next"]["url"]
        assert "?next_cursor=" in following
        second = api.get(following)
        assert second.status_code == 200 and second.json() != first.json()
        assert "?prev_cursor=" in second.links["prev"]["url"]
        both = {"next_cursor": "a", "prev_cursor": "b"}
        assert "next_cursor and prev_cursor" in api.get("/customers", params=both).json()["message"]
