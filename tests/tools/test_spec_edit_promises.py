"""The edits of issue 28's table, each applied to a copy of the spec as a maintainer would (no other hand
edit): the copy names only what it has, the promise inventory finds a test for every promise it adds, the
reference server serves it, and the suite's checks of what it promises (malomo_contract.edit_promises, the
same functions the suite's test_spec_edit_promises.py runs) pass against that server and fail against one
that ignores the edit: lists turned into `[]`, the wrong default, the filter ignored, the field dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Scope

import malomo_spec
from malomo_contract import edit_promises as checks
from malomo_contract import promise_inventory
from malomo_contract.customers_api import ContractViolation
from malomo_mock import running
from malomo_spec.references import dangling_references
from support.broken_servers.asgi_rewrites import rewrite_json_request, rewrite_json_response
from support.spec_edits import DEFAULT_TIER, ROW_EDITS, TIERS, edited_copy

KEY = "sk_test_spec_edit_promises"
Wrap = Callable[[ASGIApp, str], ASGIApp]


def _objects(document: Any) -> list[dict[str, Any]]:
    items = document if isinstance(document, list) else [document]
    return [item for item in items if isinstance(item, dict)]


def _every_object(change: Callable[[dict[str, Any]], None]) -> Wrap:
    def transform(scope: Scope, status: int, document: Any) -> Any:
        for item in _objects(document):
            change(item)
        return document

    return rewrite_json_response(transform, lambda scope, status: status == 200)


def _lists_emptied(item: dict[str, Any]) -> None:
    item.update({name: [] for name, value in item.items() if isinstance(value, list)})


def _wrong_default(scope: Scope, body: Any) -> Any:
    if scope["method"] == "POST" and "tier" not in body:
        body["tier"] = next(tier for tier in TIERS if tier != DEFAULT_TIER)
    return body


def _filter_ignored(app: ASGIApp, key: str) -> ASGIApp:
    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            kept = [part for part in scope["query_string"].split(b"&") if not part.startswith(b"email=")]
            scope = {**scope, "query_string": b"&".join(kept)}
        await app(scope, receive, send)

    return middleware


# Each edit with the server that ignores it, and what the check that catches it says.
IGNORING: dict[str, tuple[Wrap, str]] = {
    "tags": (_every_object(_lists_emptied), r"`tags` was sent as \[.* but the answer holds \[\]"),
    "tier": (rewrite_json_request(_wrong_default), r"without `tier` \(default 'standard'\)"),
    "email_filter": (_filter_ignored, r"the list holds items whose `email` is not|target drops `email`"),
    "favourite_colour": (
        _every_object(lambda item: item.update(favourite_colour=None)),
        r"`favourite_colour` was sent as",
    ),
}


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("edits")
    return {name: edited_copy(edit, folder) for name, edit in ROW_EDITS.items()}


def run_checks(document: malomo_spec.Document, http: httpx.Client) -> int:
    """Every check edit_promises derives from `document`, against `http`; how many ran."""
    writes = checks.writes_of(document)
    assert writes is not None
    requests = checks.Requests(writes, http, lambda body: http.post(writes.create.path, json=body))
    ran = 0
    for probe in checks.field_probes(writes, "array"):
        checks.array_is_read_back_in_order(requests, probe)
        checks.array_items_of_another_type_are_refused(requests, probe)
        checks.array_past_max_items_is_refused(requests, probe)
        checks.array_items_are_kept_at_their_length_limit(requests, probe)
        ran += 4
    for probe in checks.field_probes(writes, "enum"):
        checks.every_enum_value_round_trips(requests, probe)
        ran += 1
    for probe in checks.field_probes(writes, "default"):
        if probe.operation is writes.create:
            checks.a_field_left_out_reads_back_as_its_default(requests, probe)
            ran += 1
    for found in checks.filter_probes(writes):
        checks.a_filter_keeps_only_matching_items_on_every_page(requests, found)
        ran += 1
    return ran


def round_trip_new_fields(document: malomo_spec.Document, http: httpx.Client, names: set[str]) -> None:
    """The new plain fields: a value sent is read back (what the suite's every-field tests do)."""
    writes = checks.writes_of(document)
    assert writes is not None
    requests = checks.Requests(writes, http, lambda body: http.post(writes.create.path, json=body))
    for name, schema in writes.body_fields(writes.create).items():
        if name in names:
            probe = checks.FieldProbe(writes.create, name, schema)
            value = checks.sample(document, schema, 3)
            response, what = requests.write(probe, value, "plain")
            requests.read_back(requests.answer(response, what), name, value, what)


@contextmanager
def served(spec: Path, wrap: Wrap | None = None) -> Iterator[httpx.Client]:
    """The reference server for `spec` (wrapped by `wrap`), page size 1, and a client on it."""
    wrap_app = None if wrap is None else (lambda app: wrap(app, KEY))
    with (
        running(KEY, spec=spec, page_size=1, wrap_app=wrap_app) as server,
        httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        ) as http,
    ):
        yield http


NEW_FIELDS = {
    "tags": {"tags"},
    "tier": {"tier"},
    "email_filter": set(),
    "favourite_colour": {"favourite_colour"},
}


@pytest.mark.parametrize("edit", ROW_EDITS)
def test_the_edited_copy_names_only_what_it_has(edit: str, copies: dict[str, Path]) -> None:
    assert dangling_references(malomo_spec.load(copies[edit])) == []


@pytest.mark.parametrize("edit", ROW_EDITS)
def test_the_inventory_finds_a_test_for_every_promise_the_edit_adds(
    edit: str, copies: dict[str, Path]
) -> None:
    def untested(tree: Any) -> list[str]:
        promises = promise_inventory.inventory(tree)
        return sorted(f"{p.where}: {p.text}" for p in promise_inventory.normative(promises) if not p.tests)

    shipped = malomo_spec.load(edited_copy(lambda spec: None, copies[edit].parent)).tree
    assert untested(malomo_spec.load(copies[edit]).tree) == untested(shipped)


@pytest.mark.parametrize("edit", ROW_EDITS)
def test_the_suite_passes_a_server_that_follows_the_edit_and_fails_one_that_ignores_it(
    edit: str, copies: dict[str, Path]
) -> None:
    document = malomo_spec.load(copies[edit])
    with served(copies[edit]) as http:
        ran = run_checks(document, http)
        round_trip_new_fields(document, http, NEW_FIELDS[edit])
    assert ran or NEW_FIELDS[edit], "the edit promises nothing the suite checks"
    ignoring, caught = IGNORING[edit]
    with served(copies[edit], ignoring) as http, pytest.raises(ContractViolation, match=caught):
        run_checks(document, http)
        round_trip_new_fields(document, http, NEW_FIELDS[edit])
