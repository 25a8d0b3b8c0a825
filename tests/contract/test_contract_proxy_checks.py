"""The checks the proxy runs on each exchange, on recordings of short sessions against the reference server
and broken variants of it (in process: the proxy's forwarding is test_contract_proxy.py's): the promises
that traffic alone can show, and the app's requests told apart from the server's answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis

import malomo
from malomo_contract.spec_contract import SPEC_PATH
from malomo_contract.traffic.exchange_checks import APP, SERVER, server_violations
from malomo_contract.traffic.exchanges import Exchange
from malomo_contract.traffic.har_files import load_recording
from malomo_contract.traffic.request_checks import request_violations
from malomo_mock.serving import running
from support.broken_servers.broken_answers import UPDATED_AT_NEVER_MOVES
from support.broken_servers.broken_paging import CURSOR_LOOPS
from support.broken_servers.broken_variant import BrokenVariant

KEY = "sk_test_proxychecks01234567890"
AUTH = {"Authorization": f"Bearer {KEY}"}
MAX_PAGES = 6


def _session(client: httpx.Client) -> None:
    """Creates, an update of the first customer, and a walk over the list's pages of 2 (at most MAX_PAGES)."""
    first = client.post("/customers", json={"email": "a@example.com", "first_name": None}).json()
    for name in ("b", "c", "d", "e", "f"):
        client.post("/customers", json={"email": f"{name}@example.com"})
    client.put(f"/customers/{first['id']}", json={"last_name": "Lee"})
    page = client.get("/customers")
    for _ in range(MAX_PAGES):
        target = page.links.get("next", {}).get("url")
        if not target:
            break
        page = client.get(target)


def _recorded(
    tmp_path: Path, session: Callable[[httpx.Client], None], variant: BrokenVariant | None
) -> list[Exchange]:
    path = tmp_path / "session.har"
    wrap = (lambda app: variant.wrap(app, KEY)) if variant is not None else None
    with running(KEY, page_size=2, wrap_app=wrap) as server:
        transport = malomo.RecordingTransport(recorder=malomo.HarRecorder(path))
        with httpx.Client(base_url=server.base_url, headers=AUTH, transport=transport) as client:
            session(client)
    return load_recording(path, schemathesis.openapi.from_path(SPEC_PATH), []).checked


@pytest.mark.parametrize(
    ("variant", "promises"),
    [
        (None, set()),
        (UPDATED_AT_NEVER_MOVES, {"updated_at_moves_forward"}),
        (CURSOR_LOOPS, {"walk_never_revisits_a_page"}),
    ],
    ids=["correct", "updated_at_never_moves", "cursor_loops"],
)
def test_promises_that_traffic_alone_shows_are_checked(
    tmp_path: Path, variant: BrokenVariant | None, promises: set[str]
) -> None:
    exchanges = _recorded(tmp_path, _session, variant)
    found = {violation.promise for exchange in exchanges for violation in server_violations(exchange)}
    assert promises <= found and (found == set() if variant is None else True), found
    assert all(v.side == SERVER for exchange in exchanges for v in server_violations(exchange))
    assert not [v for exchange in exchanges for v in request_violations(exchange)]


def test_requests_the_spec_does_not_allow_are_the_apps_violations(tmp_path: Path) -> None:
    def invalid(client: httpx.Client) -> None:
        client.post("/customers", json={"email": "not-an-email", "nickname": "x"})
        client.get("/customers/123")
        client.get("/customers", params={"next": ""})
        del client.headers["Authorization"]
        client.get("/customers")

    exchanges = _recorded(tmp_path, invalid, None)
    found: list[Any] = [request_violations(exchange) for exchange in exchanges]
    assert [[v.promise for v in violations] for violations in found] == [
        ["request_body_matches_the_spec"],
        ["request_parameters_match_the_spec"],
        ["request_parameters_match_the_spec"],
        ["request_carries_the_api_key"],
    ]
    assert all(v.side == APP for violations in found for v in violations)
    # The server refused each as the contract says: none of it is the server's.
    assert not [v for exchange in exchanges for v in server_violations(exchange)]
